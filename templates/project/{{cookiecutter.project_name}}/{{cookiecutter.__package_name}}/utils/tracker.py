"""Running averages kept on the device: reading them is the only host-device sync."""

import math

import torch

from .distributed import all_reduce_sum


class MetricTracker:
    """Batch-size-weighted means of a fixed list of metrics (e.g. loss, accuracy).

    `update` only queues device ops; `result` copies the totals to the host once.
    """

    def __init__(self, names: list[str], device: torch.device) -> None:
        self.names = list(names)
        dtype = torch.float32 if device.type == "mps" else torch.float64  # MPS has no float64
        self._totals = torch.zeros(len(self.names), dtype=dtype, device=device)
        self._count = 0

    def reset(self) -> None:
        self._totals.zero_()
        self._count = 0

    def update(self, values: torch.Tensor, n: int) -> None:
        """Add one batch: `values` holds the batch mean of each metric, in `names` order."""
        self._totals.add_(values.detach().to(self._totals.dtype), alpha=n)
        self._count += n

    def result(self) -> dict[str, float]:
        """The means over every batch seen, by all processes under torchrun."""
        totals = torch.cat([self._totals, self._totals.new_tensor([self._count])])
        *sums, count = all_reduce_sum(totals).tolist()  # sync point: device -> host
        if count == 0:  # e.g. every batch skipped: the columns stay, as NaN
            return dict.fromkeys(self.names, math.nan)
        return {name: total / count for name, total in zip(self.names, sums, strict=True)}

    def state_dict(self) -> dict[str, object]:
        return {"totals": self._totals.cpu(), "count": self._count}

    def load_state_dict(self, state: dict[str, object]) -> None:
        self._totals.copy_(state["totals"])  # type: ignore[arg-type]
        self._count = int(state["count"])  # type: ignore[call-overload]
