import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

import ptgen
from ptgen import __version__, cli
from ptgen.options import SCHEMA
from ptgen.render import template_digest, template_dir

from .conftest import tree

runner = CliRunner()


def invoke(*args: str, input: str | None = None):
    return runner.invoke(cli.app, list(args), input=input)


def test_version_and_help():
    result = invoke("--version")
    assert result.exit_code == 0 and result.stdout.strip() == f"ptgen {ptgen.__version__}"
    for command in ([], ["new"], ["options"]):
        result = invoke(*command, "--help")
        assert result.exit_code == 0, command
        assert "Usage" in result.stdout


def test_options_lists_every_option_with_type_default_allowed_and_help():
    result = invoke("options")
    assert result.exit_code == 0
    for option in SCHEMA.options:
        assert f"{option.name}  ({option.kind}, default: " in result.stdout
        assert option.help in result.stdout
        assert option.allowed() in result.stdout
    assert (
        "applies when: dataset is mnist or fashion_mnist or cifar10 or image_folder or csv"
        in result.stdout
    )


def test_new_prints_only_the_path_on_stdout(tmp_path: Path):
    result = invoke("new", "demo", "-o", str(tmp_path), "--no-input")
    assert result.exit_code == 0, result.output
    assert result.stdout == f"{tmp_path / 'demo'}\n"
    assert "created digits + convnet project" in result.stderr
    assert (tmp_path / "demo" / "demo" / "trainer" / "trainer.py").is_file()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["demo", "home"]  # no staging left


def test_new_without_tty_never_prompts(tmp_path: Path):
    result = invoke("new", "demo", "-o", str(tmp_path), input="")
    assert result.exit_code == 0, result.output
    assert "?" not in result.stderr and "[" not in result.stderr


def test_prompts_on_a_terminal(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(cli, "_interactive", lambda: True)
    # description, author, dataset (a bad choice first), model, data_dir, tensorboard, wandb,
    # mlflow, github_actions
    answers = "My thing\nAda\ncifar\nmnist\nmlp\n/data/\ny\nn\ny\nn\n"
    result = invoke("new", "demo", "-o", str(tmp_path), input=answers)
    assert result.exit_code == 0, result.output
    recorded = yaml.safe_load((tmp_path / "demo" / ".ptgen.yaml").read_text())
    assert recorded.pop("ptgen_version") == __version__
    assert recorded.pop("template_digest") == template_digest(template_dir())
    assert recorded == {
        "project_name": "demo",
        "description": "My thing",
        "author": "Ada",
        "dataset": "mnist",
        "task": "classification",
        "model": "mlp",
        "backbone": "resnet18",  # the default, recorded although it does not apply
        "data_dir": "/data/",
        "tensorboard": True,
        "wandb": False,
        "mlflow": True,
        "github_actions": False,
    }
    assert not (tmp_path / "demo" / ".github").exists()


def test_options_file_and_set(tmp_path: Path):
    options = tmp_path / "kit.yaml"
    options.write_text("preset: mnist\nauthor: Course Staff\ntensorboard: true\n")
    out = tmp_path / "out"
    result = invoke(
        "new",
        "kit",
        "-o",
        str(out),
        "--options",
        str(options),
        "--set",
        "tensorboard=false",
        "--no-input",
    )
    assert result.exit_code == 0, result.output
    recorded = yaml.safe_load((out / "kit" / ".ptgen.yaml").read_text())
    assert recorded["dataset"] == "mnist" and recorded["author"] == "Course Staff"
    assert recorded["tensorboard"] is False
    assert not (out / "kit" / "kit" / "logger" / "tensorboard.py").exists()
    assert (out / "kit" / "kit" / "data_loader" / "mnist.py").exists()
    assert not (out / "kit" / "kit" / "data_loader" / "digits.py").exists()


def test_dry_run_lists_files_and_writes_nothing(tmp_path: Path):
    out = tmp_path / "not-yet"
    result = invoke("new", "demo", "-o", str(out), "--dry-run")
    assert result.exit_code == 0, result.output
    listed = result.stdout.splitlines()
    assert "demo/train.py" in listed and "demo/demo/trainer/trainer.py" in listed
    assert "demo/demo/data_loader/mnist.py" not in listed
    assert not out.exists()
    assert list(tmp_path.iterdir()) == [tmp_path / "home"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["new", "1bad"], "error: project name '1bad' is not valid"),
        (["new", "demo", "--set", "datasett=mnist"], "did you mean 'dataset'"),
        (
            ["new", "demo", "--set", "dataset=cifar"],
            "expected one of digits, mnist, fashion_mnist,",
        ),
        (["new", "demo", "--set", "nokey"], "--set expects KEY=VALUE"),
    ],
)
def test_user_errors_are_one_line_exit_1_and_write_nothing(tmp_path: Path, args, message):
    result = invoke(*args, "-o", str(tmp_path / "out"), "--no-input")
    assert result.exit_code == 1
    assert result.stderr.strip().startswith(message) or message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.output
    assert not (tmp_path / "out").exists()


