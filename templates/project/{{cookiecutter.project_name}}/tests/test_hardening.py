"""Bad input and bad luck: every case is a one-line error, and no file a run did not create is
ever written."""

import csv
import errno
import logging
import random
import shutil
from pathlib import Path

import pytest
import torch
import yaml
from conftest import build_loader
from test_train import EXPLODE, run_dirs, train_ok

import train
from {{ cookiecutter.__package_name }}.config import ConfigError
from {{ cookiecutter.__package_name }}.utils import CheckpointError, load_checkpoint
from {{ cookiecutter.__package_name }}.utils.checkpoint import checksum


def files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in folder.iterdir() if p.is_file()}


# -- resume never writes over another run's files -------------------------------------------


def test_resume_from_a_copy_starts_a_new_run_folder(tiny_args, tmp_path):
    run = train_ok([*tiny_args, "--epochs", "2"])
    backup = tmp_path / "backup" / "backup.pt"
    backup.parent.mkdir()
    shutil.copyfile(run / "checkpoint-epoch1.pt", backup)
    (backup.parent / "config.yaml").write_text("# my notes\n")
    before = files(run)
    resumed = train_ok(["-r", str(backup)])
    assert resumed not in (run, backup.parent)
    assert files(backup.parent) == {
        "backup.pt": backup.read_bytes(),
        "config.yaml": b"# my notes\n",
    }
    assert files(run) == before
    assert f"of {backup}" in (resumed / "train.log").read_text()


def test_resume_with_a_changed_config_starts_a_new_run_folder(tiny_args):
    run = train_ok([*tiny_args, "--epochs", "2"])
    before = files(run)
    changed = train_ok(["-r", str(run / "latest.pt"), "--set", "trainer.log_step=3"])
    assert changed != run and files(run) == before
    # The same config (epochs and device may change) continues in place: no new folder.
    folders = run_dirs(tiny_args)
    assert train.main(["-r", str(run / "latest.pt"), "--epochs", "2", "-d", "cpu"]) == 0
    assert run_dirs(tiny_args) == folders


def test_a_run_folder_is_used_by_one_process_at_a_time(tiny_args):
    from {{ cookiecutter.__package_name }}.utils.run_folder import (
        RunFolderError,
        open_run_folder,
        release_locks,
    )

    run = train_ok([*tiny_args, "--epochs", "1"])
    try:
        open_run_folder(run.parent, "unused", run)
        with pytest.raises(RunFolderError, match="in use by another training process"):
            open_run_folder(run.parent, "unused", run)
    finally:
        release_locks()


# -- config: YAML as meant, everything checked before a run folder exists --------------------


def test_yaml_1_1_surprises_are_read_as_meant(tiny_args, tmp_path):
    from {{ cookiecutter.__package_name }}.config import load_yaml

    config = tmp_path / "config.yaml"
    text = Path(tiny_args[1]).read_text()
    text = text.replace("lr: 0.01", "lr: 1e-2").replace("amp: auto", "amp: off")
    config.write_text(text)
    loaded = load_yaml(config)
    assert loaded["optimizer"]["args"]["lr"] == 0.01 and loaded["trainer"]["amp"] == "off"
    run = train_ok([*tiny_args, "-c", str(config), "--epochs", "1", "--set", "trainer.amp=off"])
    assert (run / "latest.pt").is_file()


@pytest.mark.parametrize(
    ("setting", "message"),
    [
        ("optimizer.type=123", "optimizer.type: 123 is not a class name"),
        ("trainer.save_period=0", "trainer.save_period: 0 is not valid; expected an integer >= 1"),
        ("trainer.log_step=0", "trainer.log_step: 0"),
        ("trainer.accum_steps=0", "trainer.accum_steps: 0"),
        ("seed=abc", "seed: 'abc' is not valid"),
        ("trainer.compile=fast", "trainer.compile: 'fast'"),
        ("arch=null", "arch: expected a mapping"),
        ("trainer.keep_last=-1", "trainer.keep_last: -1"),
        ("name=../escape", "name: '../escape' is not valid"),
        ("trainer.epochs=[unclosed", "--set trainer.epochs line 1, column 10"),
        ("trainer.monitor=min val_los", "followed by one of loss, "),
        ("trainer.on_nan=maybe", "trainer.on_nan: 'maybe'"),
        ("trainer.amp=fp8", "trainer.amp: 'fp8'"),
        ("trainer.grad_clip=-1", "trainer.grad_clip: -1"),
        ("trainer.deterministic=yes", "trainer.deterministic: 'yes'"),
        ("optimizer.args.nonsense=1", "cannot build AdamW"),
        ("optimizer.type=NoSuchOptimizer", "optimizer.type 'NoSuchOptimizer' not found"),
    ],
)
def test_bad_config_values_are_one_line_errors_before_any_file(tiny_args, capsys, setting, message):
    assert train.main([*tiny_args, "--set", setting]) == 2
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1, err
    assert run_dirs(tiny_args) == []


