"""What a hostile user tried on the generator: values run as code, values that break files,
races, YAML bombs, shadowing names, signals and leftovers."""

import os
import signal
import subprocess
import sys
import textwrap
import time
import tomllib
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from ptgen import cli, render
from ptgen.errors import PtgenError
from ptgen.options import check_project_name, load_options_file, resolve
from ptgen.render import template_digest, template_dir

from .conftest import REPO, TEMPLATE, tree

runner = CliRunner()


def new(*args: str):
    return runner.invoke(cli.app, ["new", *args, "--no-input"])


def plain_cookiecutter(out: Path, *pairs: str) -> subprocess.CompletedProcess[str]:
    # Plain cookiecutter leaves its rendered hook script in TMPDIR: keep it inside out/.
    (out / "tmp").mkdir(parents=True)
    return subprocess.run(
        [sys.executable, "-m", "cookiecutter", str(TEMPLATE), "--no-input", "-o", str(out), *pairs],
        capture_output=True,
        text=True,
        env={**os.environ, "TMPDIR": str(out / "tmp")},
    )


# -- 1. option values are never evaluated as Jinja ---------------------------------------------


def test_jinja_in_values_is_literal_in_ptgen_and_plain_cookiecutter(tmp_path):
    witness = tmp_path / "ran"
    payload = f"{{{{ cycler.__init__.__globals__.os.popen('touch {witness}').read() }}}}"
    description = f"{payload} {{{{ 7*7 }}}} {{% raw %}}x{{% endraw %}} {{# open"
    sets = [f"description={description}", "author={{ 6*7 }}"]
    result = new("q", "-o", str(tmp_path / "a"), *[a for s in sets for a in ("--set", s)])
    assert result.exit_code == 0, result.output
    proc = plain_cookiecutter(tmp_path / "b", "project_name=q", *sets)
    assert proc.returncode == 0, proc.stderr
    assert not witness.exists()
    for project in (tmp_path / "a" / "q", tmp_path / "b" / "q"):
        meta = tomllib.loads((project / "pyproject.toml").read_text(encoding="utf-8"))["project"]
        assert meta["description"] == description
        assert meta["authors"] == [{"name": "{{ 6*7 }}"}]
        answers = yaml.safe_load((project / ".ptgen.yaml").read_text(encoding="utf-8"))
        assert answers["description"] == description
    # The same files; ptgen also records the digest of the template it rendered.
    made_by_ptgen, made_by_cookiecutter = tree(tmp_path / "a" / "q"), tree(tmp_path / "b" / "q")
    state = made_by_ptgen.pop(".ptgen.yaml").decode()
    assert state == made_by_cookiecutter.pop(".ptgen.yaml").decode() + (
        f'template_digest: "{template_digest(template_dir())}"\n'
    )
    assert made_by_ptgen == made_by_cookiecutter


# -- 2. nothing that appears while rendering is replaced ---------------------------------------


def test_folder_appearing_during_render_is_left_alone(tmp_path, monkeypatch):
    real = render.Generation._render

    def render_then_user_writes(self, staging):
        project = real(self, staging)
        (self.dest).mkdir()
        (self.dest / "thesis.txt").write_text("years of work")
        return project

    monkeypatch.setattr(render.Generation, "_render", render_then_user_writes)
    result = new("proj", "-o", str(tmp_path))
    assert result.exit_code == 1
    assert "appeared while the project was being generated" in result.stderr
    assert tree(tmp_path / "proj") == {"thesis.txt": b"years of work"}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["home", "proj"]


def test_rename_no_replace_refuses_an_existing_empty_folder(tmp_path):
    (tmp_path / "src").mkdir()
    (tmp_path / "dst").mkdir()
    with pytest.raises(FileExistsError):
        render.rename_no_replace(tmp_path / "src", tmp_path / "dst")
    render.rename_no_replace(tmp_path / "src", tmp_path / "new")
    assert (tmp_path / "new").is_dir() and not (tmp_path / "src").exists()


def test_concurrent_runs_for_one_name_one_wins(tmp_path):
    command = [sys.executable, "-m", "ptgen", "new", "same", "-o", str(tmp_path), "--no-input"]
    procs = [
        subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for _ in range(4)
    ]
    codes = sorted(p.wait(timeout=120) for p in procs)
    assert codes == [0, 1, 1, 1]
    assert (tmp_path / "same" / "train.py").is_file()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["home", "same"]


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
def test_ctrl_c_between_the_two_renames_of_force_is_held_back(tmp_path, monkeypatch):
    dest = tmp_path / "demo"
    dest.mkdir()
    (dest / "old.txt").write_text("old")
    real_replace = os.replace

    def replace_then_interrupt(src, dst):
        real_replace(src, dst)
        signal.raise_signal(signal.SIGINT)  # arrives with the old tree moved aside

    monkeypatch.setattr(render.os, "replace", replace_then_interrupt)
    result = new("demo", "-o", str(tmp_path), "--force")
    assert result.exit_code == 130
    assert "the new project is in place" in result.stderr
    assert (dest / "train.py").is_file() and not (dest / "old.txt").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["demo", "home"]


