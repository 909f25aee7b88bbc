"""Loss and metric totals kept on the device: reading them is the only host-device sync."""

import math
from typing import Protocol

import torch

from .distributed import all_reduce_sum


class Metric(Protocol):
    def size(self, num_outputs: int) -> int: ...
    def stats(self, output: torch.Tensor, target: torch.Tensor) -> torch.Tensor: ...
    def value(self, totals: list[float]) -> float: ...


class MetricTracker:
    """Sums of the loss and of each metric's per-batch stats (see model/metric.py).

    `update` only queues device ops; `result` copies the totals to the host once, summed over
    every process under torchrun, and turns them into values.
    """

    def __init__(self, metrics: dict[str, Metric], num_outputs: int, device: torch.device):
        self.metrics = metrics
        self.sizes = [2, *(m.size(num_outputs) for m in metrics.values())]  # loss: sum, count
        dtype = torch.float32 if device.type == "mps" else torch.float64  # MPS has no float64
        self._totals = torch.zeros(sum(self.sizes), dtype=dtype, device=device)
        self.totals: dict[str, list[float]] = {}  # by name, as of the last `result()`

    def reset(self) -> None:
        self._totals.zero_()

    def update(self, loss: torch.Tensor, output: torch.Tensor, target: torch.Tensor) -> None:
        """Add one batch (its mean loss and its outputs)."""
        output, n = output.detach(), target.shape[0]
        loss_sums = torch.stack([loss.detach().float() * n, loss.new_tensor(float(n))])
        parts = [loss_sums, *(m.stats(output, target) for m in self.metrics.values())]
        self._totals.add_(torch.cat([p.to(self._totals.dtype) for p in parts]))

    def result(self) -> dict[str, float]:
        """The loss and each metric over every batch seen (NaN if none was)."""
        flat = all_reduce_sum(self._totals.clone()).tolist()  # sync point: device -> host
        chunks, start = [], 0
        for size in self.sizes:
            chunks.append(flat[start : start + size])
            start += size
        self.totals = dict(zip(["loss", *self.metrics], chunks, strict=True))
        loss_sum, count = chunks[0]
        result = {"loss": loss_sum / count if count else math.nan}
        for (name, metric), totals in zip(self.metrics.items(), chunks[1:], strict=True):
            result[name] = metric.value(totals)
        return result

    def state_dict(self) -> dict[str, object]:
        return {"totals": self._totals.cpu()}

    def load_state_dict(self, state: dict[str, object]) -> None:
        self._totals.copy_(state["totals"])  # type: ignore[arg-type]