def test_a_last_training_batch_of_one_sample_is_refused_for_batchnorm(data_args):
    loader = build_loader(data_args, "train", batch_size=13)
    assert len(loader.sampler) == 40  # 3 batches of 13, then 1
    with pytest.raises(ConfigError, match="last training batch would hold 1 sample"):
        train.check_last_batch(torch.nn.BatchNorm1d(4), loader)
    train.check_last_batch(torch.nn.Linear(4, 2), loader)  # no BatchNorm: fine
    dropped = build_loader(data_args, "train", batch_size=13, drop_last=True)
    train.check_last_batch(torch.nn.BatchNorm1d(4), dropped)


@pytest.mark.parametrize(
    ("setting", "message"),
    [
        ("data_loader.args.batch_size=0", "batch_size should be a positive integer"),
        ("data_loader.args.val_fraction=1.5", "val_fraction must be in [0, 1), got 1.5"),
        ("data_loader.args.val_fraction=-0.1", "val_fraction must be in [0, 1), got -0.1"),
        ("data_loader.args.shuffle=sometimes", "shuffle: use true or false, not 'sometimes'"),
        ("data_loader.args.pin_memory=maybe", "pin_memory: use true, false or auto, not 'maybe'"),
        ("data_loader.args.drop_last=1", "drop_last: use true or false, not 1"),
        ("data_loader.args.sampler=lucky", "sampler: use random or weighted, not 'lucky'"),
        ("data_loader.args.collate_fn=exec", "collate_fn: 'exec' not in torch.utils.data"),
        ("data_loader.args.colour=red", "unknown option(s) colour"),
    ],
)
def test_bad_arguments_are_reported_as_given(tiny_args, capsys, setting, message):
    assert train.main([*tiny_args, "--set", setting]) == 1
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1, err
    assert run_dirs(tiny_args) == []


def test_a_type_error_inside_user_code_is_not_blamed_on_the_config(tiny_args, monkeypatch):
    import {{ cookiecutter.__package_name }}.model.model as module_arch

    def broken(self, *args, **kwargs):
        raise TypeError("a bug in the model")

    monkeypatch.setattr(getattr(module_arch, module_arch.__all__[0]), "__init__", broken)
    with pytest.raises(TypeError, match="a bug in the model"):
        train.main(tiny_args)


def test_lr_sets_the_peak_of_the_default_one_cycle_schedule(tiny_args):
    first_losses = []
    for lr in (0.003, 0.5):
        run = train_ok([*tiny_args, "--epochs", "1", "--lr", str(lr)])
        groups = load_checkpoint(run / "latest.pt")["optimizer"]["param_groups"]
        assert groups[-1]["max_lr"] == lr  # (a pretrained backbone: its group has less)
        with open(run / "metrics.csv", newline="") as f:
            first_losses.append(next(csv.DictReader(f))["loss"])
    assert first_losses[0] != first_losses[1]  # different losses: the schedule follows --lr


# -- checkpoints: damage is detected, never a traceback --------------------------------------


def test_truncated_flipped_and_foreign_checkpoints_are_one_line_errors(tiny_args, tmp_path):
    run = train_ok([*tiny_args, "--epochs", "1"])
    data = (run / "latest.pt").read_bytes()
    rng = random.Random(0)
    damaged = tmp_path / "damaged.pt"
    cases = [data[:n] for n in sorted(rng.sample(range(len(data)), 40))]
    for _ in range(60):
        flipped = bytearray(data)
        flipped[rng.randrange(len(data))] ^= 1 << rng.randrange(8)
        cases.append(bytes(flipped))
    cases += [b"", b"not a checkpoint\n" * 50]
    good = load_checkpoint(run / "latest.pt")
    for case in cases:
        damaged.write_bytes(case)
        try:
            state = load_checkpoint(damaged)
        except CheckpointError:
            continue
        # A flip in the archive's bookkeeping may leave the contents intact: then they match.
        assert checksum(state) == checksum(good)
    incomplete = tmp_path / "incomplete.pt"
    state = load_checkpoint(run / "latest.pt")
    del state["rng"]
    from {{ cookiecutter.__package_name }}.utils.checkpoint import save_checkpoint

    save_checkpoint({k: v for k, v in state.items() if k != "format"}, incomplete)
    load_checkpoint(incomplete)  # enough to evaluate or fine-tune
    with pytest.raises(CheckpointError, match="missing rng"):
        load_checkpoint(incomplete, for_resume=True)


