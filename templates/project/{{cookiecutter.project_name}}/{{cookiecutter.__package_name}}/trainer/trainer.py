"""The training loop, top to bottom.

One optimizer step = `accum_steps` micro-batches: autocast forward, scaled backward, then
unscale -> clip -> step -> update the scaler -> step a per-step LR schedule. Loss and metrics
stay on the device between log points; every remaining host-device sync is marked
"sync point".
"""

import inspect
import math
import time
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from typing import Any

import torch
from torch.nn.parallel import DistributedDataParallel
from torch.optim.lr_scheduler import LRScheduler, ReduceLROnPlateau

from ..base import BaseDataLoader, BaseTrainer, BatchStream, TrainingStopped
from ..config import ConfigParser
from ..logger import Progress
from ..utils import CheckpointError, MetricTracker, autocast_dtype, distributed
from ..utils.tracker import Metric

Loss = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]


def use_channels_last(setting: bool | str, model: torch.nn.Module, device: torch.device) -> bool:
    """`auto`: channels_last for conv models on CUDA, where it speeds up convolutions."""
    if setting == "auto":
        has_conv = any(isinstance(m, torch.nn.Conv2d) for m in model.modules())
        return device.type == "cuda" and has_conv
    return bool(setting)


def build_optimizer(
    config: ConfigParser, model: torch.nn.Module, device: torch.device
) -> torch.optim.Optimizer:
    """`config["optimizer"]` over every parameter (frozen ones have no gradient and are
    skipped until released), in the model's own groups if it has them (e.g. a smaller
    learning rate for a pretrained backbone); the fused kernel on CUDA."""
    opt_class = getattr(torch.optim, config["optimizer"]["type"], None)
    extra: dict[str, Any] = {}
    user_args = config["optimizer"].get("args") or {}
    params: Any = list(model.parameters())
    if hasattr(model, "parameter_groups") and opt_class is not None:
        lr = user_args.get("lr", inspect.signature(opt_class).parameters["lr"].default)
        params = model.parameter_groups(lr)
    if (
        device.type == "cuda"
        and opt_class is not None
        and "fused" in inspect.signature(opt_class).parameters
        and "fused" not in user_args
        and "foreach" not in user_args
    ):
        extra["fused"] = True
    return config.init_obj("optimizer", torch.optim, params, **extra)


