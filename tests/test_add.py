"""ptgen add: components that are wired, ruff-clean, train, are refused on clashes, and that
`ptgen update` keeps."""

import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from ptgen import add, cli, update
from ptgen.render import template_dir

from .conftest import tree
from .test_update import OLD, archive_template, generate, old_template  # noqa: F401

runner = CliRunner()


def ptgen(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(cli.app, list(args))
    return result.exit_code, result.stdout, result.stderr


def ruff_clean(project: Path) -> None:
    for args in (["check", "."], ["format", "--check", "."]):
        proc = subprocess.run(
            [sys.executable, "-m", "ruff", *args], cwd=project, capture_output=True, text=True
        )
        assert proc.returncode == 0, proc.stdout + proc.stderr


def train_with(project: Path, tmp_path: Path, fragments: list[str], **top: object) -> str:
    """Train 3 epochs with config.yaml's blocks replaced as the fragments say; test.py's output."""
    config = yaml.safe_load((project / "config.yaml").read_text())
    for fragment in fragments:
        config.update(yaml.safe_load((project / fragment).read_text()))
    config.update(top)
    config["trainer"]["save_dir"] = str(tmp_path / "runs")
    (tmp_path / "config.yaml").write_text(yaml.safe_dump(config))
    run = [sys.executable, "train.py", "-c", str(tmp_path / "config.yaml"), "--epochs", "3"]
    proc = subprocess.run(run, cwd=project, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr[-2000:]
    (best,) = (tmp_path / "runs").glob("*/*/model_best.pt")
    proc = subprocess.run(
        [sys.executable, "test.py", "-r", str(best), "-d", "cpu"],
        cwd=project,
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    return proc.stdout


@pytest.mark.parametrize(
    ("answers", "metric"),
    [({}, "error_rate"), ({"dataset": "csv", "model": "mlp", "task": "regression"}, "abs_err")],
)
def test_each_kind_of_skeleton_is_wired_and_trains(tmp_path, answers, metric, requires_torch):
    project = generate(template_dir(), tmp_path / "p", **answers)
    for kind, name in [
        ("dataset", "my_data"),
        ("model", "tiny_net"),
        ("metric", metric),
        ("loss", "my_loss"),
    ]:
        code, out, err = ptgen("add", kind, name, "-p", str(project))
        assert code == 0, out + err
    ruff_clean(project)
    package = project / "demo"
    assert "MyDataDataLoader" in (package / "data_loader" / "__init__.py").read_text()
    assert "TinyNet" in (package / "model" / "model.py").read_text()
    recorded = yaml.safe_load((project / ".ptgen.yaml").read_text())["added"]
    assert [e["name"] for e in recorded] == ["my_data", "tiny_net", metric, "my_loss"]
    fragments = ["configs/data_loader_my_data.yaml", "configs/arch_tiny_net.yaml"]
    regression = answers.get("task") == "regression"
    metrics = ["mae", "r2", metric] if regression else ["accuracy", metric]
    out = train_with(project, tmp_path, fragments, metrics=metrics, loss="my_loss")
    values = {k: float(v) for k, v in (line.split(": ") for line in out.strip().splitlines())}
    if regression:  # the added metric is the mean absolute error, as `mae` computes it
        assert values["r2"] > 0.5 and values[metric] == pytest.approx(values["mae"], abs=1e-5)
    else:  # the added metric is the error rate; the made-up data is easy
        assert values["accuracy"] > 0.9 and values[metric] == pytest.approx(
            1 - values["accuracy"], abs=1e-6
        ), out


def test_a_dataset_preset_is_added_with_its_dependencies(tmp_path, requires_torch):
    project = generate(template_dir(), tmp_path / "p")
    code, out, err = ptgen("add", "dataset", "cifar10", "-p", str(project))
    assert code == 0, out + err
    assert "added      demo/data_loader/cifar10.py" in out
    assert "torchvision" in (project / "pyproject.toml").read_text()
    ruff_clean(project)
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/test_cifar10.py"],
        cwd=project,
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stdout[-2000:]
    assert ptgen("check", str(project))[0] == 0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["dataset", "digits"], "already uses dataset 'digits'"),
        (["model", "resnet18"], "needs colour images but dataset 'digits' has grey images"),
        (["metric", "accuracy"], "already defines 'accuracy'"),
        (["loss", "cross_entropy"], "already defines 'cross_entropy'"),
        (["model", "convnet"], "already uses model 'convnet'"),
        (["dataset", "Bad-Name"], "is not allowed"),
        (["dataset", "class"], "is not allowed"),
        (["model", "../escape"], "is not allowed"),
        (["thing", "x"], "unknown kind 'thing'"),
    ],
)
def test_clashes_and_bad_names_are_refused_and_nothing_is_written(tmp_path, args, message):
    project = generate(template_dir(), tmp_path / "p")
    before = tree(project)
    code, _, err = ptgen("add", *args, "-p", str(project))
    assert code != 0 and message in err and len(err.strip().splitlines()) == 1, err
    assert tree(project) == before


def test_the_same_name_twice_is_refused(tmp_path):
    project = generate(template_dir(), tmp_path / "p")
    assert ptgen("add", "model", "tiny_net", "-p", str(project))[0] == 0
    before = tree(project)
    code, _, err = ptgen("add", "model", "tiny_net", "-p", str(project))
    assert code == 1 and "already added" in err
    assert tree(project) == before


def test_update_keeps_added_components_and_updates_added_presets(
    tmp_path,
    old_template,  # noqa: F811
    monkeypatch,
):
    old_loader = old_template / "{{cookiecutter.project_name}}"
    old_loader = old_loader / "{{cookiecutter.__package_name}}" / "data_loader" / "cifar10.py"
    old_loader.write_text(old_loader.read_text().replace('"""', '"""Old CIFAR. ', 1))
    archive_template(old_template, update.HISTORY / f"{OLD}.tar.gz")  # the release, as shipped
    project = generate(old_template, tmp_path / "q")
    with monkeypatch.context() as patch:  # add as the old ptgen did
        patch.setattr(add, "template_dir", lambda: old_template)
        assert ptgen("add", "dataset", "cifar10", "-p", str(project))[0] == 0
    assert ptgen("add", "loss", "my_loss", "-p", str(project))[0] == 0
    loader = project / "demo" / "data_loader" / "cifar10.py"
    assert "Old CIFAR." in loader.read_text()
    code, out, err = ptgen("update", str(project))
    assert code == 0, out + err
    assert "updated    demo/data_loader/cifar10.py" in out
    assert "Old CIFAR." not in loader.read_text()
    assert "def my_loss(" in (project / "demo" / "model" / "loss.py").read_text()
    recorded = yaml.safe_load((project / ".ptgen.yaml").read_text())
    assert recorded["added"] == [
        {"kind": "dataset", "name": "cifar10"},
        {"kind": "loss", "name": "my_loss"},
    ]
    assert ptgen("check", str(project))[0] == 0
