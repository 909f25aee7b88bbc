"""ptgen update / check: three-way updates from an older template, offline and all-or-nothing."""

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ptgen import __version__, cli, update
from ptgen.merge3 import merge3
from ptgen.render import Generation, template_dir

from .conftest import TEMPLATE, tree

OLD = "0.0.1"
PROJECT = "{{cookiecutter.project_name}}"
runner = CliRunner()


def ptgen(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(cli.app, list(args))
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def old_template(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Release OLD of the template, shipped in a history folder: compared with the installed
    template it has a changed file (test.py), lacks a file (predict.py: new in this release),
    has a file since removed (legacy.md), and an older default (epochs in config.yaml)."""
    old = tmp_path / "old-template" / "project"
    shutil.copytree(TEMPLATE, old, ignore=shutil.ignore_patterns("__pycache__"))
    spec = old / "cookiecutter.json"
    spec.write_text(spec.read_text().replace(f'"{__version__}"', f'"{OLD}"'))
    files = old / PROJECT
    test_py = files / "test.py"
    test_py.write_text(test_py.read_text().replace('"""', '"""Old release. ', 1))
    (files / "predict.py").unlink()
    (files / "legacy.md").write_text("A file the next release drops.\n")
    config = files / "config.yaml"
    text = config.read_text()
    assert "  epochs: {{ data.epochs }}\n" in text
    config.write_text(text.replace("  epochs: {{ data.epochs }}\n", "  epochs: 3\n", 1))
    # Its hook differs too: each template's own Jinja extension must render its own hook
    # (an extension cached from the installed template once left the old hook unrendered).
    hook = old / "hooks" / "post_gen_project.py"
    hook.write_text(hook.read_text() + "# release 0.0.1\n")
    history = tmp_path / "history"
    history.mkdir()
    archive_template(old, history / f"{OLD}.tar.gz")
    monkeypatch.setattr(update, "HISTORY", history)
    return old


def archive_template(source: Path, target: Path) -> None:
    import tarfile

    with tarfile.open(target, "w:gz") as tar:
        tar.add(source, arcname="project")


def generate(template: Path, out: Path, name: str = "demo", **answers: object) -> Path:
    from ptgen.options import resolve

    sets = {k: str(v).lower() if isinstance(v, bool) else str(v) for k, v in answers.items()}
    return Generation(resolve(name, {}, sets), out, template=template).run()


def fresh(tmp_path: Path, **answers: object) -> dict[str, bytes]:
    return tree(generate(template_dir(), tmp_path / "fresh", **answers))


def files(project: Path) -> dict[str, bytes]:
    """The project's files, less git's own and the update's backups."""
    return {k: v for k, v in tree(project).items() if not k.startswith((".git/", ".ptgen-backup/"))}


def git(project: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-c", "user.email=t@t", "-c", "user.name=t", *args],
        cwd=project,
        check=True,
        capture_output=True,
        text=True,
    ).stdout


def committed(project: Path) -> Path:
    git(project, "init", "-q")
    git(project, "add", "-A")
    git(project, "commit", "-qm", "generated")
    return project


def test_an_untouched_project_becomes_exactly_a_fresh_one(tmp_path, old_template):
    project = committed(generate(old_template, tmp_path / "p"))
    code, out, _ = ptgen("check", str(project))
    assert code == 1 and "added      predict.py" in out
    code, out, err = ptgen("update", str(project))
    assert code == 0, err
    assert "updated    test.py" in out and "added      predict.py" in out
    assert "removed    legacy.md" in out and "updated    config.yaml" in out
    assert f"template {OLD} -> {__version__}" in out
    assert not list(project.glob(".ptgen-*"))  # a clean git tree: git keeps the old files
    assert files(project) == fresh(tmp_path)
    assert ptgen("check", str(project))[0] == 0


def test_user_edits_elsewhere_are_kept_and_deleted_files_stay_deleted(tmp_path, old_template):
    project = generate(old_template, tmp_path / "p")
    test_py = project / "test.py"
    test_py.write_text(test_py.read_text() + "\n# my note at the end\n")
    (project / "legacy.md").write_text("I changed this.\n")
    config = project / "config.yaml"
    config.write_text(config.read_text() + "# mine\n")
    (project / "tests" / "test_metrics.py").unlink()  # unchanged by the template
    (project / "README.md").unlink()  # the template does not change it either
    code, out, err = ptgen("update", str(project))
    assert code == 0, out + err
    text = test_py.read_text()
    assert "# my note at the end" in text and "Old release." not in text  # merged
    assert "merged     test.py" in out and "merged     config.yaml" in out
    assert config.read_text().endswith("# mine\n") and "epochs: 3" not in config.read_text()
    assert (project / "legacy.md").read_text() == "I changed this.\n"
    assert "kept       legacy.md  (dropped by the template; you changed it)" in out
    assert not (project / "tests" / "test_metrics.py").exists()
    assert not (project / "README.md").exists()
    # Not a git tree: what was replaced is kept aside.
    backup = project / ".ptgen-backup" / "1"
    assert "Old release." in (backup / "test.py").read_text()


def test_a_file_the_user_deleted_that_the_template_changed_stays_deleted(tmp_path, old_template):
    project = generate(old_template, tmp_path / "p")
    (project / "test.py").unlink()
    code, out, _ = ptgen("update", str(project))
    assert code == 0 and "kept       test.py  (you deleted it; it stays deleted)" in out
    assert not (project / "test.py").exists()


def test_the_same_lines_edited_on_both_sides_give_conflict_markers(tmp_path, old_template):
    project = generate(old_template, tmp_path / "p")
    test_py = project / "test.py"
    test_py.write_text(test_py.read_text().replace('"""Old release. ', '"""My release. ', 1))
    code, out, err = ptgen("update", str(project))
    assert code == 1, out + err
    assert "conflicted test.py  (1 conflict(s) marked)" in out and "resolve the" in err
    text = test_py.read_text()
    assert "<<<<<<< yours\n" in text and f">>>>>>> ptgen {__version__}\n" in text
    assert '"""My release. ' in text and '"""Old release. ' in text  # base shown too
    assert (project / "predict.py").is_file()  # the rest of the update went through


def test_changed_answers_add_and_remove_option_files(tmp_path):
    answers = {"dataset": "csv", "task": "regression", "model": "mlp"}
    project = generate(template_dir(), tmp_path / "p", **answers)
    code, out, err = ptgen("update", str(project), "--set", "dataset=mnist")
    assert code == 0, out + err
    package = project / "demo"
    assert (package / "data_loader" / "mnist.py").is_file()
    assert not (package / "data_loader" / "csv_table.py").exists()
    assert 'task: "classification"' in (project / ".ptgen.yaml").read_text()  # its default
    assert files(project) == fresh(tmp_path, dataset="mnist", model="mlp")
    code, out, _ = ptgen("update", str(project), "--set", "tensorboard=true")
    assert code == 0 and "added      demo/logger/tensorboard.py" in out


def test_changed_answers_are_validated_before_anything_is_written(tmp_path):
    project = generate(template_dir(), tmp_path / "p")
    before = tree(project)
    for args, message in [
        (["--set", "dataset=imagenet"], "dataset"),
        (["--set", "model=backbone", "--set", "dataset=csv"], "model 'backbone' needs"),
        (["--set", "project_name=other"], "project name cannot change"),
    ]:
        code, _, err = ptgen("update", str(project), *args)
        assert code == 2 and message in err and len(err.strip().splitlines()) == 1, err
    assert tree(project) == before


def test_a_dirty_git_tree_is_refused_unless_allowed(tmp_path, old_template):
    project = committed(generate(old_template, tmp_path / "p"))
    (project / "notes.txt").write_text("not committed\n")
    before = tree(project)
    code, _, err = ptgen("update", str(project))
    assert code == 2 and "uncommitted changes" in err
    assert tree(project) == before
    code, _, _ = ptgen("update", str(project), "--allow-dirty")
    assert code == 0 and (project / "predict.py").is_file()
    assert (project / ".ptgen-backup" / "1" / "test.py").is_file()  # dirty: a backup


def test_an_interruption_midway_leaves_the_tree_as_it_was(tmp_path, old_template, monkeypatch):
    project = generate(old_template, tmp_path / "p")
    (project / "test.py").write_text((project / "test.py").read_text() + "# mine\n")
    before = tree(project)
    calls = []

    def interrupt(target: Path) -> None:
        calls.append(target)
        if len(calls) == 3:
            raise KeyboardInterrupt

    monkeypatch.setattr(update, "_before_rename", interrupt)
    code, _, err = ptgen("update", str(project))
    assert code == 130 and "interrupted" in err
    assert len(calls) == 3
    assert tree(project) == before
    assert not list(project.glob(".ptgen-*"))


def test_a_file_changed_after_planning_stops_the_update(tmp_path, old_template):
    project = generate(old_template, tmp_path / "p")
    plan = update.plan_update(project)
    (project / "test.py").write_text("# edited meanwhile\n")
    before = tree(project)
    with pytest.raises(update.PtgenError, match=r"test\.py changed while ptgen was updating"):
        update.apply(plan, keep_backup=False)
    assert tree(project) == before


def test_check_exit_codes_and_json(tmp_path, old_template):
    current = generate(template_dir(), tmp_path / "a")
    assert ptgen("check", str(current)) == (0, f"up to date with template {__version__}\n", "")
    (current / "train.py").write_text("# all mine\n")  # the user's own edit: still up to date
    assert ptgen("check", str(current))[0] == 0
    old = generate(old_template, tmp_path / "b")
    code, out, _ = ptgen("check", str(old), "--json")
    report = json.loads(out)
    assert code == 1 and report["from"] == OLD and not report["up_to_date"]
    assert {"path": "predict.py", "action": "added", "note": ""} in report["changes"]
    assert tree(old) == tree(generate(old_template, tmp_path / "c"))  # check wrote nothing
    code, _, err = ptgen("check", str(tmp_path / "nothing-here"))
    assert code == 2 and err.startswith("error: ")
    (tmp_path / "plain").mkdir()
    code, _, err = ptgen("check", str(tmp_path / "plain"))
    assert code == 2 and "no .ptgen.yaml" in err


def test_a_project_without_a_recorded_template_is_adopted(tmp_path, old_template):
    project = generate(old_template, tmp_path / "p")
    state = project / ".ptgen.yaml"
    lines = state.read_text().splitlines(keepends=True)
    state.write_text("".join(x for x in lines if not x.startswith(("ptgen_", "template_"))))
    code, _, err = ptgen("update", str(project))
    assert code == 2 and "--adopt --from VERSION" in err
    code, _, err = ptgen("update", str(project), "--adopt", "--from", "9.9.9")
    assert code == 2 and "no copy of template 9.9.9" in err
    code, out, err = ptgen("update", str(project), "--adopt", "--from", OLD)
    assert code == 0, out + err
    assert files(project) == fresh(tmp_path)


def test_a_plain_cookiecutter_project_is_adopted_with_its_answers(tmp_path):
    """Rendered without ptgen and without an answers file: --options gives the answers."""
    project = generate(template_dir(), tmp_path / "p", dataset="mnist", model="mlp")
    (project / ".ptgen.yaml").unlink()
    answers = tmp_path / "answers.yaml"
    answers.write_text("project_name: demo\ndataset: mnist\nmodel: mlp\n")
    assert ptgen("update", str(project))[0] == 2
    code, out, err = ptgen("update", str(project), "--adopt", "--options", str(answers))
    assert code == 0, out + err
    assert files(project) == fresh(tmp_path, dataset="mnist", model="mlp")


def test_dry_run_writes_nothing(tmp_path, old_template):
    project = generate(old_template, tmp_path / "p")
    before = tree(project)
    code, out, err = ptgen("update", str(project), "--dry-run")
    assert code == 0 and "added      predict.py" in out and "nothing was written" in err
    assert tree(project) == before


CONFLICT = "<<<<<<< yours\n{}||||||| base\n{}=======\n{}>>>>>>> template\n"


@pytest.mark.parametrize(
    ("base", "ours", "theirs", "merged", "conflicts"),
    [
        ("a\nb\nc\n", "a\nB\nc\n", "a\nb\nc\nd\n", "a\nB\nc\nd\n", 0),  # both kept
        ("a\nb\nc\n", "a\nB\nc\n", "a\nB\nc\n", "a\nB\nc\n", 0),  # the same change once
        ("a\nb\nc\n", "a\nc\n", "a\nb\nc\n", "a\nc\n", 0),  # a deletion on one side
        (
            "a\nb\nc\n",
            "a\nX\nc\n",
            "a\nY\nc\n",
            "a\n" + CONFLICT.format("X\n", "b\n", "Y\n") + "c\n",
            1,
        ),
        ("", "x", "y", CONFLICT.format("x\n", "", "y\n"), 1),  # no final newline: one added
    ],
)
def test_merge3(base, ours, theirs, merged, conflicts):
    result = merge3(base, ours, theirs)
    assert (result.text, result.conflicts) == (merged, conflicts)


def test_ctrl_c_during_the_renames_waits_until_every_file_is_in_place(
    tmp_path, old_template, monkeypatch
):
    import os
    import signal

    project = committed(generate(old_template, tmp_path / "p"))
    monkeypatch.setattr(
        update, "_before_rename", lambda target: os.kill(os.getpid(), signal.SIGINT)
    )
    code, _, err = ptgen("update", str(project))
    assert code == 130 and "interrupted after the update was complete" in err
    assert files(project) == fresh(tmp_path)
    assert not list(project.glob(".ptgen-*"))


def test_an_update_killed_midway_is_reported_not_buried(tmp_path, old_template):
    project = generate(old_template, tmp_path / "p")
    dead = 2**22 + 12345  # above Linux's default pid_max: no such process
    work = project / f".ptgen-update-{dead}-abc"
    (work / "old").mkdir(parents=True)
    (work / "old" / "test.py").write_text("the user's file\n")
    code, _, err = ptgen("update", str(project))
    assert code == 2 and "killed midway" in err and str(work) in err
    assert (work / "old" / "test.py").is_file()
    shutil.rmtree(work / "old")  # only staged copies left: dropped on the next run
    code, _, err = ptgen("update", str(project))
    assert code == 0, err
    assert not work.exists()
