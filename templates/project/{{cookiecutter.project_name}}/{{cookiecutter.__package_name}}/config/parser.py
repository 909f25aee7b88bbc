"""YAML configuration: validation, command-line overrides, `init_obj` and run folders."""

import copy
import difflib
import os
import time
from collections.abc import Mapping
from pathlib import Path
from types import ModuleType
from typing import Any

import yaml

# Trainer settings and their defaults; a key outside this table is a typo.
TRAINER_DEFAULTS: dict[str, Any] = {
    "epochs": 10,
    "len_epoch": None,
    "accum_steps": 1,
    "grad_clip": None,
    "amp": "auto",
    "compile": False,
    "channels_last": "auto",
    "deterministic": False,
    "on_nan": "stop",
    "save_dir": "runs",
    "save_period": 1,
    "keep_last": 3,
    "monitor": "min val_loss",
    "early_stop": 10,
    "log_step": 10,{% if cookiecutter.tensorboard %}
    "tensorboard": True,{% endif %}
}
SECTIONS: dict[str, set[str] | None] = {
    "name": None,
    "seed": None,
    "device": None,
    "arch": {"type", "args"},
    "data_loader": {"type", "args"},
    "optimizer": {"type", "args"},
    "loss": None,
    "metrics": None,
    "lr_scheduler": {"type", "args", "interval"},
    "trainer": set(TRAINER_DEFAULTS),
}
REQUIRED = ("name", "arch", "data_loader", "optimizer", "loss", "trainer")


class ConfigError(Exception):
    """A configuration problem, explained in one line."""


def _unknown(key: str, valid: set[str] | Mapping[str, Any]) -> ConfigError:
    close = difflib.get_close_matches(key.rsplit(".", 1)[-1], list(valid), n=1)
    hint = f" (did you mean '{close[0]}'?)" if close else ""
    return ConfigError(f"unknown config key '{key}'{hint}; allowed: {', '.join(sorted(valid))}")


def validate(config: Any, source: str = "config") -> dict[str, Any]:
    """Check section and trainer keys; return a copy with trainer defaults filled in."""
    if not isinstance(config, dict):
        raise ConfigError(f"{source}: expected a mapping at the top level")
    for key, value in config.items():
        if key not in SECTIONS:
            raise _unknown(key, SECTIONS)
        allowed = SECTIONS[key]
        if allowed is not None and value is not None:
            if not isinstance(value, dict):
                raise ConfigError(f"{source}: '{key}' must be a mapping")
            for sub in value:
                if sub not in allowed:
                    raise _unknown(f"{key}.{sub}", allowed)
    missing = [key for key in REQUIRED if key not in config]
    if missing:
        raise ConfigError(f"{source}: missing required key(s): {', '.join(missing)}")
    config = copy.deepcopy(config)
    config["trainer"] = {**TRAINER_DEFAULTS, **(config["trainer"] or {})}
    return config


def load_yaml(path: Path) -> dict[str, Any]:
    try:
        with open(path, encoding="utf-8") as f:
            data = yaml.safe_load(f)
    except OSError as exc:
        raise ConfigError(f"cannot read config '{path}': {exc.strerror}") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark else ""
        raise ConfigError(f"config '{path}'{where}: {getattr(exc, 'problem', exc)}") from None
    return validate(data, str(path))


def apply_overrides(config: dict[str, Any], overrides: Mapping[str, Any]) -> None:
    """Set dotted keys such as `optimizer.args.lr`. The key must exist, except new keyword
    arguments directly under an `args` mapping (checked when the object is built)."""
    for dotted, value in overrides.items():
        *parents, leaf = dotted.split(".")
        node: Any = config
        for i, part in enumerate(parents):
            if not isinstance(node, dict) or part not in node:
                raise _unknown(".".join(parents[: i + 1]), node if isinstance(node, dict) else {})
            if part == "args" and node[part] is None:  # `args:` left empty in the YAML
                node[part] = {}
            node = node[part]
        if not isinstance(node, dict):
            raise ConfigError(f"cannot set '{dotted}': '{'.'.join(parents)}' is not a mapping")
        if leaf not in node and (not parents or parents[-1] != "args"):
            raise _unknown(dotted, node)
        node[leaf] = value
    validate(config)


def make_run_dir(save_dir: Path, name: str) -> Path:
    """A fresh folder `save_dir/name/YYYYmmdd-HHMMSS[-N]`; `mkdir` without `exist_ok` makes
    two runs started in the same second get different folders."""
    base = Path(save_dir) / name / time.strftime("%Y%m%d-%H%M%S")
    base.parent.mkdir(parents=True, exist_ok=True)
    for n in range(1000):
        run_dir = base if n == 0 else base.with_name(f"{base.name}-{n}")
        try:
            run_dir.mkdir()
            return run_dir
        except FileExistsError:
            continue
    raise ConfigError(f"could not create a run folder under {base.parent}")


class ConfigParser:
    """The resolved configuration of one run and the folder that run writes to."""

    def __init__(self, config: dict[str, Any], run_dir: Path | None = None) -> None:
        self.config = config
        self.run_dir = Path(run_dir) if run_dir is not None else None

    def start_run(self, run_dir: Path | None = None) -> Path:
        """Use `run_dir` (resuming) or make a new one."""
        if run_dir is None:
            run_dir = make_run_dir(Path(self["trainer"]["save_dir"]), str(self["name"]))
        self.run_dir = Path(run_dir)
        return self.run_dir

    def save(self) -> None:
        """Write the resolved config into the run folder (atomically)."""
        assert self.run_dir is not None, "start_run() first"
        tmp = self.run_dir / ".config.yaml.tmp"
        tmp.write_text(yaml.safe_dump(self.config, sort_keys=False), encoding="utf-8")
        os.replace(tmp, self.run_dir / "config.yaml")

    def __getitem__(self, name: str) -> Any:
        return self.config[name]

    def get(self, name: str, default: Any = None) -> Any:
        return self.config.get(name, default)

    def lookup(self, name: str, module: ModuleType) -> Any:
        """The function named by `config[name]` (a string) or by each item of it (a list)."""
        value = self.config[name]
        names = value if isinstance(value, list) else [value]
        missing = [n for n in names if not callable(getattr(module, str(n), None))]
        if missing:
            listed = ", ".join(map(str, missing))
            raise ConfigError(f"{name}: {listed} not found in {module.__name__}")
        found = [getattr(module, n) for n in names]
        return found if isinstance(value, list) else found[0]

    def init_obj(self, name: str, module: ModuleType | Any, *args: Any, **kwargs: Any) -> Any:
        """Build `module.<config[name].type>(*args, **config[name].args, **kwargs)`.

        Keyword arguments given here may not be overridden from the config.
        """
        spec = self.config[name]
        cls_name = spec["type"]
        config_args = dict(spec.get("args") or {})
        clash = set(config_args) & set(kwargs)
        if clash:
            names = ", ".join(sorted(clash))
            raise ConfigError(f"{name}.args may not set {names}: the code sets them")
        try:
            cls = getattr(module, cls_name)
        except AttributeError:
            raise ConfigError(f"{name}.type '{cls_name}' not found in {module.__name__}") from None
        try:
            return cls(*args, **config_args, **kwargs)
        except TypeError as exc:
            raise ConfigError(f"{name}: cannot build {cls_name}: {exc}") from None
