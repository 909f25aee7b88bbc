"""Generate option combinations and run each result's own checks: ruff, then (with torch)
install, train, resume, evaluate and the project's own test suite."""

import csv
import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ptgen import cli, presets

from .conftest import REPO

# Every valid dataset x task x model, each add-on option on and off across them.
VALID = [
    (d.name, t, m.name)
    for d in presets.DATASETS
    for t in d.facts["tasks"]
    for m in presets.MODELS
    if presets.check_combination({"dataset": d.name, "model": m.name}) is None
]
COMBINATIONS = [(*combo, i % 2 == 0, i % 3 != 1) for i, combo in enumerate(VALID)]


def generate(out: Path, name: str, **options: object) -> Path:
    sets = [
        a
        for k, v in options.items()
        for a in ("--set", f"{k}={str(v).lower() if isinstance(v, bool) else v}")
    ]
    result = CliRunner().invoke(cli.app, ["new", name, "-o", str(out), "--no-input", *sets])
    assert result.exit_code == 0, result.output
    return out / name


# The core of a generated suite: train, stop mid-epoch and resume bit-exactly, evaluate,
# predict; plus each preset's and tracker's own test file.
CORE = [
    "-k",
    " or ".join(
        [
            "train_writes_run_folder",
            "stop_mid_epoch",
            "predict",
            "prepared",
            "test_cifar10",
            "test_image_folder",
            "test_backbone",
            "test_trackers",
        ]
    ),
]
# A loaded machine may need longer: PTGEN_TEST_TIMEOUT=1800 python -m pytest ...
TIMEOUT = int(os.environ.get("PTGEN_TEST_TIMEOUT", "600"))


def run(*args: object, cwd: Path) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(
        [str(a) for a in args], cwd=cwd, capture_output=True, text=True, timeout=TIMEOUT
    )
    assert proc.returncode == 0, f"{args}\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
    return proc


@pytest.mark.parametrize(
    ("dataset", "task", "model", "tensorboard", "github_actions"), COMBINATIONS
)
def test_generated_code_is_ruff_clean_imports_and_holds_only_chosen_files(
    tmp_path, dataset, task, model, tensorboard, github_actions
):
    # The longest allowed name: import lines must still fit the line length.
    name = "a-very-long-project-name-for-line-checks"
    # The trackers go with TensorBoard: all on, or all off.
    options = {"dataset": dataset, "model": model, "tensorboard": tensorboard}
    options |= {"wandb": tensorboard, "mlflow": tensorboard}
    if dataset in presets.REGRESSION_DATASETS:
        options["task"] = task
    project = generate(tmp_path, name, **options, github_actions=github_actions)
    run(sys.executable, "-m", "ruff", "check", "--no-cache", ".", cwd=project)
    run(sys.executable, "-m", "ruff", "format", "--check", "--no-cache", ".", cwd=project)
    files = {p.relative_to(project).as_posix() for p in project.rglob("*") if p.is_file()}
    package = name.replace("-", "_")
    for tracker in ("tensorboard.py", "wandb_tracker.py", "mlflow_tracker.py"):
        assert (f"{package}/logger/{tracker}" in files) == tensorboard
    assert (".github/workflows/ci.yml" in files) == github_actions
    manifest = presets.manifest()
    listed = {f for kind in manifest.values() for p in kind.values() for f in p["files"]}
    kept = {*manifest["dataset"][dataset]["files"], *manifest["model"][model]["files"]}
    for file in listed:
        assert (f"{package}/{file}" in files) == (file in kept), file
    text = "\n".join((project / f).read_text() for f in files if f.endswith((".py", ".toml")))
    for word in ("tensorboard", "wandb", "mlflow"):
        assert (word in text) == tensorboard, word
    deps = manifest["dataset"][dataset]["dependencies"]
    assert ("torchvision" in text) == any(d.startswith("torchvision") for d in deps)
    assert ("sklearn" in text) == (dataset == "digits")
    if importlib.util.find_spec("torch") is not None:  # every module imports
        modules = [
            f[:-3].replace("/", ".") for f in files if f.startswith(package) and f.endswith(".py")
        ]
        code = "import importlib, sys; [importlib.import_module(m) for m in sys.argv[1:]]"
        run(sys.executable, "-c", code, *modules, cwd=project)


