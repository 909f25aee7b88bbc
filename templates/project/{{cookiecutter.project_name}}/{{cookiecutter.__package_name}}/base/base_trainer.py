"""The epoch loop around a concrete trainer: monitoring, early stopping, checkpoints, signals."""

import contextlib
import logging
import math
import os
import signal
import sys
import threading
import time
from abc import abstractmethod
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import torch

from ..config import ConfigParser
from ..logger import MetricsWriter
from ..utils import (
    CheckpointError,
    distributed,
    get_rng_state,
    link_checkpoint,
    save_checkpoint,
    set_rng_state,
)


class TrainingStopped(Exception):
    """Training ended early on purpose (a signal, a non-finite loss); `exit_code` for the shell."""

    def __init__(self, message: str, exit_code: int) -> None:
        super().__init__(message)
        self.exit_code = exit_code


def check_resumable(state: dict[str, Any], config: ConfigParser) -> None:
    """Refuse a checkpoint this run cannot continue exactly (checked before any file is
    written)."""
    processes = len(state["rng"])
    if processes != distributed.world_size():
        raise CheckpointError(
            f"checkpoint was written by {processes} process(es) but this run has "
            f"{distributed.world_size()}; resume with the same number "
            f"(torchrun --nproc_per_node={processes}, or plain python for 1)"
        )
    if state["arch"] != config["arch"]:
        raise CheckpointError(
            f"checkpoint was trained with arch {state['arch']} but the config asks for "
            f"{config['arch']}; use --finetune to load matching weights only"
        )


