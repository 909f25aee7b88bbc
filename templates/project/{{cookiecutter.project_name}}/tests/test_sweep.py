"""sweep.py: trials are runs, pruning stops bad ones early, an interrupted sweep resumes."""

import csv
from pathlib import Path

import optuna
import pytest
import yaml
from test_train import run_dirs

import sweep
import train


def sweep_args(tiny_args: list[str], tmp_path: Path, trials: int) -> list[str]:
    pairs = zip(tiny_args[2::2], tiny_args[3::2], strict=True)
    sets = [value for flag, value in pairs if flag == "--set"]
    space = tmp_path / "space.yaml"
    space.write_text("optimizer.args.lr: {float: [1.0e-4, 1.0e-2], log: true}\n")
    args = ["-c", tiny_args[1], "--space", str(space), "--trials", str(trials)]
    return args + [f"--set={s}" for s in [*sets, "trainer.epochs=3", "device=cpu"]]


def epochs_run(run: Path) -> int:
    with open(run / "metrics.csv", newline="") as f:
        return len(list(csv.DictReader(f)))


def test_a_sweep_prunes_is_interrupted_and_resumes(tiny_args, tmp_path, monkeypatch, capsys):
    prune_trial_one = optuna.trial.Trial.should_prune
    monkeypatch.setattr(
        optuna.trial.Trial,
        "should_prune",
        lambda trial: trial.number == 1 or prune_trial_one(trial),
    )
    real_run, calls = train.run, []

    def interrupted_third_run(args):  # Ctrl-C during the third trial
        calls.append(args)
        if len(calls) == 3:
            raise KeyboardInterrupt
        return real_run(args)

    monkeypatch.setattr(train, "run", interrupted_third_run)
    args = sweep_args(tiny_args, tmp_path, trials=3)
    assert sweep.main(args) == 130
    assert "run the same command to resume" in capsys.readouterr().err
    monkeypatch.setattr(train, "run", real_run)
    assert sweep.main(args) == 0  # the same command: only the missing trial runs

    folder = tmp_path / "runs" / yaml.safe_load(Path(tiny_args[1]).read_text())["name"]
    storage = f"sqlite:///{folder / 'sweep.db'}"
    study = optuna.load_study(study_name=f"{folder.name}-sweep", storage=storage)
    states = [t.state for t in study.trials]
    assert states.count(optuna.trial.TrialState.COMPLETE) == 2
    assert states.count(optuna.trial.TrialState.PRUNED) == 1
    assert states.count(optuna.trial.TrialState.FAIL) == 1  # the interrupted one
    runs = {str(r): r for r in run_dirs(tiny_args)}
    pruned = next(t for t in study.trials if t.state == optuna.trial.TrialState.PRUNED)
    assert pruned.number == 1 and len(pruned.intermediate_values) == 1
    for trial in study.trials:
        if trial.state == optuna.trial.TrialState.COMPLETE:
            run = runs[trial.user_attrs["run_dir"]]
            assert epochs_run(run) == 3
            config = yaml.safe_load((run / "config.yaml").read_text())
            drawn = trial.params["optimizer.args.lr"]
            assert config["optimizer"]["args"]["lr"] == pytest.approx(drawn)
    best = yaml.safe_load((folder / "best_config.yaml").read_text())
    assert best["optimizer"]["args"]["lr"] == pytest.approx(study.best_params["optimizer.args.lr"])
    assert best["trainer"]["epochs"] == 3  # the --set values are part of it
    assert f"best trial {study.best_trial.number}" in capsys.readouterr().out


def test_a_bad_space_is_one_line_before_any_run(tiny_args, tmp_path, capsys):
    args = sweep_args(tiny_args, tmp_path, trials=1)
    space = Path(args[args.index("--space") + 1])
    for text, message in [
        ("optimizer.args.lr: {between: [1, 2]}\n", "needs one of float"),
        ("optimizer.args.lr: {float: [1.0e-4]}\n", "float takes a list"),
        ("trainer.no_such_key: {int: [1, 2]}\n", "no_such_key"),
    ]:
        space.write_text(text)
        assert sweep.main(args) == 2
        err = capsys.readouterr().err
        assert message in err and len(err.strip().splitlines()) == 1, err
    assert run_dirs(tiny_args) == []
