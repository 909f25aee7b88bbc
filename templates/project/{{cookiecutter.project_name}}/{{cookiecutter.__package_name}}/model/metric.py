"""Metrics as sums: each batch adds its counts to a tensor on the device (no `.item()`, no
host-device sync), and the value comes from the totals once per epoch. Totals add up across
batches and across processes, so macro F1 and R² are exact over the whole split, not averages
of per-batch values.

`metrics:` in config.yaml names the instances at the bottom of this file.
"""

import math

import torch


class Metric:
    """`stats(output, target)`: a 1-D float tensor of sums for one batch, `size(n)` long for a
    model with `n` outputs; `value(totals)`: the metric from the summed stats."""

    def size(self, num_outputs: int) -> int:
        raise NotImplementedError

    def stats(self, output: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError

    def value(self, totals: list[float]) -> float:
        raise NotImplementedError

    def __call__(self, output: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        return self.stats(output, target)


def _ratio(num: float, den: float) -> float:
    return num / den if den else math.nan


class TopKAccuracy(Metric):
    """Share of samples whose class is among the `k` highest outputs (k=1: accuracy)."""

    def __init__(self, k: int = 1) -> None:
        self.k = k

    def size(self, num_outputs: int) -> int:
        return 2

    def stats(self, output: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        top = output.topk(min(self.k, output.shape[1]), dim=1).indices
        hits = (top == target.unsqueeze(1)).any(dim=1).sum()
        return torch.stack([hits, hits.new_tensor(target.shape[0])]).float()

    def value(self, totals: list[float]) -> float:
        return _ratio(totals[0], totals[1])


def confusion_counts(output: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """counts[true * n + predicted], flattened n x n, for n classes."""
    n = output.shape[1]
    index = target * n + output.argmax(dim=1)
    return torch.bincount(index, minlength=n * n).float()


class ConfusionMatrix(Metric):
    """Counts of (true class, predicted class); `value` is the accuracy, `matrix` the table."""

    def size(self, num_outputs: int) -> int:
        return num_outputs * num_outputs

    def stats(self, output: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        return confusion_counts(output, target)

    @staticmethod
    def matrix(totals: list[float]) -> list[list[int]]:
        n = math.isqrt(len(totals))
        return [[int(totals[i * n + j]) for j in range(n)] for i in range(n)]

    def value(self, totals: list[float]) -> float:
        n = math.isqrt(len(totals))
        return _ratio(sum(totals[i * n + i] for i in range(n)), sum(totals))


class MacroF1(ConfusionMatrix):
    """F1 per class from the confusion counts, averaged over the classes that occur."""

    def value(self, totals: list[float]) -> float:
        table = self.matrix(totals)
        scores = []
        for c in range(len(table)):
            tp = table[c][c]
            predicted, actual = sum(row[c] for row in table), sum(table[c])
            if predicted or actual:
                scores.append(_ratio(2 * tp, predicted + actual))
        return sum(scores) / len(scores) if scores else math.nan


class Regression(Metric):
    """Sums for MAE, RMSE and R² (targets of any shape matching the output)."""

    def size(self, num_outputs: int) -> int:
        return 5  # |e|, e², y, y², count

    def stats(self, output: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        output = output.float().reshape(target.shape)
        target = target.float()
        error = output - target
        count = torch.tensor(float(target.numel()), device=target.device)
        sums = (error.abs().sum(), error.square().sum(), target.sum(), target.square().sum())
        return torch.stack([*sums, count])


class MAE(Regression):
    def value(self, totals: list[float]) -> float:
        return _ratio(totals[0], totals[4])


class RMSE(Regression):
    def value(self, totals: list[float]) -> float:
        return math.sqrt(_ratio(totals[1], totals[4]))


class R2(Regression):
    """1 - residual sum of squares / total sum of squares (about the mean)."""

    def value(self, totals: list[float]) -> float:
        abs_err, sq_err, y, y2, n = totals
        total = y2 - y * y / n if n else 0.0
        return 1.0 - sq_err / total if total > 0 else math.nan


accuracy = TopKAccuracy(1)
top_3_acc = TopKAccuracy(3)
macro_f1 = MacroF1()
confusion_matrix = ConfusionMatrix()
mae = MAE()
rmse = RMSE()
r2 = R2()