class Trainer(BaseTrainer):
    def __init__(
        self,
        model: torch.nn.Module,
        criterion: Loss,
        metrics: dict[str, Metric],
        optimizer: torch.optim.Optimizer,
        config: ConfigParser,
        device: torch.device,
        data_loader: BaseDataLoader,
        valid_data_loader: BaseDataLoader | None = None,
        lr_scheduler: LRScheduler | ReduceLROnPlateau | None = None,
        lr_interval: str = "epoch",
        channels_last: bool = False,
        progress: Progress | None = None,
    ) -> None:
        super().__init__(model, optimizer, config, device)
        cfg = config["trainer"]
        self.criterion = criterion
        self.data_loader = data_loader
        self.valid_data_loader = valid_data_loader
        self.lr_scheduler = lr_scheduler
        self.lr_interval = lr_interval
        self.stream = BatchStream(data_loader)
        self.len_epoch: int = cfg["len_epoch"] or len(data_loader)
        self.accum_steps: int = cfg["accum_steps"]
        self.grad_clip: float | None = cfg["grad_clip"]
        self.log_step: int = cfg["log_step"]
        self.on_nan: str = cfg["on_nan"]
        self.max_nan_skips: int = cfg["max_nan_skips"]
        self._nan_skips = 0  # consecutive skipped batches (on_nan: skip)
        self.progress = progress or Progress()
        if not self.stream.exact:
            self.logger.warning(
                f"{type(data_loader).__name__}'s sampler does not draw from the loader's own "
                "generator: a resumed run will see the data in a different order"
            )

        # Speed: bf16/fp16 autocast (a GradScaler only for fp16), TF32, channels_last, compile.
        self.amp_dtype = autocast_dtype(cfg["amp"], device)
        self.scaler = torch.amp.GradScaler(device.type, enabled=self.amp_dtype == torch.float16)
        if device.type == "cuda":
            torch.backends.cuda.matmul.allow_tf32 = True
            torch.backends.cudnn.allow_tf32 = True
        self.memory_format = torch.channels_last if channels_last else torch.preserve_format
        compile_mode = cfg["compile"]
        self.eval_model: Callable[[torch.Tensor], torch.Tensor] = model
        if compile_mode:
            mode = None if compile_mode is True or compile_mode == "default" else compile_mode
            self.eval_model = torch.compile(model, mode=mode)
        self.train_model = self.eval_model
        if distributed.world_size() > 1:  # under torchrun; compiled first, then wrapped
            if getattr(model, "unfreeze_at_epoch", None):
                raise ValueError(
                    "arch.args.unfreeze_at_epoch: DDP fixes the trained parameters when it "
                    "starts, so unfreeze within one run only without torchrun"
                )
            device_ids = [device.index] if device.type == "cuda" else None
            self.train_model = DistributedDataParallel(self.eval_model, device_ids=device_ids)

        self.output_names = data_loader.output_names
        self.preprocessing = data_loader.preprocessing
        num_outputs = len(self.output_names)
        self.train_metrics = MetricTracker(metrics, num_outputs, device)
        self.valid_metrics = MetricTracker(metrics, num_outputs, device)
        # The losses since the last log point, read (one sync) only when logged.
        self._window = torch.zeros(self.log_step + self.accum_steps - 1, device=device)
        self._window_fill = 0
        self._window_first_batch = 0
        processes = distributed.world_size()
        self.logger.info(
            f"device {device}, amp {self.amp_dtype or 'off'}, channels_last {channels_last}, "
            f"compile {compile_mode}, {self.len_epoch} batches/epoch"
            + (f" x {processes} processes" if processes > 1 else "")
        )

    def _grad_sync(self, last_micro_batch: bool) -> AbstractContextManager[Any]:
        """Under DDP, average gradients across processes only on the last micro-batch."""
        if last_micro_batch or not isinstance(self.train_model, DistributedDataParallel):
            return nullcontext()
        return self.train_model.no_sync()

    def _autocast(self) -> AbstractContextManager[Any]:
        return torch.autocast(
            self.device.type, dtype=self.amp_dtype, enabled=self.amp_dtype is not None
        )

    def _to_device(
        self, data: torch.Tensor, target: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        memory_format = self.memory_format if data.dim() == 4 else torch.preserve_format
        data = data.to(self.device, non_blocking=True, memory_format=memory_format)
        return data, target.to(self.device, non_blocking=True)

    def _train_epoch(self, epoch: int) -> dict[str, float]:
        self.train_model.train()  # type: ignore[attr-defined]
        if self.start_batch == 0:
            self.train_metrics.reset()
        self.progress.start(f"epoch {epoch}/{self.epochs}", self.len_epoch)
        self._window_fill, self._window_first_batch = 0, self.start_batch
        window_bad = False
        data_time, epoch_start = 0.0, time.perf_counter()

        for batch in range(self.start_batch, self.len_epoch):
            tick = time.perf_counter()
            data, target = self._to_device(*self.stream.next())
            data_time += time.perf_counter() - tick

            # Gradients of `micro` micro-batches add up to one optimizer step.
            first = batch - batch % self.accum_steps
            micro = min(self.accum_steps, self.len_epoch - first)
            last_micro = batch + 1 == first + micro
            with self._grad_sync(last_micro):
                with self._autocast():
                    output = self.train_model(data)
                    loss = self.criterion(output, target)
                if self.on_nan == "skip" and distributed.any_process(
                    not torch.isfinite(loss), self.device
                ):  # sync point (on_nan: skip), agreed by all processes
                    window_bad = True
                    self._skip_batch(epoch, batch + 1)
                else:
                    self._nan_skips = 0
                    self.scaler.scale(loss / micro if micro > 1 else loss).backward()
                    self.train_metrics.update(loss, output, target)
                    self._window[self._window_fill] = loss.detach()
                    self._window_fill += 1

            if last_micro:
                if window_bad:
                    self.optimizer.zero_grad(set_to_none=True)
                    window_bad = False
                else:
                    self._optimizer_step()
                at_log = batch + 1 - self._window_first_batch >= self.log_step
                if at_log:
                    self._log_window(epoch, batch + 1)
                if batch + 1 < self.len_epoch and self._stop_agreed(at_log):
                    self._log_window(epoch, batch + 1)
                    self._raise_stopped(epoch, batch + 1)
            self.progress.update(batch + 1)

        self._log_window(epoch, self.len_epoch)
        self.progress.close()
        log = self.train_metrics.result()  # sync point: once per epoch
        epoch_time = time.perf_counter() - epoch_start
        if self.valid_data_loader is not None:
            log.update(self._valid_epoch())
        log["lr"] = max(float(g["lr"]) for g in self.optimizer.param_groups)  # the head's
        log["epoch_time"] = epoch_time
        log["data_wait"] = data_time / epoch_time
        return log

    def _skip_batch(self, epoch: int, batch: int) -> None:
        """on_nan: skip. Many skips in a row mean the weights themselves are broken: stop."""
        self._nan_skips += 1
        self.logger.warning(f"epoch {epoch} batch {batch}: non-finite loss, skipped")
        if self._nan_skips >= self.max_nan_skips:
            raise TrainingStopped(
                f"{self._nan_skips} batches in a row had a non-finite loss (epoch {epoch}, "
                f"batch {batch}); stopping: {self.last_checkpoint()} "
                "(lower the learning rate, or raise trainer.max_nan_skips)",
                1,
            )

    def _optimizer_step(self) -> None:
        if self.grad_clip:
            self.scaler.unscale_(self.optimizer)  # clip the true gradients, not scaled ones
            torch.nn.utils.clip_grad_norm_(self.model.parameters(), self.grad_clip, foreach=True)
        self.scaler.step(self.optimizer)  # skips the step if fp16 gradients overflowed
        self.scaler.update()
        self.optimizer.zero_grad(set_to_none=True)
        if self.lr_scheduler is not None and self.lr_interval == "step":
            self.lr_scheduler.step()  # type: ignore[call-arg]
        self.global_step += 1

    def _log_window(self, epoch: int, batch: int) -> None:
        """Read the losses since the last log point (sync point) and stop on a non-finite one
        (on every process, if any process saw one)."""
        losses = self._window[: self._window_fill].tolist()  # sync point: once per log_step
        first = self._window_first_batch
        self._window_fill, self._window_first_batch = 0, batch
        bad = next((i for i, value in enumerate(losses) if not math.isfinite(value)), None)
        if distributed.any_process(bad is not None, self.device):
            where = "on another process"
            if bad is not None:
                per_epoch = -(-self.len_epoch // self.accum_steps)
                step = (epoch - 1) * per_epoch + -(-(first + bad + 1) // self.accum_steps)
                where = f"at epoch {epoch}, batch {first + bad + 1} (step {step})"
                where = f"({losses[bad]}) {where}"
            raise TrainingStopped(
                f"non-finite loss {where}; {self.last_checkpoint()} "
                "(lower the learning rate, or set trainer.on_nan: skip)",
                1,
            )
        if not losses:
            return
        mean = sum(losses) / len(losses)
{%- if cookiecutter.wandb or cookiecutter.mlflow %}
        if distributed.is_main():
            self.writer.write_step(self.global_step, {"loss": mean})
{%- endif %}
        self.progress.status = f"loss {mean:.4f}"
        message = f"epoch {epoch} [{batch}/{self.len_epoch}] loss {mean:.6f}"
        if self.progress.enabled:
            self.logger.debug(message)
        else:
            self.logger.info(message)

    @torch.inference_mode()
    def _valid_epoch(self) -> dict[str, float]:
        assert self.valid_data_loader is not None
        self.eval_model.eval()  # type: ignore[attr-defined]
        self.valid_metrics.reset()
        for data, target in self.valid_data_loader:
            data, target = self._to_device(data, target)
            with self._autocast():
                output = self.eval_model(data)
                loss = self.criterion(output, target)
            self.valid_metrics.update(loss, output, target)
        return {f"val_{k}": v for k, v in self.valid_metrics.result().items()}  # sync point

    def _after_epoch(self, log: dict[str, float]) -> None:
        if self.lr_scheduler is None or self.lr_interval != "epoch":
            return
        if isinstance(self.lr_scheduler, ReduceLROnPlateau):
            self.lr_scheduler.step(log[self.mnt_metric or "val_loss"])
        else:
            self.lr_scheduler.step()

    def _state_dict(self) -> dict[str, Any]:
        return {
            "lr_scheduler": self.lr_scheduler.state_dict() if self.lr_scheduler else None,
            "scaler": self.scaler.state_dict(),
            "data": self.stream.state_dict(),
            "train_metrics": distributed.gather(self.train_metrics.state_dict()),
        }

    def _load_state_dict(self, state: dict[str, Any]) -> None:
        if self.lr_scheduler is not None and state["lr_scheduler"] is not None:
            planned = getattr(self.lr_scheduler, "total_steps", None)
            self.lr_scheduler.load_state_dict(state["lr_scheduler"])
            saved = getattr(self.lr_scheduler, "total_steps", None)
            if planned != saved:
                raise CheckpointError(
                    f"the checkpoint's {type(self.lr_scheduler).__name__} runs {saved} steps but "
                    f"this config needs {planned}: a fixed-length schedule cannot be stretched; "
                    "resume with the original epochs, or start a new run with --finetune"
                )
        if state["scaler"]:
            self.scaler.load_state_dict(state["scaler"])
        if not self.stream.exact:
            self.logger.warning("resuming without an exact data order (see the warning above)")
        self.stream.load_state_dict(state["data"])
        if self.start_batch:
            self.train_metrics.load_state_dict(state["train_metrics"][distributed.rank()])