# -- 3. values reach every file format intact --------------------------------------------------

HOSTILE = [
    'has """ triple quotes',
    "ends with a backslash \\",
    "C:\\Users\\me\\new",
    "emoji 😀 and family 👨‍👩‍👧 and Zoë O'Brien",
    "<script>alert(1)</script> *bold* _it_ [link](http://x) `code` |a|b|",
    "# not a heading",
    "- not a list",
    "1. not a list",
    "key: value # not a comment",
    "&anchor *alias !!python/object:os.system",
    "'single' \"double\" '''",
    "off",
    "1e-4",
    "null",
    "~",
    "---",
    "${{ github.token }} %s {0} $(id) `id`",
    "\\n is not a newline, \\u0041 not an escape",
    "  padded  ",
    "x" * 200,
]


@pytest.mark.parametrize("value", HOSTILE, ids=range(len(HOSTILE)))
def test_hostile_values_reach_every_format_literally(tmp_path, value):
    author = value[:100]
    sets = ["--set", f"description={value}", "--set", f"author={author}"]
    sets += ["--set", "preset=mnist", "--set", f"data_dir={value[:50]}"]
    result = new("hostile", "-o", str(tmp_path / "a"), *sets)
    assert result.exit_code == 0, result.output
    project = tmp_path / "a" / "hostile"
    for path in project.rglob("*.py"):
        compile(path.read_text(encoding="utf-8"), str(path), "exec")  # no SyntaxError
    meta = tomllib.loads((project / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert meta["description"] == value and meta["authors"] == [{"name": author}]
    doc = compile((project / "hostile" / "__init__.py").read_text(encoding="utf-8"), "i", "exec")
    assert " ".join(doc.co_consts[0].split()) == " ".join(value.split())
    for check in (["check"], ["format", "--check"]):
        proc = subprocess.run(
            [sys.executable, "-m", "ruff", *check, "--no-cache", "."],
            cwd=project,
            capture_output=True,
            text=True,
        )
        assert proc.returncode == 0, proc.stdout + proc.stderr
    config = yaml.safe_load((project / "config.yaml").read_text(encoding="utf-8"))
    assert config["data_loader"]["args"]["data_dir"] == value[:50]
    # The answers file gives back the same project.
    answers = project / ".ptgen.yaml"
    assert load_options_file(answers)["description"] == value
    again = new("hostile", "-o", str(tmp_path / "b"), "--options", str(answers))
    assert again.exit_code == 0, again.output
    assert tree(project) == tree(tmp_path / "b" / "hostile")


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("nul \x00 byte", "U+0000"),
        ("two\nlines", "a line break"),
        ("carriage\rreturn", "a line break"),
        ("line\u2028separator", "U+2028"),
        ("bidi \u202e override", "U+202E"),
        ("x" * 201, "at most 200"),
    ],
)
def test_values_that_no_file_can_hold_are_refused(tmp_path, value, problem):
    result = new("demo", "-o", str(tmp_path / "out"), "--set", f"description={value}")
    assert result.exit_code == 1
    assert problem in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "out").exists()


