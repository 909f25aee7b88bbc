"""Smoke tests: train on a slice of the data, resume exactly, evaluate, fail clearly."""

import csv
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch
import yaml
from conftest import CONFIG, build_loader

import test as evaluate_script
import train
from {{ cookiecutter.__package_name }}.trainer import Trainer
from {{ cookiecutter.__package_name }}.utils import (
    CheckpointError,
    load_checkpoint,
)

ROOT = Path(__file__).resolve().parents[1]


BATCHES = 96 // 16  # tiny_args: 96 samples, batches of 16
CLASSIFICATION = CONFIG["data_loader"]["args"].get("task", "classification") == "classification"
SAMPLER = "weighted" if CLASSIFICATION else "random"  # (weighting needs classes)
EXPLODE = ["--set", "lr_scheduler=null", "--set", "optimizer.args.lr=.inf"]  # loss turns NaN


def run_dirs(args: list[str]) -> list[Path]:
    """The run folders under the save_dir of `args` (or of the checkpoint they resume)."""
    save_dir = next((a.split("=", 1)[1] for a in args if a.startswith("trainer.save_dir=")), None)
    if save_dir is None:
        save_dir = load_checkpoint(args[args.index("-r") + 1])["config"]["trainer"]["save_dir"]
    # (hidden folders beside the runs belong to trackers)
    return sorted(
        p for p in Path(save_dir).glob("*/*") if p.is_dir() and not p.parent.name.startswith(".")
    )


def train_ok(args: list[str]) -> Path:
    """Run train.py in-process; return the newest run folder."""
    before = set(run_dirs(args))
    assert train.main(args) == 0
    new = [p for p in run_dirs(args) if p not in before]
    return new[-1] if new else run_dirs(args)[-1]


def losses(run_dir: Path) -> list[tuple[str, str]]:
    with open(run_dir / "metrics.csv", newline="") as f:
        return [(row["loss"], row["val_loss"]) for row in csv.DictReader(f)]


def weights(path: Path) -> dict[str, torch.Tensor]:
    return load_checkpoint(path)["model"]


def assert_same_weights(a: Path, b: Path) -> None:
    wa, wb = weights(a), weights(b)
    assert wa.keys() == wb.keys()
    for key in wa:
        assert torch.equal(wa[key], wb[key]), key


def test_train_writes_run_folder_and_test_evaluates(tiny_args, capsys):
    run = train_ok([*tiny_args, "--lr", "0.002", "--bs", "16"])
    for name in ("config.yaml", "train.log", "metrics.csv", "latest.pt", "model_best.pt"):
        assert (run / name).is_file(), name
    saved = yaml.safe_load((run / "config.yaml").read_text())
    assert saved["optimizer"]["args"]["lr"] == 0.002
    assert saved["data_loader"]["args"]["batch_size"] == 16
    assert saved["trainer"]["epochs"] == 4
    assert len(losses(run)) == 4
    # keep_last=3: the oldest epoch checkpoint was removed
    assert sorted(p.name for p in run.glob("checkpoint-epoch*.pt")) == [
        "checkpoint-epoch2.pt",
        "checkpoint-epoch3.pt",
        "checkpoint-epoch4.pt",
    ]
    state = torch.load(run / "latest.pt", weights_only=True)
    assert state["epoch"] == 4 and state["global_step"] == 4 * BATCHES
    capsys.readouterr()
    assert evaluate_script.main(["-r", str(run / "model_best.pt"), "-d", "cpu"]) == 0
    out = capsys.readouterr().out
    for name in ["loss", *saved["metrics"]]:
        assert f"{name}: " in out, name
    classification = saved["data_loader"]["args"].get("task", "classification") == "classification"
    table = run / "test-model_best" / "confusion_matrix.csv"
    assert table.is_file() == classification
    if classification:  # rows: true class; every test sample counted once
        with open(table, newline="") as f:
            rows = list(csv.reader(f))[1:]
        assert sum(int(n) for row in rows for n in row[1:]) > 0
        assert (run / "test-model_best" / "confusion_matrix.png").read_bytes()[:4] == b"\x89PNG"