def read_test_metrics(output: str) -> dict[str, float]:
    return {
        k: float(v) for k, v in (line.split(": ") for line in output.splitlines() if ": " in line)
    }


@pytest.mark.slow
def test_default_project_installs_trains_resumes_and_evaluates(tmp_path, requires_torch):
    project = generate(tmp_path, "e2e-digits")
    run(
        sys.executable, "-m", "pip", "install", "-q", "--no-build-isolation", "-e", ".", cwd=project
    )
    try:
        runs = tmp_path / "runs"
        run(
            sys.executable,
            "train.py",
            "-c",
            "config.yaml",
            "--set",
            f"trainer.save_dir={runs}",
            cwd=project,
        )
        (run_dir,) = runs.glob("*/*")
        with open(run_dir / "metrics.csv", newline="") as f:
            rows = list(csv.DictReader(f))
        assert [int(r["epoch"]) for r in rows] == list(range(1, 21))

        # Resume from the epoch-18 checkpoint: a new run folder continues to epoch 20, with
        # the same losses; the original run folder is not touched.
        proc = run(sys.executable, "train.py", "-r", run_dir / "checkpoint-epoch18.pt", cwd=project)
        assert "resumed from the end of epoch 18" in proc.stderr
        (resumed_dir,) = set(runs.glob("*/*")) - {run_dir}
        with open(resumed_dir / "metrics.csv", newline="") as f:
            resumed = list(csv.DictReader(f))
        assert [r["loss"] for r in resumed] == [r["loss"] for r in rows]

        proc = run(sys.executable, "test.py", "-r", run_dir / "model_best.pt", cwd=project)
        metrics = read_test_metrics(proc.stdout)
        assert metrics["accuracy"] >= 0.95, metrics

        pytest = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"]
        run(*pytest, "--run-slow", cwd=project)
        run(sys.executable, "-m", "ruff", "check", "--no-cache", ".", cwd=project)
        run(sys.executable, "-m", "ruff", "format", "--check", "--no-cache", ".", cwd=project)
    finally:
        subprocess.run([sys.executable, "-m", "pip", "uninstall", "-q", "-y", "e2e-digits"])


@pytest.mark.slow
def test_mnist_tensorboard_project_trains_on_mnist_files(tmp_path, requires_torch):
    """(The mnist representative below runs the core of an mnist project's own suite.)"""
    project = generate(tmp_path, "e2e-mnist", dataset="mnist", tensorboard=True)
    # A real training run on MNIST-format files, read by torchvision without a download.
    data, runs = tmp_path / "data", tmp_path / "runs"
    make_data = [REPO / "benchmarks" / "make_fake_mnist.py", data, "--train", "300", "--test", "60"]
    run(sys.executable, *make_data, cwd=tmp_path)
    overrides = {
        "trainer.save_dir": runs,
        "data_loader.args.data_dir": data,
        "data_loader.args.download": "false",
        "data_loader.args.num_workers": 0,
    }
    sets = [a for k, v in overrides.items() for a in ("--set", f"{k}={v}")]
    run(sys.executable, "train.py", "-c", "config.yaml", "--epochs", "1", *sets, cwd=project)
    (run_dir,) = runs.glob("*/*")
    assert list((run_dir / "tensorboard").glob("events.out.tfevents.*"))


@pytest.mark.slow
def test_compiled_training_checkpoints_plain_weights(tmp_path, requires_torch):
    project = generate(tmp_path, "e2e-compile")
    runs = tmp_path / "runs"
    common = [
        "--set",
        f"trainer.save_dir={runs}",
        "--set",
        "data_loader.args.limit=128",
        "-d",
        "cpu",
    ]
    proc = run(
        sys.executable,
        "train.py",
        "-c",
        "config.yaml",
        "--epochs",
        "2",
        "--set",
        "trainer.compile=true",
        *common,
        cwd=project,
    )
    assert "compile True" in proc.stderr
    (run_dir,) = runs.glob("*/*")
    import torch

    state = torch.load(run_dir / "latest.pt", weights_only=True)
    assert not any(key.startswith("_orig_mod") for key in state["model"])
    # The weights load into an uncompiled model: evaluation and resume work without compile.
    proc = run(sys.executable, "test.py", "-r", run_dir / "latest.pt", "-d", "cpu", cwd=project)
    assert "accuracy:" in proc.stdout
    run(
        sys.executable,
        "train.py",
        "-r",
        run_dir / "checkpoint-epoch1.pt",
        "--set",
        "trainer.compile=false",
        cwd=project,
    )