def test_broken_options_file_names_file_and_line(tmp_path: Path):
    options = tmp_path / "bad.yaml"
    options.write_text("preset: digits\n  author: x\n")
    result = invoke("new", "demo", "-o", str(tmp_path), "--options", str(options))
    assert result.exit_code == 1
    assert f"options file '{options}' line 2" in result.stderr


def test_usage_error_exits_2():
    assert invoke("new").exit_code == 2
    assert invoke("new", "demo", "--bogus").exit_code == 2


def test_existing_destination_needs_force(tmp_path: Path):
    dest = tmp_path / "demo"
    dest.mkdir()
    (dest / "mine.txt").write_text("keep me")
    result = invoke("new", "demo", "-o", str(tmp_path), "--no-input")
    assert result.exit_code == 1 and "already exists; use --force" in result.stderr
    assert tree(dest) == {"mine.txt": b"keep me"}

    result = invoke("new", "demo", "-o", str(tmp_path), "--no-input", "--force")
    assert result.exit_code == 0, result.output
    assert not (dest / "mine.txt").exists() and (dest / "train.py").is_file()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["demo", "home"]


def test_existing_file_is_never_replaced(tmp_path: Path):
    (tmp_path / "demo").write_text("a file")
    result = invoke("new", "demo", "-o", str(tmp_path), "--no-input", "--force")
    assert result.exit_code == 1 and "is not a folder" in result.stderr
    assert (tmp_path / "demo").read_text() == "a file"


def test_ctrl_c_exits_130_and_leaves_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    import cookiecutter.generate

    real = cookiecutter.generate.generate_file
    calls = {"n": 0}

    def interrupted(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 10:  # mid-render: some files are already written
            raise KeyboardInterrupt
        return real(*args, **kwargs)

    monkeypatch.setattr(cookiecutter.generate, "generate_file", interrupted)
    result = invoke("new", "demo", "-o", str(tmp_path / "out"), "--no-input")
    assert result.exit_code == 130
    assert "interrupted" in result.stderr
    assert not (tmp_path / "out").exists()


def test_unexpected_error_is_one_line_unless_debug(tmp_path: Path, monkeypatch):
    from ptgen import render

    def boom(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(render.Generation, "_commit", boom)
    result = invoke("new", "demo", "-o", str(tmp_path), "--no-input")
    assert result.exit_code == 1
    assert result.stderr.startswith("error: OSError") and "--debug" in result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["home"]
    result = invoke("--debug", "new", "demo", "-o", str(tmp_path), "--no-input")
    assert isinstance(result.exception, OSError)


def test_console_script_and_module_entry_points(tmp_path: Path):
    proc = subprocess.run(
        [sys.executable, "-m", "ptgen", "new", "demo", "-o", str(tmp_path), "--no-input"],
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == f"{tmp_path / 'demo'}\n"
    proc = subprocess.run(
        [sys.executable, "-m", "ptgen", "new", "demo", "-o", str(tmp_path), "--no-input"],
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
    )
    assert proc.returncode == 1 and proc.stdout == ""
    assert proc.stderr.count("\n") == 1


def test_cli_does_not_import_torch_or_cookiecutter_at_start_up():
    code = (
        "import sys, ptgen.cli;"
        "print(sorted(m for m in ('torch', 'cookiecutter') if m in sys.modules))"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert proc.stdout.strip() == "[]"
