"""Metrics from summed counts equal the textbook formulas over the whole split, however it is
cut into batches."""

import math

import torch

from {{ cookiecutter.__package_name }}.model import metric
from {{ cookiecutter.__package_name }}.utils import MetricTracker


def track(metrics: dict, outputs: torch.Tensor, targets: torch.Tensor, batch: int) -> dict:
    tracker = MetricTracker(metrics, outputs.shape[1], torch.device("cpu"))
    for start in range(0, len(targets), batch):
        out, tgt = outputs[start : start + batch], targets[start : start + batch]
        tracker.update(torch.tensor(0.5), out, tgt)
    return tracker.result()


def test_classification_metrics_over_uneven_batches():
    targets = torch.tensor([0, 0, 0, 1, 1, 2, 2, 2, 2, 1])
    predicted = torch.tensor([0, 1, 0, 1, 2, 2, 2, 0, 2, 1])
    outputs = torch.nn.functional.one_hot(predicted, 3).float()
    names = ("accuracy", "top_3_acc", "macro_f1", "confusion_matrix")
    metrics = {n: getattr(metric, n) for n in names}
    for batch in (1, 3, 10):
        result = track(metrics, outputs, targets, batch)
        assert result["accuracy"] == 0.7 and result["top_3_acc"] == 1.0
        # per class F1 = 2 tp / (predicted + actual): 2*2/(3+3), 2*2/(3+3), 2*3/(4+4)
        assert math.isclose(result["macro_f1"], (4 / 6 + 4 / 6 + 6 / 8) / 3)
        assert result["loss"] == 0.5


def test_regression_metrics():
    targets = torch.tensor([1.0, 2.0, 3.0, 4.0])
    outputs = torch.tensor([[1.5], [2.0], [2.0], [4.0]])
    result = track({"mae": metric.mae, "rmse": metric.rmse, "r2": metric.r2}, outputs, targets, 3)
    assert math.isclose(result["mae"], 1.5 / 4)
    assert math.isclose(result["rmse"], math.sqrt(1.25 / 4))
    assert math.isclose(result["r2"], 1 - 1.25 / 5.0)
