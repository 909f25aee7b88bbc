"""Learning-rate schedules built from config, stepped per optimizer step or per epoch."""

import math
from typing import Any

import torch
from torch.optim.lr_scheduler import LambdaLR, LRScheduler, ReduceLROnPlateau

from ..config import ConfigError, ConfigParser

# Arguments that may be `auto`: the schedule's length in its own interval (steps or epochs),
# or for OneCycleLR's peak, the optimizer's learning rate (so that `--lr` sets the peak).
LENGTH_ARGS = ("total_steps", "T_max", "total_iters")
LR_ARGS = ("max_lr",)


class WarmupCosine(LambdaLR):
    """Linear warm-up from 0 over `warmup_steps`, then cosine decay to `min_lr_ratio` x lr."""

    def __init__(
        self,
        optimizer: torch.optim.Optimizer,
        warmup_steps: int,
        total_steps: int,
        min_lr_ratio: float = 0.0,
    ) -> None:
        def factor(step: int) -> float:
            if step < warmup_steps:
                return (step + 1) / warmup_steps
            progress = min((step - warmup_steps) / max(total_steps - warmup_steps, 1), 1.0)
            return min_lr_ratio + (1 - min_lr_ratio) * 0.5 * (1 + math.cos(math.pi * progress))

        super().__init__(optimizer, factor)


def build_scheduler(
    config: ConfigParser,
    optimizer: torch.optim.Optimizer,
    steps_per_epoch: int,
) -> tuple[LRScheduler | ReduceLROnPlateau | None, str]:
    """Return (scheduler, interval) from `config["lr_scheduler"]`, or (None, "epoch")."""
    spec = config.get("lr_scheduler")
    if not spec:
        return None, "epoch"
    interval = spec.get("interval", "epoch")
    if interval not in ("step", "epoch"):
        raise ConfigError(f"lr_scheduler.interval {interval!r}: use 'step' or 'epoch'")
    if spec["type"] == "ReduceLROnPlateau" and interval != "epoch":
        raise ConfigError("lr_scheduler: ReduceLROnPlateau needs interval: epoch")
    epochs = config["trainer"]["epochs"]
    length = epochs * steps_per_epoch if interval == "step" else epochs
    args: dict[str, Any] = dict(spec.get("args") or {})
    for key, value in args.items():
        if value == "auto" and key in LENGTH_ARGS:
            args[key] = length
        elif value == "auto" and key in LR_ARGS:
            args[key] = [group["lr"] for group in optimizer.param_groups]
        elif value == "auto":
            allowed = ", ".join(LENGTH_ARGS + LR_ARGS)
            raise ConfigError(f"lr_scheduler.args.{key}: 'auto' is only for {allowed}")
    module = (
        WarmupCosine
        if spec["type"] == "WarmupCosine"
        else getattr(torch.optim.lr_scheduler, spec["type"], None)
    )
    if module is None:
        raise ConfigError(
            f"lr_scheduler.type '{spec['type']}' not found in torch.optim.lr_scheduler"
        )
    try:
        return module(optimizer, **args), interval
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"lr_scheduler: cannot build {spec['type']}: {exc}") from None