@pytest.mark.slow
@pytest.mark.parametrize(
    "extra",
    [
        [],
        ["--set", "trainer.amp=bf16"],
        ["--set", "trainer.amp=fp16"],  # with a GradScaler, whose state is checkpointed
        ["--set", "trainer.deterministic=true", "--set", "trainer.grad_clip=null"],
        ["--set", "trainer.accum_steps=4"],  # 6 batches: windows of 4 and 2
        [
            "--set",
            "lr_scheduler={type: WarmupCosine, interval: step,"
            " args: {warmup_steps: 3, total_steps: auto}}",
        ],
        ["--set", "lr_scheduler={type: ReduceLROnPlateau, args: {patience: 0, factor: 0.5}}"],
        ["--set", "lr_scheduler={type: StepLR, interval: epoch, args: {step_size: 1, gamma: 0.5}}"],
        # Class-balanced sampling, loaded by two worker processes: both follow saved generators.
        ["--set", f"data_loader.args.sampler={SAMPLER}", "--set", "data_loader.args.num_workers=2"],
    ],
    ids=[
        "defaults",
        "bf16",
        "fp16",
        "deterministic",
        "accumulation",
        "warmup-cosine",
        "plateau",
        "step-lr",
        "sampler-workers",
    ],
)
def test_resume_after_epoch_is_bit_exact(tiny_args, extra):
    run = train_ok([*tiny_args, *extra])
    uninterrupted = losses(run), weights(run / "latest.pt")
    before = {p.name: p.read_bytes() for p in run.iterdir() if p.is_file()}
    # Resume from what a run stopped after epoch 2 had on disk: a new run folder, holding
    # epochs 1-2 of the original's history, trains epochs 3 and 4.
    resumed = train_ok(["-r", str(run / "checkpoint-epoch2.pt")])
    assert resumed != run and resumed.parent == run.parent
    assert losses(resumed) == uninterrupted[0]
    final = weights(resumed / "latest.pt")
    for key, value in uninterrupted[1].items():
        assert torch.equal(final[key], value), key
    assert {p.name: p.read_bytes() for p in run.iterdir() if p.is_file()} == before
    if "trainer.amp=fp16" in extra:
        assert load_checkpoint(resumed / "latest.pt")["scaler"]["scale"] > 0


def test_stop_mid_epoch_then_resume_is_bit_exact(tiny_args, monkeypatch):
    full = train_ok(tiny_args)
    step = Trainer._optimizer_step

    def stop_at_step_9(self):  # as if SIGTERM arrived during step 9 (epoch 2, batch 3)
        step(self)
        if self.global_step == 9:
            self.stop_signal = signal.SIGTERM

    monkeypatch.setattr(Trainer, "_optimizer_step", stop_at_step_9)
    assert train.main(tiny_args) == 128 + signal.SIGTERM
    monkeypatch.undo()
    stopped = run_dirs(tiny_args)[-1]
    state = load_checkpoint(stopped / "latest.pt")
    assert (state["epoch"], state["batch"], state["global_step"]) == (2, 3, 9)
    assert train.main(["-r", str(stopped / "latest.pt")]) == 0
    assert losses(stopped) == losses(full)
    assert_same_weights(stopped / "latest.pt", full / "latest.pt")


