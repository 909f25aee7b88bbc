"""Every config key, its type, allowed values and default: checked in one place, before a
run folder or any object is created."""

import copy
import difflib
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any


class ConfigError(Exception):
    """A configuration problem, explained in one line."""


@dataclass(frozen=True)
class Field:
    default: Any
    allowed: str  # shown in errors: what the key accepts
    check: Callable[[Any], bool]


def integer(low: int) -> Callable[[Any], bool]:
    return lambda v: isinstance(v, int) and not isinstance(v, bool) and v >= low


def positive_number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and v > 0


def boolean(v: Any) -> bool:
    return isinstance(v, bool)


def one_of(*choices: Any) -> Callable[[Any], bool]:
    return lambda v: any(v == c and type(v) is type(c) for c in choices)


def optional(check: Callable[[Any], bool]) -> Callable[[Any], bool]:
    return lambda v: v is None or check(v)


def either(*checks: Callable[[Any], bool]) -> Callable[[Any], bool]:
    return lambda v: any(check(v) for check in checks)


def text(v: Any) -> bool:
    return isinstance(v, str) and bool(v.strip())


RUN_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}")
COMPILE_MODES = ("default", "reduce-overhead", "max-autotune", "max-autotune-no-cudagraphs")

TRAINER: dict[str, Field] = {
    "epochs": Field(10, "an integer >= 1", integer(1)),
    "len_epoch": Field(None, "null (a full pass) or an integer >= 1", optional(integer(1))),
    "accum_steps": Field(1, "an integer >= 1", integer(1)),
    "grad_clip": Field(None, "null or a number > 0", optional(positive_number)),
    "amp": Field("auto", "auto, bf16, fp16 or off", one_of("auto", "bf16", "fp16", "off")),
    "compile": Field(
        False,
        "true, false or a mode: " + ", ".join(COMPILE_MODES),
        either(boolean, one_of(*COMPILE_MODES)),
    ),
    "channels_last": Field("auto", "auto, true or false", either(boolean, one_of("auto"))),
    "deterministic": Field(False, "true or false", boolean),
    "on_nan": Field("stop", "stop or skip", one_of("stop", "skip")),
    "max_nan_skips": Field(10, "an integer >= 1", integer(1)),
    "save_dir": Field("runs", "a folder name", text),
    "save_period": Field(1, "an integer >= 1", integer(1)),
    "keep_last": Field(3, "an integer >= 0", integer(0)),
    "monitor": Field("min val_loss", "off, 'min <metric>' or 'max <metric>'", text),
    "early_stop": Field(10, "null (never) or an integer >= 1", optional(integer(1))),
    "log_step": Field(10, "an integer >= 1", integer(1)),{% if cookiecutter.tensorboard %}
    "tensorboard": Field(True, "true or false", boolean),{% endif %}{% if cookiecutter.wandb %}
    "wandb": Field(True, "true or false", boolean),{% endif %}{% if cookiecutter.mlflow %}
    "mlflow": Field(True, "true or false", boolean),{% endif %}
}
TOP: dict[str, Field] = {
    "name": Field(
        None,
        "a folder name: letters, digits, '.', '_' or '-', starting with a letter or digit",
        lambda v: isinstance(v, str) and RUN_NAME.fullmatch(v) is not None,
    ),
    "seed": Field(0, "an integer >= 0", integer(0)),
    "device": Field("auto", "auto, cpu, cuda, cuda:N or mps", text),
    "loss": Field(None, "the name of a function in model/loss.py", text),
    "metrics": Field(
        [],
        "a list of function names from model/metric.py",
        lambda v: isinstance(v, list) and all(text(m) for m in v),
    ),
}
OBJECTS = {"arch": True, "data_loader": True, "optimizer": True, "lr_scheduler": False}
REQUIRED = ("name", "arch", "data_loader", "optimizer", "loss", "trainer")


def _unknown(key: str, valid: Mapping[str, Any] | set[str]) -> ConfigError:
    close = difflib.get_close_matches(key.rsplit(".", 1)[-1], list(valid), n=1)
    hint = f" (did you mean '{close[0]}'?)" if close else ""
    return ConfigError(f"unknown config key '{key}'{hint}; allowed: {', '.join(sorted(valid))}")


def shorten(value: Any, limit: int = 60) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _check(key: str, value: Any, field: Field) -> None:
    if not field.check(value):
        raise ConfigError(f"{key}: {shorten(value)} is not valid; expected {field.allowed}")


def _check_object(key: str, spec: Any, required: bool) -> None:
    """`type` + `args` sections (`lr_scheduler` also has `interval`)."""
    if spec is None and not required:
        return
    if not isinstance(spec, dict):
        raise ConfigError(f"{key}: expected a mapping with 'type' and 'args'")
    allowed = {"type", "args", "interval"} if key == "lr_scheduler" else {"type", "args"}
    for sub in spec:
        if sub not in allowed:
            raise _unknown(f"{key}.{sub}", allowed)
    if not text(spec.get("type")) or not str(spec["type"]).isidentifier():
        raise ConfigError(f"{key}.type: {shorten(spec.get('type'))} is not a class name")
    args = spec.get("args")
    if args is not None and not (isinstance(args, dict) and all(isinstance(k, str) for k in args)):
        raise ConfigError(f"{key}.args: expected a mapping of argument names to values")
    if key == "lr_scheduler" and spec.get("interval", "epoch") not in ("step", "epoch"):
        raise ConfigError(f"lr_scheduler.interval: {shorten(spec['interval'])}: use step or epoch")


def monitored_names(config: Mapping[str, Any]) -> list[str]:
    """What `trainer.monitor` may name: the loss and each metric, on train and validation."""
    names = ["loss", *config.get("metrics", [])]
    return names + [f"val_{n}" for n in names]


def validate(config: Any, source: str = "config") -> dict[str, Any]:
    """Check every key, type and range; return a copy with defaults filled in."""
    if not isinstance(config, dict):
        raise ConfigError(f"{source}: expected a mapping at the top level")
    config = copy.deepcopy(config)
    for key in config:
        if key not in TOP and key not in OBJECTS and key != "trainer":
            raise _unknown(str(key), {*TOP, *OBJECTS, "trainer"})
    missing = [key for key in REQUIRED if key not in config]
    if missing:
        raise ConfigError(f"{source}: missing required key(s): {', '.join(missing)}")
    result = {key: value for key, value in config.items() if key != "trainer"}
    for key, field in TOP.items():
        if field.default is not None or key in config:
            value = config.get(key, field.default)
            result[key] = [] if key == "metrics" and value is None else value
            _check(key, result[key], field)
    for key, required in OBJECTS.items():
        _check_object(key, config.get(key), required)

    trainer = config["trainer"] or {}
    if not isinstance(trainer, dict):
        raise ConfigError("trainer: expected a mapping")
    for key in trainer:
        if key not in TRAINER:
            raise _unknown(f"trainer.{key}", TRAINER)
    result["trainer"] = {key: trainer.get(key, field.default) for key, field in TRAINER.items()}
    for key, field in TRAINER.items():
        _check(f"trainer.{key}", result["trainer"][key], field)

    monitor = result["trainer"]["monitor"]
    if monitor != "off":
        words = monitor.split()
        names = monitored_names(result)
        if len(words) != 2 or words[0] not in ("min", "max") or words[1] not in names:
            raise ConfigError(
                f"trainer.monitor: {shorten(monitor)} is not valid; expected off, or min/max "
                f"followed by one of {', '.join(names)}"
            )
    return result