def test_orphan_temporary_files_are_removed_on_resume(tiny_args):
    run = train_ok([*tiny_args, "--epochs", "1"])
    orphan = run / ".latest.pt.abc123.tmp"  # as left by kill -9 during a save
    orphan.write_bytes(b"\0" * 1000)
    assert train.main(["-r", str(run / "latest.pt")]) == 0  # same run, in place
    assert not orphan.exists()


# -- non-finite losses ------------------------------------------------------------------------


def test_skipping_stops_after_max_nan_skips_and_keeps_csv_columns(tiny_args, capsys):
    args = [*tiny_args, *EXPLODE, "--set", "trainer.on_nan=skip", "--set", "trainer.monitor=off"]
    code = train.main([*args, "--set", "trainer.max_nan_skips=8", "--epochs", "3"])
    assert code == 1
    err = capsys.readouterr().err
    assert "8 batches in a row had a non-finite loss" in err
    (run,) = run_dirs(tiny_args)
    with open(run / "metrics.csv", newline="") as f:
        rows = list(csv.reader(f))
    assert len(rows) == 2 and len(rows[1]) == len(rows[0])  # epoch 1: every column present
    assert str(run / "latest.pt") in err  # epoch 1 was saved: it is named


def test_nan_stop_names_no_checkpoint_that_does_not_exist(tiny_args, capsys):
    assert train.main([*tiny_args, *EXPLODE]) == 1
    err = capsys.readouterr().err
    assert "latest.pt" not in err and "none was saved" in err


# -- disk full and unwritable folders ---------------------------------------------------------


def test_disk_full_mid_run_is_one_line_and_keeps_the_last_checkpoint(
    tiny_args, capsys, monkeypatch
):
    from {{ cookiecutter.__package_name }}.utils import checkpoint

    real_save, saves = torch.save, []

    def save_until_full(obj, f, *args, **kwargs):
        saves.append(1)
        if len(saves) >= 2:
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_save(obj, f, *args, **kwargs)

    monkeypatch.setattr(checkpoint.torch, "save", save_until_full)
    assert train.main(tiny_args) == 1
    err = capsys.readouterr().err
    assert err.strip().splitlines()[-1] == "error: cannot write or read: No space left on device"
    assert "Traceback" not in err
    (run,) = run_dirs(tiny_args)
    assert load_checkpoint(run / "latest.pt")["epoch"] == 1
    assert not list(run.glob(".*.tmp"))


def test_unwritable_log_or_config_is_one_line(tiny_args, capsys, monkeypatch):
    from {{ cookiecutter.__package_name }}.config import parser
    from {{ cookiecutter.__package_name }}.logger.logger import LogFileHandler

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(LogFileHandler, "flush", full)
    assert train.main(tiny_args) == 1
    err = capsys.readouterr().err
    assert "Logging error" not in err and err.count("No space left on device") == 1, err
    assert err.strip().splitlines()[-1].startswith("error: "), err
    monkeypatch.undo()
    logging.getLogger("train").handlers.clear()

    monkeypatch.setattr(parser.os, "replace", full)
    assert train.main(tiny_args) == 1
    err = capsys.readouterr().err
    assert err.strip().splitlines()[-1] == "error: cannot write or read: No space left on device"
    assert not list(Path(tiny_args[3].split("=", 1)[1]).rglob(".config.yaml.tmp"))


# -- data order -------------------------------------------------------------------------------


def test_a_sampler_outside_the_loader_generator_is_reported(tiny_args, caplog):
    import {{ cookiecutter.__package_name }}.data_loader as module_data
    from {{ cookiecutter.__package_name }}.base import BatchStream
    from {{ cookiecutter.__package_name }}.config import (
        ConfigParser,
        apply_overrides,
        load_yaml,
    )

    sets = [a.split("=", 1) for a in tiny_args if a.startswith("data_loader.args.")]
    config = apply_overrides(load_yaml(Path(tiny_args[1])), {k: yaml.safe_load(v) for k, v in sets})
    loader = ConfigParser(config).init_obj("data_loader", module_data, split="train")
    assert BatchStream(loader).exact
    loader.sampler.generator = None  # as a sampler drawing from the global RNG would
    assert not BatchStream(loader).exact