@pytest.mark.slow
@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_signal_saves_and_prints_how_to_resume(tiny_args, signum):
    args = [*tiny_args, "--epochs", "40"]
    proc = subprocess.Popen(
        [sys.executable, str(ROOT / "train.py"), *args],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 120
    while not run_dirs(args) or not (run_dirs(args)[-1] / "latest.pt").exists():
        assert proc.poll() is None and time.monotonic() < deadline, proc.communicate()
        time.sleep(0.02)
    proc.send_signal(signum)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 128 + signum, err
    assert "resume with: python train.py -r" in err
    stopped = run_dirs(args)[-1]
    assert load_checkpoint(stopped / "latest.pt")["epoch"] < 40
    assert train.main(["-r", str(stopped / "latest.pt")]) == 0
    assert load_checkpoint(stopped / "latest.pt")["epoch"] == 40


def test_early_stop_ends_the_run_when_the_monitor_stalls(tiny_args, capsys, monkeypatch):
    # A validation loss that never improves after epoch 1 (whatever the model learns).
    monkeypatch.setattr(Trainer, "_valid_epoch", lambda self: {"val_loss": 1.0})
    stall = ["--set", "trainer.monitor=min val_loss", "--set", "trainer.early_stop=2"]
    run = train_ok([*tiny_args, *stall])
    assert len(losses(run)) == 3
    assert "val_loss did not improve for 2 epochs: stopping early" in capsys.readouterr().err
    assert load_checkpoint(run / "model_best.pt")["epoch"] == 1


def test_progress_bar_only_on_a_terminal(capsys):
    from {{ cookiecutter.__package_name }}.logger import Progress

    bar = Progress(enabled=True, min_interval=0)
    bar.start("epoch 1/2", 4)
    bar.status = "loss 0.5"
    bar.update(2)
    assert "\repoch 1/2 [###############...............] 2/4 loss 0.5" in capsys.readouterr().err
    quiet = Progress(enabled=False)
    quiet.start("epoch 1/2", 4)
    quiet.update(2)
    assert capsys.readouterr().err == ""


TORCHRUN = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node=2"]


def torchrun(args: list[str], **popen: object) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [*TORCHRUN, str(ROOT / "train.py"), *args],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        **popen,
    )


@pytest.mark.slow
@pytest.mark.skipif(sys.platform == "win32", reason="torchrun with Gloo: Linux and macOS")
def test_torchrun_stop_and_resume_is_bit_exact(tiny_args):
    args = [*tiny_args, "--epochs", "30", "--set", "trainer.save_period=100"]
    proc = torchrun(args)
    out, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, err
    (full,) = run_dirs(args)
    assert "x 2 processes" in (full / "train.log").read_text()

    proc = torchrun(args)  # the same run, stopped by SIGTERM once it has a checkpoint
    deadline = time.monotonic() + 120
    while len(run_dirs(args)) < 2 or not (run_dirs(args)[-1] / "latest.pt").exists():
        assert proc.poll() is None and time.monotonic() < deadline, proc.communicate()
        time.sleep(0.02)
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode != 0
    stopped = run_dirs(args)[-1]
    state = load_checkpoint(stopped / "latest.pt")
    assert state["epoch"] < 30 and len(state["rng"]) == 2
    assert "resume with: torchrun --standalone --nproc_per_node=2 train.py -r" in err

    # Resuming with another number of processes is refused; with two it is exact.
    assert train.main(["-r", str(stopped / "latest.pt")]) == 1
    proc = torchrun(["-r", str(stopped / "latest.pt")])
    _, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, err
    assert losses(stopped) == losses(full)
    assert_same_weights(stopped / "latest.pt", full / "latest.pt")


def test_len_epoch_and_accumulation_count_steps(tiny_args):
    run = train_ok([*tiny_args, "--set", "trainer.len_epoch=7", "--set", "trainer.accum_steps=2"])
    state = load_checkpoint(run / "latest.pt")
    assert state["global_step"] == 4 * 4  # ceil(7 / 2) optimizer steps per epoch
    assert state["data"]["consumed"] == (4 * 7) % BATCHES  # position inside the current pass


def test_non_finite_loss_stops_with_epoch_and_batch(tiny_args, capsys):
    code = train.main([*tiny_args, *EXPLODE])
    assert code == 1
    err = capsys.readouterr().err
    # lr=inf turns the weights to NaN at the first step, so the second batch's loss is NaN.
    assert "non-finite loss (nan) at epoch 1, batch 2 (step 2)" in err


def test_non_finite_loss_skip_mode_keeps_going(tiny_args, capsys):
    args = [*tiny_args, *EXPLODE, "--set", "trainer.on_nan=skip"]
    assert train.main([*args, "--set", "trainer.monitor=off", "--epochs", "1"]) == 0
    assert "non-finite loss, skipped" in capsys.readouterr().err


def test_bad_checkpoints_are_clear_errors(tiny_args, tmp_path, capsys):
    run = train_ok([*tiny_args, "--epochs", "1"])
    truncated = tmp_path / "truncated.pt"
    truncated.write_bytes((run / "latest.pt").read_bytes()[:1000])
    foreign = tmp_path / "foreign.pt"
    torch.save({"weight": torch.zeros(2)}, foreign)
    for path, message in ((truncated, "cannot be read"), (foreign, "not a checkpoint")):
        with pytest.raises(CheckpointError, match=message):
            load_checkpoint(path)
        assert evaluate_script.main(["-r", str(path)]) == 1
        assert message in capsys.readouterr().err