class BaseTrainer:
    def __init__(
        self,
        model: torch.nn.Module,
        optimizer: torch.optim.Optimizer,
        config: ConfigParser,
        device: torch.device,
    ) -> None:
        self.model = model
        self.optimizer = optimizer
        self.config = config
        self.device = device
        self.logger = logging.getLogger("train")
        cfg = config["trainer"]
        self.epochs: int = cfg["epochs"]
        self.save_period: int = cfg["save_period"]
        self.keep_last: int = cfg["keep_last"]
        self.early_stop: int = cfg["early_stop"] or math.inf

        # "min val_loss" / "max val_accuracy" / "off" (checked by config/schema.py)
        self.mnt_mode, _, self.mnt_metric = str(cfg["monitor"]).partition(" ")
        self.mnt_best = math.inf if self.mnt_mode == "min" else -math.inf
        self.not_improved = 0

        self.start_epoch = 1
        self.start_batch = 0  # > 0 when resuming a checkpoint saved mid-epoch
        self.global_step = 0
        if config.run_dir is None:
            raise ValueError("call config.start_run() before creating a trainer")
        self.checkpoint_dir: Path = config.run_dir
        self.writer = MetricsWriter(self.checkpoint_dir, config.config)
        # Set by the concrete trainer from its data: class names, input preparation.
        self.output_names: list[str] = []
        self.preprocessing: dict[str, Any] = {}
        # Called as f(epoch, metrics) after each epoch's checkpoint (sweep.py prunes here).
        self.epoch_callbacks: list[Callable[[int, dict[str, float]], None]] = []
        self.stop_signal: int | None = None
        self._first_signal_time = 0.0

    @abstractmethod
    def _train_epoch(self, epoch: int) -> dict[str, float]:
        """Train one epoch (and validate); return its metrics."""

    def _after_epoch(self, log: dict[str, float]) -> None:
        """Hook run after each epoch's metrics are known (e.g. epoch-wise LR schedules)."""

    def train(self) -> dict[str, float]:
        """Run the remaining epochs; return the last epoch's metrics."""
        log: dict[str, float] = {}
        with self._stop_on_signals(), contextlib.closing(self.writer):
            for epoch in range(self.start_epoch, self.epochs + 1):
                if hasattr(self.model, "before_epoch"):  # e.g. unfreezing a backbone
                    self.model.before_epoch(epoch)
                log = self._train_epoch(epoch)
                self.start_batch = 0
                if distributed.is_main():
                    self.writer.write(epoch, log)
                self.logger.info(
                    f"epoch {epoch}/{self.epochs}  "
                    + "  ".join(f"{k} {v:.4g}" for k, v in log.items())
                )
                improved = self._update_monitor(log)
                self._after_epoch(log)
                self._save_checkpoint(epoch, best=improved)
                for callback in self.epoch_callbacks:
                    callback(epoch, log)
                if self.not_improved >= self.early_stop:
                    self.logger.info(
                        f"{self.mnt_metric} did not improve for {self.not_improved} epochs: "
                        "stopping early"
                    )
                    break
                if self._stop_agreed(at_sync_point=True):
                    self._raise_stopped(epoch, batch=0)
        return log

    def _update_monitor(self, log: dict[str, float]) -> bool:
        if self.mnt_mode == "off":
            return False
        if self.mnt_metric not in log:
            raise ValueError(
                f"trainer.monitor: metric '{self.mnt_metric}' not found; "
                f"available: {', '.join(log)}"
            )
        value = log[self.mnt_metric]
        improved = value < self.mnt_best if self.mnt_mode == "min" else value > self.mnt_best
        if improved:
            self.mnt_best, self.not_improved = value, 0
        else:
            self.not_improved += 1
        return improved

    # -- checkpoints ---------------------------------------------------------------------------

    def _state_dict(self) -> dict[str, Any]:
        """Trainer-specific state (scheduler, scaler, data position); extended by subclasses."""
        return {}

    def _load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore what `_state_dict` saved."""

    def _save_checkpoint(self, epoch: int, best: bool = False, batch: int = 0) -> Path:
        """Write `latest.pt`; link it as `checkpoint-epochN.pt` every `save_period` epochs
        (keeping the last `keep_last`) and as `model_best.pt` when the monitor improved."""
        state = {
            "arch": self.config["arch"],
            "epoch": epoch,
            "batch": batch,
            "global_step": self.global_step,
            "model": self.model.state_dict(),
            "optimizer": self.optimizer.state_dict(),
            "monitor_best": self.mnt_best,
            "not_improved": self.not_improved,
            "rng": distributed.gather(get_rng_state()),  # one per process
            "config": self.config.config,
            "run_id": self.config.run_id,
            "output_names": self.output_names,
            "preprocessing": self.preprocessing,
{%- if cookiecutter.wandb or cookiecutter.mlflow %}
            "trackers": self.writer.tracker_ids(),  # resuming continues the same tracker runs
{%- endif %}
            **self._state_dict(),
        }
        latest = self.checkpoint_dir / "latest.pt"
        if not distributed.is_main():  # the others only contributed their part of the state
            return latest
        save_checkpoint(state, latest)
        if batch == 0 and epoch % self.save_period == 0:
            link_checkpoint(latest, self.checkpoint_dir / f"checkpoint-epoch{epoch}.pt")
            self._remove_old_checkpoints()
        if best:
            link_checkpoint(latest, self.checkpoint_dir / "model_best.pt")
            self.logger.debug(f"new best {self.mnt_metric}: {self.mnt_best:.6g}")
        return latest

    def _remove_old_checkpoints(self) -> None:
        def epoch_of(path: Path) -> int:
            return int(path.stem.removeprefix("checkpoint-epoch"))

        saved = sorted(self.checkpoint_dir.glob("checkpoint-epoch*.pt"), key=epoch_of)
        for path in saved[: max(len(saved) - self.keep_last, 0)]:
            path.unlink(missing_ok=True)

    def resume(self, state: dict[str, Any], origin: Path | None = None) -> None:
        """Continue exactly where the checkpoint `state` stopped (`origin`: the checkpoint,
        when this run continues it in a new folder)."""
        check_resumable(state, self.config)
        try:
            self.model.load_state_dict(state["model"])
        except RuntimeError as exc:
            lines = str(exc).strip().splitlines()  # "Error(s) in loading ...", then the details
            raise CheckpointError(
                f"checkpoint weights do not fit the model: {lines[-1].strip()}"
            ) from None
        self.optimizer.load_state_dict(state["optimizer"])
        self.mnt_best = state["monitor_best"]
        self.not_improved = state["not_improved"]
        self.global_step = state["global_step"]
        epoch, batch = state["epoch"], state["batch"]
        self.start_epoch, self.start_batch = (epoch, batch) if batch else (epoch + 1, 0)
        self._load_state_dict(state)
        # Last: replaying the data position may draw random numbers.
        set_rng_state(state["rng"][distributed.rank()])
        if distributed.is_main():
            self.writer.truncate_after(self.start_epoch - 1)
{%- if cookiecutter.wandb or cookiecutter.mlflow %}
        if origin is None:  # the same run folder: the same tracker runs
            self.writer.continue_trackers(state.get("trackers", {}))
{%- endif %}
        where = f"epoch {epoch}, batch {batch}" if batch else f"the end of epoch {epoch}"
        source = f" of {origin}" if origin is not None else ""
        self.logger.info(f"resumed from {where}{source} (step {self.global_step})")

    def load_weights(self, state: dict[str, Any]) -> None:
        """Fine-tuning: copy the tensors whose names and shapes match; train from epoch 1."""
        own = self.model.state_dict()
        # A plain state_dict saved from the network a model wraps (e.g. `net` inside it)
        # matches with the wrapper's prefix.
        prefixes = ("", *{k.split(".", 1)[0] + "." for k in own if "." in k})
        matching = {
            prefix + k: v
            for prefix in prefixes
            for k, v in state["model"].items()
            if own.get(prefix + k) is not None and own[prefix + k].shape == v.shape
        }
        if not matching:
            raise CheckpointError("no weights in the checkpoint match this model")
        self.model.load_state_dict(matching, strict=False)
        self.logger.info(f"fine-tuning: loaded {len(matching)}/{len(own)} tensors")

    # -- stopping on signals -------------------------------------------------------------------

    @contextlib.contextmanager
    def _stop_on_signals(self) -> Iterator[None]:
        """SIGINT/SIGTERM ask the loop to stop at the next optimizer step and save; a second
        Ctrl-C aborts at once."""
        if threading.current_thread() is not threading.main_thread():
            yield
            return

        def request_stop(signum: int, frame: Any) -> None:
            now = time.monotonic()
            # Under torchrun one Ctrl-C can arrive twice (terminal and launcher) at once.
            if self.stop_signal is not None and signum == signal.SIGINT:
                if now - self._first_signal_time > 1.0:
                    raise KeyboardInterrupt
                return
            self.stop_signal, self._first_signal_time = signum, now
            # Not through logging: the handler may run in the middle of a log write.
            with contextlib.suppress(OSError, ValueError):
                message = f"\n{signal.Signals(signum).name}: stopping after this step\n"
                os.write(sys.stderr.fileno(), message.encode())

        previous = {s: signal.signal(s, request_stop) for s in (signal.SIGINT, signal.SIGTERM)}
        try:
            yield
        finally:
            for signum, handler in previous.items():
                signal.signal(signum, handler)

    def _stop_agreed(self, at_sync_point: bool) -> bool:
        """Whether to stop now for a signal. Alone: as soon as one came. Under torchrun all
        processes must stop at the same step, so they agree at sync points (log points)."""
        if distributed.world_size() == 1:
            return self.stop_signal is not None
        return at_sync_point and distributed.any_process(self.stop_signal is not None, self.device)

    def last_checkpoint(self) -> str:
        """How to name the last good checkpoint in a message (it may not exist yet)."""
        latest = self.checkpoint_dir / "latest.pt"
        return f"the last good checkpoint is {latest}" if latest.exists() else "none was saved"

    def _raise_stopped(self, epoch: int, batch: int) -> None:
        latest = self.checkpoint_dir / "latest.pt"
        path = self._save_checkpoint(epoch, batch=batch) if batch else latest
        where = f"epoch {epoch}, batch {batch}" if batch else f"the end of epoch {epoch}"
        name = signal.Signals(self.stop_signal or signal.SIGINT).name
        n = distributed.world_size()
        launcher = f"torchrun --standalone --nproc_per_node={n}" if n > 1 else "python"
        raise TrainingStopped(
            f"{name}: stopped at {where}; resume with: {launcher} train.py -r {path}",
            128 + int(self.stop_signal or signal.SIGINT),
        )
