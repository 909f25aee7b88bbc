import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ptgen import cli, render
from ptgen.errors import PtgenError
from ptgen.options import resolve

from .conftest import TEMPLATE, tree, tree_as_rendered

runner = CliRunner()


def new(*args: str):
    return runner.invoke(cli.app, ["new", *args, "--no-input"])


@pytest.fixture
def broken_template(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """A copy of the template with one bad file deep inside, used instead of the real one."""

    def make(content: str) -> Path:
        copy = tmp_path / "template"
        shutil.copytree(TEMPLATE, copy)
        package = copy / "{{cookiecutter.project_name}}" / "{{cookiecutter.__package_name}}"
        (package / "utils" / "zz_broken.py").write_text(content)
        monkeypatch.setattr(render, "template_dir", lambda name="project": copy)
        return copy

    return make


@pytest.mark.parametrize(
    "content",
    ["x = {{ cookiecutter.no_such_option.attr }}\n", "{% if %}\n", "{% for x in %}{% endif %}\n"],
)
def test_template_error_mid_render_leaves_nothing(tmp_path, broken_template, content):
    broken_template(content)
    out = tmp_path / "out"
    result = new("demo", "-o", str(out))
    assert result.exit_code == 1, result.output
    assert result.stderr.startswith("error: template failed to render")
    assert not out.exists()


def test_failed_force_keeps_the_existing_project(tmp_path, broken_template):
    dest = tmp_path / "demo"
    dest.mkdir()
    (dest / "precious.txt").write_text("old work")
    broken_template("{{ cookiecutter.no_such_option.attr }}")
    result = new("demo", "-o", str(tmp_path), "--force")
    assert result.exit_code == 1
    assert tree(dest) == {"precious.txt": b"old work"}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["demo", "home", "template"]


def test_os_error_during_commit_restores_and_cleans(tmp_path, monkeypatch):
    dest = tmp_path / "demo"
    dest.mkdir()
    (dest / "precious.txt").write_text("old work")
    real_rename = render.rename_no_replace

    def failing_rename(src, dst):
        if Path(dst) == dest and Path(src).name == "demo":  # the new tree, not the old one
            raise OSError(13, "Permission denied")
        return real_rename(src, dst)

    monkeypatch.setattr(render, "rename_no_replace", failing_rename)
    result = new("demo", "-o", str(tmp_path), "--force")
    assert result.exit_code == 1 and "cannot move project" in result.stderr
    assert tree(dest) == {"precious.txt": b"old work"}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["demo", "home"]


@pytest.mark.skipif(sys.platform == "win32", reason="symbolic links need privileges on Windows")
def test_rendered_paths_must_stay_inside(tmp_path):
    generation = render.Generation(resolve("demo", {}, {}), tmp_path)
    out = tmp_path / "out"
    project = out / "demo"
    project.mkdir(parents=True)
    (project / "ok.txt").write_text("fine")
    generation._verify(out, project)
    (project / "escape").symlink_to(tmp_path)
    with pytest.raises(PtgenError, match="symbolic link: escape"):
        generation._verify(out, project)
    (project / "escape").unlink()
    (out / "stray").mkdir()
    with pytest.raises(PtgenError, match="unexpected top-level entries"):
        generation._verify(out, project)


def test_same_options_give_byte_identical_output(tmp_path):
    for run in ("a", "b"):
        assert new("demo", "-o", str(tmp_path / run), "--set", "dataset=mnist").exit_code == 0
    assert tree(tmp_path / "a" / "demo") == tree(tmp_path / "b" / "demo")


@pytest.mark.parametrize(
    "sets",
    [
        [],
        ["dataset=mnist", "model=mlp", "tensorboard=true", "github_actions=false"],
        ["dataset=fashion_mnist", "data_dir=/srv/data/"],
        ["description=Has: colons, 'quotes' and \"double\"", "author=Zoë O'Brien"],
    ],
)
def test_plain_cookiecutter_gives_the_same_tree(tmp_path, sets):
    args = [a for s in sets for a in ("--set", s)]
    assert new("My.Proj", "-o", str(tmp_path / "ptgen"), *args).exit_code == 0
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "cookiecutter",
            str(TEMPLATE),
            "--no-input",
            "-o",
            str(tmp_path / "plain"),
            "project_name=My.Proj",
            *sets,
        ],
        capture_output=True,
        text=True,
        env={**os.environ, "TMPDIR": str(tmp_path)},  # its rendered hook script goes there
    )
    assert proc.returncode == 0, proc.stderr
    assert tree(tmp_path / "plain" / "My.Proj") == tree_as_rendered(tmp_path / "ptgen" / "My.Proj")


def test_user_cookiecutter_config_and_replay_are_ignored(tmp_path, isolated_home):
    replay = isolated_home / "replay"
    (isolated_home / ".cookiecutterrc").write_text(
        f"default_context:\n  author: Someone Else\nreplay_dir: {replay}\n"
        f"cookiecutters_dir: {isolated_home / 'cc'}\n"
    )
    assert new("demo", "-o", str(tmp_path / "out")).exit_code == 0
    assert "Your Name" in (tmp_path / "out" / "demo" / "pyproject.toml").read_text()
    assert not replay.exists() and not (isolated_home / "cc").exists()
    assert not (isolated_home / ".cookiecutter_replay").exists()


@pytest.mark.parametrize(
    "sets",
    [
        [],
        ["--set", "dataset=mnist", "--set", "model=mlp", "--set", "tensorboard=true"],
        ["--set", "dataset=fashion_mnist", "--set", "author=Ada"],
    ],
)
def test_answers_file_regenerates_the_same_project(tmp_path, sets):
    assert new("demo", "-o", str(tmp_path / "a"), *sets).exit_code == 0
    answers = tmp_path / "a" / "demo" / ".ptgen.yaml"
    result = new("demo", "-o", str(tmp_path / "b"), "--options", str(answers))
    assert result.exit_code == 0, result.output
    assert tree(tmp_path / "a" / "demo") == tree(tmp_path / "b" / "demo")


def test_output_dir_is_created_and_removed_on_failure(tmp_path, broken_template):
    deep = tmp_path / "x" / "y"
    assert new("demo", "-o", str(deep)).exit_code == 0
    assert (deep / "demo" / "train.py").is_file()
    broken_template("{% if %}")
    other = tmp_path / "p" / "q"
    assert new("demo", "-o", str(other)).exit_code == 1
    assert not (tmp_path / "p").exists()


def test_template_is_found_from_the_installed_package_in_any_folder(tmp_path):
    """Under the editable install the tests run with, the templates of this checkout are
    found whatever the current folder (the wheel case is test_wheel.py)."""
    assert render.template_dir() == TEMPLATE
    proc = subprocess.run(
        [sys.executable, "-c", "from ptgen.render import template_dir; print(template_dir())"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        check=True,
    )
    assert Path(proc.stdout.strip()) == TEMPLATE