def test_resume_with_more_epochs(tiny_args, capsys):
    run = train_ok([*tiny_args, "--epochs", "2"])
    # OneCycleLR (the default) has a fixed length: stretching it is a clear error ...
    assert train.main(["-r", str(run / "latest.pt"), "--epochs", "3"]) == 1
    assert "cannot be stretched" in capsys.readouterr().err
    assert "epochs: 2" in (run / "config.yaml").read_text()  # the run folder is unchanged
    assert len(losses(run)) == 2
    # ... while an epoch-wise schedule simply continues.
    step_lr = ["--set", "lr_scheduler={type: StepLR, interval: epoch, args: {step_size: 1}}"]
    run = train_ok([*tiny_args, *step_lr, "--epochs", "2"])
    assert train.main(["-r", str(run / "latest.pt"), "--epochs", "3"]) == 0
    assert len(losses(run)) == 3


def test_changed_architecture_needs_finetune(tiny_args, capsys):
    run = train_ok([*tiny_args, "--epochs", "1"])
    from conftest import other_model

    wider = other_model
    code = train.main([*tiny_args, *wider, "-r", str(run / "latest.pt")])
    assert code == 1 and "--finetune" in capsys.readouterr().err
    tuned = train_ok([*tiny_args, *wider, "--epochs", "1", "--finetune", str(run / "latest.pt")])
    assert (tuned / "latest.pt").is_file()


def test_config_typo_names_the_key(tiny_args, capsys):
    assert train.main([*tiny_args, "--set", "trainer.epochz=3"]) == 2
    assert "trainer.epochz" in capsys.readouterr().err


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the no-CUDA error")
def test_missing_cuda_is_a_clear_error(tiny_args, capsys):
    assert train.main([*tiny_args, "--device", "cuda"]) == 1
    assert "CUDA is not available" in capsys.readouterr().err


def test_splits_depend_on_split_seed_not_on_the_training_seed(tiny_args):
    import {{ cookiecutter.__package_name }}.data_loader as module_data
    from {{ cookiecutter.__package_name }}.config import (
        ConfigParser,
        apply_overrides,
        load_yaml,
    )

    sets = [a.split("=", 1) for a in tiny_args if "data_loader.args." in a]
    base = apply_overrides(load_yaml(ROOT / "config.yaml"), {k: yaml.safe_load(v) for k, v in sets})

    def labels(split: str, seed: int, split_seed: int = 0) -> list[int]:
        config = apply_overrides(base, {"data_loader.args.split_seed": split_seed})
        loader = ConfigParser(config).init_obj("data_loader", module_data, split=split, seed=seed)
        return [int(loader.dataset[i][1]) for i in range(len(loader.dataset))][:40]

    for split in ("train", "val", "test"):
        assert labels(split, seed=0) == labels(split, seed=1)  # same data whatever the seed
    for split in ("train", "val"):  # (MNIST's test set is its own, whatever the split_seed)
        assert labels(split, seed=0) != labels(split, seed=0, split_seed=1)


def test_speed_settings_chosen_for_cuda(monkeypatch, tiny_args):
    """What a CUDA device gets, checked without one: AMP dtype, channels_last, fused AdamW."""
    import {{ cookiecutter.__package_name }}.model.model as module_arch
    from {{ cookiecutter.__package_name }}.config import (
        ConfigParser,
        apply_overrides,
        load_yaml,
    )
    from {{ cookiecutter.__package_name }}.trainer import build_optimizer, use_channels_last
    from {{ cookiecutter.__package_name }}.utils import autocast_dtype

    cuda, cpu = torch.device("cuda"), torch.device("cpu")
    monkeypatch.setattr(torch.cuda, "is_bf16_supported", lambda *a, **k: True)
    assert autocast_dtype("auto", cuda) == torch.bfloat16
    monkeypatch.setattr(torch.cuda, "is_bf16_supported", lambda *a, **k: False)
    assert autocast_dtype("auto", cuda) == torch.float16  # older GPUs: fp16 + GradScaler
    assert autocast_dtype("auto", cpu) is None
    assert autocast_dtype("off", cuda) is None

    import {{ cookiecutter.__package_name }}.data_loader as module_data

    sets = [a.split("=", 1) for a in tiny_args if a.startswith("data_loader.args.")]
    config = ConfigParser(
        apply_overrides(load_yaml(ROOT / "config.yaml"), {k: yaml.safe_load(v) for k, v in sets})
    )
    train.fill_model_sizes(config, config.init_obj("data_loader", module_data, split="val"))
    model = config.init_obj("arch", module_arch)
    has_conv = any(isinstance(m, torch.nn.Conv2d) for m in model.modules())
    assert use_channels_last("auto", model, cuda) == has_conv
    assert not use_channels_last("auto", model, cpu)
    assert not use_channels_last("auto", torch.nn.Linear(2, 2), cuda)

    assert build_optimizer(config, model, cuda).defaults["fused"] is True
    assert not build_optimizer(config, model, cpu).defaults.get("fused")


