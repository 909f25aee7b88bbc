"""Search hyperparameters with Optuna: `python sweep.py -c config.yaml --space sweep.yaml`.

The space names config keys (dotted, as --set takes them) and how to draw each:

    optimizer.args.lr: {float: [1.0e-4, 1.0e-1], log: true}
    arch.args.width: {int: [8, 64], step: 8}
    optimizer.type: {choice: [AdamW, SGD]}

Each trial is an ordinary run (its own run folder) of the config with the drawn values; its
score is the best value of `trainer.monitor`. TPE draws the values; from epoch 2 on
(`--prune-after`), a trial whose monitored metric is worse than the median of earlier trials
at the same epoch is pruned. The study
lives in an SQLite file beside the runs, so an interrupted sweep resumes where it stopped
(the same command), and `--storage URL` (any database Optuna supports) lets several machines
share one study. The best trial's config is written out as best_config.yaml.

Needs the `sweep` extra: pip install -e ".[sweep]".
"""

import argparse
import copy
import json
import os
import sys
from pathlib import Path
from typing import Any

import yaml

import train
from {{ cookiecutter.__package_name }}.config import (
    ConfigError,
    apply_overrides,
    load_yaml,
    parse_override,
)
from {{ cookiecutter.__package_name }}.config.parser import parse_yaml
from {{ cookiecutter.__package_name }}.logger.curves import best_epoch, read_columns


class TrialFailed(Exception):
    """A trial's run ended with an error: the sweep stops (the study keeps the others)."""


def load_space(path: Path) -> dict[str, dict[str, Any]]:
    """The search space file: key -> {float: [low, high], log?} | {int: [low, high], step?}
    | {choice: [values]}."""
    try:
        space = parse_yaml(path.read_text(encoding="utf-8"), str(path))
    except OSError as exc:
        raise ConfigError(f"cannot read {path}: {exc.strerror or exc}") from None
    if not isinstance(space, dict) or not space:
        raise ConfigError(f"{path}: expected a mapping of config keys to what to draw")
    for key, spec in space.items():
        kinds = [k for k in ("float", "int", "choice") if isinstance(spec, dict) and k in spec]
        if len(kinds) != 1:
            raise ConfigError(f"{path}: {key} needs one of float: [low, high], int:, choice:")
        values = spec[kinds[0]]
        pair = kinds[0] == "choice" or (isinstance(values, list) and len(values) == 2)
        if not isinstance(values, list) or not values or not pair:
            raise ConfigError(f"{path}: {key}: {kinds[0]} takes a list, not {values!r}")
    return space


def first_values(space: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """One value of each key (its low end or first choice): checks that the config takes it."""
    return {key: next(iter(spec.values()))[0] for key, spec in space.items()}


def suggest(trial: Any, space: dict[str, dict[str, Any]]) -> dict[str, Any]:
    drawn = {}
    for key, spec in space.items():
        if "float" in spec:
            low, high = spec["float"]
            drawn[key] = trial.suggest_float(key, low, high, log=bool(spec.get("log", False)))
        elif "int" in spec:
            low, high = spec["int"]
            drawn[key] = trial.suggest_int(key, low, high, step=int(spec.get("step", 1)))
        else:
            drawn[key] = trial.suggest_categorical(key, spec["choice"])
    return drawn


def sweep(args: argparse.Namespace) -> Any:
    try:
        import optuna
    except ImportError:
        raise ConfigError("sweeps need Optuna: pip install -e '.[sweep]'") from None

    # The config as every trial starts from it (with the --set values), checked first.
    config = apply_overrides(load_yaml(args.config), dict(map(parse_override, args.sets)))
    space = load_space(args.space)
    apply_overrides(copy.deepcopy(config), first_values(space))  # keys exist, values fit
    mode, _, metric = str(config["trainer"]["monitor"]).partition(" ")
    if mode not in ("min", "max"):
        raise ConfigError("trainer.monitor must be 'min <metric>' or 'max <metric>' to sweep")
    folder = Path(config["trainer"]["save_dir"]) / config["name"]
    folder.mkdir(parents=True, exist_ok=True)
    storage = args.storage or f"sqlite:///{(folder / 'sweep.db').resolve()}"
    study = optuna.create_study(
        study_name=args.study or f"{config['name']}-sweep",
        storage=storage,
        load_if_exists=True,
        direction="minimize" if mode == "min" else "maximize",
        sampler=optuna.samplers.TPESampler(seed=args.seed),
        pruner=optuna.pruners.MedianPruner(n_startup_trials=1, n_warmup_steps=args.prune_after)
        if args.prune
        else optuna.pruners.NopPruner(),
    )

    def objective(trial: Any) -> float:
        drawn = suggest(trial, space)

        def report(epoch: int, log: dict[str, float]) -> None:
            if metric in log:
                trial.report(log[metric], epoch)
                if trial.should_prune():
                    raise optuna.TrialPruned(f"epoch {epoch}: {metric} {log[metric]:.4g}")

        sets = [*args.sets, *(f"{key}={json.dumps(value)}" for key, value in drawn.items())]
        run_args = train.parse_args(["-c", str(args.config), *(f"--set={s}" for s in sets)])
        run_args.epoch_callbacks = [report]
        code = train.run(run_args)
        if code != 0:
            raise TrialFailed(f"trial {trial.number} failed (train.py exit {code}; see above)")
        trial.set_user_attr("run_dir", str(run_args.run_dir))
        return best_epoch(read_columns(run_args.run_dir / "metrics.csv"), metric, mode)[0]

    finished = (optuna.trial.TrialState.COMPLETE, optuna.trial.TrialState.PRUNED)
    remaining = args.trials - len(study.get_trials(states=finished))
    if remaining > 0:
        study.optimize(objective, n_trials=remaining, catch=())
    completed = study.get_trials(states=(optuna.trial.TrialState.COMPLETE,))
    if not completed:
        raise TrialFailed("no trial completed (all were pruned or failed)")
    best = study.best_trial
    best_config = apply_overrides(copy.deepcopy(config), best.params)
    out = folder / "best_config.yaml"
    partial = out.with_suffix(".yaml.tmp")
    partial.write_text(yaml.safe_dump(best_config, sort_keys=False), encoding="utf-8")
    os.replace(partial, out)
    print(f"best trial {best.number}: {metric} {best.value:.4g} with {best.params}")
    print(f"run folder: {best.user_attrs.get('run_dir')}; config: {out}; study: {storage}")
    return study


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("-c", "--config", type=Path, required=True, help="config file (YAML)")
    parser.add_argument("--space", type=Path, required=True, help="search space (YAML)")
    parser.add_argument("--trials", type=int, default=20, help="trials in the study, in all")
    parser.add_argument("--storage", help="Optuna storage URL (default: sweep.db by the runs)")
    parser.add_argument("--study", help="study name (default: <config name>-sweep)")
    parser.add_argument("--seed", type=int, default=0, help="the sampler's seed")
    parser.add_argument("--no-prune", dest="prune", action="store_false", help="never prune")
    parser.add_argument(
        "--prune-after",
        type=int,
        default=2,
        metavar="N",
        help="prune only from epoch N on (early epochs say little; default 2)",
    )
    parser.add_argument("--set", dest="sets", action="append", default=[], metavar="KEY=VALUE")
    args = parser.parse_args(argv)
    try:
        sweep(args)
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except TrialFailed as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted: run the same command to resume the sweep", file=sys.stderr)
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