@pytest.mark.slow
def test_hostile_project_installs_with_pip(tmp_path, requires_torch):
    value = 'Zoë\'s 😀 "quoted" C:\\path\\ {{ 7*7 }}'
    sets = ["--set", f"description={value}", "--set", f"author={value}"]
    assert new("hostile-pip", "-o", str(tmp_path), *sets).exit_code == 0
    target = tmp_path / "site"
    proc = subprocess.run(
        [
            *(sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--no-build-isolation"),
            *("--target", str(target), str(tmp_path / "hostile-pip")),
        ],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stderr
    (meta,) = target.glob("hostile_pip-*.dist-info/METADATA")
    text = meta.read_text(encoding="utf-8")
    assert f"Summary: {value}" in text and f"Author: {value}" in text


# -- 4. YAML bombs and sizes --------------------------------------------------------------------

BOMB = textwrap.dedent(
    """\
    a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
    b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
    c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
    d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
    e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
    f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
    g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
    description: *g
    """
)


def test_yaml_alias_bomb_is_refused_at_once(tmp_path):
    bomb = tmp_path / "bomb.yaml"
    bomb.write_text(BOMB)
    start = time.perf_counter()
    result = new("demo", "-o", str(tmp_path / "out"), "--options", str(bomb))
    elapsed = time.perf_counter() - start
    assert result.exit_code == 1
    assert "aliases (*name) are not allowed" in result.stderr
    assert len(result.stderr) < 300, len(result.stderr)
    assert elapsed < 30  # a guard against a hang, far above the real time


def test_sizes_are_bounded_and_messages_cut(tmp_path):
    big = tmp_path / "big.yaml"
    big.write_text("description: " + "x" * 70_000 + "\n")
    result = new("demo", "-o", str(tmp_path / "out"), "--options", str(big))
    assert result.exit_code == 1 and "larger than 64 KiB" in result.stderr
    nested = tmp_path / "nested.yaml"
    nested.write_text("author: " + "[" * 50 + "]" * 50 + "\n")
    result = new("demo", "-o", str(tmp_path / "out"), "--options", str(nested))
    assert result.exit_code == 1 and len(result.stderr) < 300
    with pytest.raises(PtgenError) as info:
        resolve("demo", {"preset": "p" * 10_000}, {})
    assert len(info.value.message) < 200


def test_duplicate_keys_and_binary_files_are_named(tmp_path):
    twice = tmp_path / "twice.yaml"
    twice.write_text("preset: digits\npreset: mnist\n")
    with pytest.raises(PtgenError, match=r"twice.yaml' line 2, column 1: duplicate key 'preset'"):
        load_options_file(twice)
    binary = tmp_path / "image.yaml"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\x00\xff\xfe")
    with pytest.raises(PtgenError, match=r"options file '.*image.yaml' is not UTF-8"):
        load_options_file(binary)
    control = tmp_path / "control.yaml"
    control.write_bytes(b"author: a\x07b\n")
    with pytest.raises(PtgenError, match=r"options file '.*control.yaml'"):
        load_options_file(control)


def test_options_file_reads_yaml_1_2_words_as_text(tmp_path):
    options = tmp_path / "o.yaml"
    options.write_text("description: no\nauthor: off\ntensorboard: on\ngithub_actions: false\n")
    answers = resolve("demo", load_options_file(options), {})
    assert answers["description"] == "no" and answers["author"] == "off"
    assert answers["tensorboard"] is True and answers["github_actions"] is False


# -- 5. names that would shadow what the project imports ----------------------------------------


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("typing-extensions", "installed with the project's dependencies"),
        ("scipy", "installed with the project's dependencies"),
        ("pytest", "installed with the project's dependencies"),
        ("functorch", "installed with the project's dependencies"),
        ("PIL", "installed with the project's dependencies"),
        ("test", "the project's own test.py"),
        ("conftest", "the project's own conftest.py"),
        ("abc\n", "not valid"),
        ("abc", "standard library"),
        ("CON", "reserved on Windows"),
        ("nul", "reserved on Windows"),
        ("com1", "reserved on Windows"),
        ("Aux.tools", "reserved on Windows"),
    ],
)
def test_names_that_shadow_imports_are_refused(name, reason):
    with pytest.raises(PtgenError, match=reason):
        check_project_name(name)


def test_reserved_names_cover_the_project_environment(requires_torch):
    """Every top-level module of the generated project's dependency closure is refused."""
    proc = subprocess.run(
        [sys.executable, str(REPO / "tools" / "reserved_names.py"), "--check"],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


# -- 6. leftovers -----------------------------------------------------------------------------


def test_stale_staging_of_a_killed_run_is_removed_and_old_tree_restored(tmp_path):
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    host = render.socket.gethostname()
    stale = tmp_path / ".demo.ptgen-abc123"
    (stale / "out").mkdir(parents=True)
    (stale / render.STAGING_MARK).write_text(f"{host} {dead.pid}")
    (stale / "replaced").mkdir()  # killed between the two renames of --force
    (stale / "replaced" / "mine.txt").write_text("keep")
    alive = tmp_path / ".demo.ptgen-live"
    alive.mkdir()
    (alive / render.STAGING_MARK).write_text(f"{host} {os.getpid()}")

    render.remove_stale_staging(tmp_path)
    assert tree(tmp_path / "demo") == {"mine.txt": b"keep"}
    assert not stale.exists() and alive.exists()


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
def test_sigterm_during_generation_leaves_nothing(tmp_path):
    script = textwrap.dedent(
        f"""
        import sys, time
        from ptgen import cli, render
        real = render.Generation._verify
        def slow(self, out, project):
            print("rendered", flush=True)
            time.sleep(60)
        render.Generation._verify = slow
        sys.argv = ["ptgen", "new", "demo", "-o", {str(tmp_path / "out")!r}, "--no-input"]
        cli.main()
        """
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", script], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    assert proc.stdout.readline().strip() == "rendered"
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert not (tmp_path / "out").exists()


def test_no_temporary_files_are_left_behind(tmp_path, monkeypatch):
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    monkeypatch.setenv("TMPDIR", str(tmp))
    monkeypatch.setattr(render.tempfile, "tempdir", None)
    assert new("demo", "-o", str(tmp_path / "out")).exit_code == 0
    assert new("demo2", "-o", str(tmp_path / "out"), "--dry-run").exit_code == 0
    assert list(tmp.iterdir()) == []