def test_checkpoint_write_is_atomic(tmp_path, monkeypatch):
    from {{ cookiecutter.__package_name }}.utils import checkpoint

    path = tmp_path / "latest.pt"
    checkpoint.save_checkpoint({"arch": {}, "epoch": 1, "model": {}, "config": {}}, path)
    good = path.read_bytes()

    def crash(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(checkpoint.torch, "save", crash)
    with pytest.raises(OSError):
        checkpoint.save_checkpoint({"arch": {}, "epoch": 2, "model": {}, "config": {}}, path)
    assert path.read_bytes() == good
    assert [p.name for p in tmp_path.iterdir()] == ["latest.pt"]


def test_run_folders_do_not_collide(tmp_path):
    from {{ cookiecutter.__package_name }}.utils.run_folder import make_run_dir

    dirs = {make_run_dir(tmp_path, "same") for _ in range(3)}
    assert len(dirs) == 3
    assert os.path.commonpath(dirs) == str(tmp_path / "same")


def test_weighted_sampler_draws_every_class_equally_often():
    from {{ cookiecutter.__package_name }}.base.base_data_loader import (
        ShardSampler,
        class_balancing_weights,
    )

    targets = [0] * 900 + [1] * 90 + [2] * 10  # imbalanced 90 : 9 : 1
    weights = class_balancing_weights(targets)
    generator = torch.Generator().manual_seed(0)
    sampler = ShardSampler(len(targets), True, generator, pad=True, weights=weights)
    drawn = torch.bincount(torch.tensor([targets[i] for _ in range(20) for i in sampler]))
    shares = drawn.double() / drawn.sum()
    assert torch.allclose(shares, torch.full((3,), 1 / 3, dtype=torch.float64), atol=0.02)


def test_shuffle_and_drop_last_apply_to_training_only(data_args):
    ordered = build_loader(data_args, "train", shuffle=False, drop_last=True, batch_size=7)
    assert list(ordered.sampler) == list(range(len(ordered.dataset)))
    assert len(ordered.dataset) % 7 and len(ordered) == len(ordered.dataset) // 7
    shuffled = build_loader(data_args, "train", batch_size=7)
    assert sorted(shuffled.sampler) == list(range(len(shuffled.dataset)))
    assert list(shuffled.sampler) != list(range(len(shuffled.dataset)))
    # Evaluation never drops a sample, whatever drop_last says.
    val = build_loader(data_args, "val", drop_last=True, batch_size=7)
    assert len(val.dataset) % 7 and sum(len(target) for _, target in val) == len(val.dataset)
    if CLASSIFICATION:
        with pytest.raises(ValueError, match="weighted draws at random; shuffle: true"):
            build_loader(data_args, "train", shuffle=False, sampler="weighted")


def test_curves_png_shows_every_metric_and_a_failing_plot_never_stops_training(
    tiny_args, monkeypatch, caplog
):
    from {{ cookiecutter.__package_name }}.logger import curves, metrics_writer

    run = train_ok([*tiny_args, "--epochs", "2"])
    png = (run / "curves.png").read_bytes()
    assert png.startswith(b"\x89PNG\r\n\x1a\n") and len(png) > 5000
    columns = curves.read_columns(run / "metrics.csv")
    shown = curves.panels(columns)
    assert shown[0] == "loss" and shown[-1] == "lr" and "epoch_time" not in shown
    assert all(f"val_{name}" in columns for name in shown if name != "lr")

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("no fonts today")

    monkeypatch.setattr(metrics_writer, "draw_curves", broken)
    run = train_ok([*tiny_args, "--epochs", "2"])
    assert not (run / "curves.png").exists()
    warnings = [r for r in caplog.records if "curves.png not drawn" in r.getMessage()]
    assert len(warnings) == 1 and "no fonts today" in warnings[0].getMessage()


def test_compare_tables_runs_with_their_differences_and_draws_them(tiny_args, tmp_path, capsys):
    import compare

    first = train_ok([*tiny_args, "--epochs", "2"])
    second = train_ok([*tiny_args, "--epochs", "3", "--set", "seed=7"])
    out = tmp_path / "compare.png"
    capsys.readouterr()
    assert compare.main([str(first.parent), "-o", str(out)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 3 and lines[0].split()[-2:] == ["seed", "trainer.epochs"]
    mode, _, metric = CONFIG["trainer"]["monitor"].partition(" ")
    for run, line in zip((first, second), lines[1:], strict=True):
        with open(run / "metrics.csv", newline="") as f:
            values = [float(row[metric]) for row in csv.DictReader(f)]
        best = min(values) if mode == "min" else max(values)
        cells = line.split()
        assert cells[0] == f"{run.parent.name}/{run.name}" and float(cells[1]) == pytest.approx(
            best, rel=1e-3
        )
        assert cells[3] == str(len(values))
    assert out.read_bytes().startswith(b"\x89PNG")
    assert compare.main([str(first.parent), "-o", str(out)]) == 1  # not replaced
    assert "exists" in capsys.readouterr().err
    assert compare.main([str(tmp_path / "nothing"), "-o", str(tmp_path / "x.png")]) == 1


def test_folds_partition_the_non_test_data_stratified():
    from {{ cookiecutter.__package_name }}.base import three_way_split

    labels = [0] * 50 + [1] * 30 + [2] * 20  # imbalanced
    test = three_way_split(100, 0.1, 0.2, 0)["test"]
    pool = sorted(set(range(100)) - set(test))
    vals = []
    for k in range(3):
        parts = three_way_split(100, 0.1, 0.2, 0, fold=[k, 3], labels=labels)
        assert parts["test"] == test  # the test set does not move
        assert sorted(parts["train"] + parts["val"]) == pool
        vals.append(parts["val"])
    assert sorted(i for val in vals for i in val) == pool  # each sample validates once
    assert max(map(len, vals)) - min(map(len, vals)) <= 1
    for c in range(3):
        counts = [sum(labels[i] == c for i in val) for val in vals]
        assert max(counts) - min(counts) <= 1, (c, counts)
    with pytest.raises(ValueError, match=r"fold must be \[k, K\]"):
        three_way_split(100, 0.1, 0.2, 0, fold=[3, 3])


def test_k_fold_cross_validation_summarizes_the_best_of_each_fold(tiny_args, capsys):
    assert train.main([*tiny_args, "--folds", "3", "--epochs", "2"]) == 0
    runs = run_dirs(tiny_args)
    assert len(runs) == 3
    mode, _, metric = CONFIG["trainer"]["monitor"].partition(" ")
    best = []
    for k, run in enumerate(runs):
        config = yaml.safe_load((run / "config.yaml").read_text())
        assert config["data_loader"]["args"]["fold"] == [k, 3]
        with open(run / "metrics.csv", newline="") as f:
            values = [float(row[metric]) for row in csv.DictReader(f)]
        best.append(min(values) if mode == "min" else max(values))
    (summary,) = runs[0].parent.glob("kfold-*.csv")
    with open(summary, newline="") as f:
        rows = list(csv.reader(f))
    assert [float(r[2]) for r in rows[1:4]] == best
    mean = sum(best) / 3
    std = (sum((b - mean) ** 2 for b in best) / 2) ** 0.5
    assert float(rows[4][2]) == pytest.approx(mean) and float(rows[5][2]) == pytest.approx(std)
    assert f"3-fold {metric}: " in capsys.readouterr().out