EXAMPLES = sorted((REPO / "examples").glob("*.yaml"))


@pytest.mark.slow
@pytest.mark.parametrize("example", EXAMPLES, ids=[e.stem for e in EXAMPLES])
def test_every_example_trains_and_evaluates(tmp_path, example, requires_torch):
    """Each options file in examples/ gives a project that trains on data made here (the
    loader module's `write_sample` for downloaded datasets) and evaluates."""
    result = CliRunner().invoke(
        cli.app, ["new", "ex", "-o", str(tmp_path), "--no-input", "--options", str(example)]
    )
    assert result.exit_code == 0, result.output
    project, runs, data = tmp_path / "ex", tmp_path / "runs", tmp_path / "data"
    sets = {"trainer.save_dir": runs, "data_loader.args.num_workers": 0}
    sets |= {"data_loader.args.batch_size": 16}  # enough steps on the small sample data
    sets |= {"data_loader.args.drop_last": "true"}  # no batch of one sample for BatchNorm
    config = (project / "config.yaml").read_text()
    if "data_dir:" in config:
        loader = next(
            line.split(":")[1].strip() for line in config.splitlines() if "DataLoader" in line
        )
        code = (
            "import sys, importlib, ex.data_loader as d; "
            f"importlib.import_module(getattr(d, {loader!r}).__module__).write_sample(sys.argv[1])"
        )
        run(sys.executable, "-c", code, data, cwd=project)
        sets["data_loader.args.data_dir"] = data
        if "download:" in config:
            sets["data_loader.args.download"] = "false"
        if "image_size:" in config:
            sets["data_loader.args.image_size"] = 32  # a CPU-sized run of a 224-pixel setup
        if "resize_size:" in config:
            sets["data_loader.args.resize_size"] = 36
    args = [a for k, v in sets.items() for a in ("--set", f"{k}={v}")]
    run(sys.executable, "train.py", "-c", "config.yaml", "--epochs", "5", *args, cwd=project)
    (run_dir,) = runs.glob("*/*")
    proc = run(sys.executable, "test.py", "-r", run_dir / "model_best.pt", "-d", "cpu", cwd=project)
    metrics = read_test_metrics(proc.stdout)
    print(f"{example.stem}: {metrics}")
    if "r2" in metrics:
        assert metrics["r2"] > 0.5, metrics  # 0: no better than predicting the mean
    else:
        assert metrics["accuracy"] > 0.5, metrics  # ten classes: chance is 0.1


# One project per dataset (and the backbone model, and the trackers): each runs the CORE of
# its own suite on data it makes. (The default project runs its whole suite, slow tests too,
# in test_default_project_installs_trains_resumes_and_evaluates.)
REPRESENTATIVES = [
    (
        "mnist",  # with both trackers: their offline stores are checked across a resume
        [
            a
            for s in ("dataset=mnist", "model=mlp", "wandb=true", "mlflow=true")
            for a in ("--set", s)
        ],
        CORE,
    ),
    ("fashion", ["--set", "dataset=fashion_mnist"], CORE),
    ("cifar10", ["--set", "dataset=cifar10"], CORE),
    ("folder", ["--set", "dataset=image_folder"], CORE),
    ("table-cls", ["--set", "dataset=csv", "--set", "model=mlp"], CORE),
    ("table-reg", ["--set", "dataset=csv", "--set", "model=mlp", "--set", "task=regression"], CORE),
    ("backbone", ["--set", "dataset=image_folder", "--set", "model=backbone"], CORE),
]


@pytest.mark.slow
@pytest.mark.parametrize(
    ("name", "sets", "tests"), REPRESENTATIVES, ids=[r[0] for r in REPRESENTATIVES]
)
def test_each_dataset_project_passes_its_own_tests(tmp_path, name, sets, tests, requires_torch):
    result = CliRunner().invoke(cli.app, ["new", name, "-o", str(tmp_path), "--no-input", *sets])
    assert result.exit_code == 0, result.output
    run(sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *tests, cwd=tmp_path / name)
