"""curves.png: loss, each metric and the learning rate per epoch, training against
validation, drawn from metrics.csv (matplotlib, without a display)."""

import csv
import math
import os
from pathlib import Path

NOT_CURVES = ("epoch", "epoch_time", "data_wait")  # bookkeeping columns, not plotted


def read_columns(path: Path) -> dict[str, list[float]]:
    """metrics.csv as columns of floats (a missing or bad value: nan)."""
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    columns: dict[str, list[float]] = {name: [] for name in (rows[0] if rows else {})}
    for row in rows:
        for name in columns:
            try:
                columns[name].append(float(row[name]))
            except (TypeError, ValueError):
                columns[name].append(math.nan)
    return columns


def best_epoch(columns: dict[str, list[float]], metric: str, mode: str) -> tuple[float, float]:
    """(best value, its epoch) of `metric` (mode: min or max); (nan, nan) if it has none."""
    pairs = zip(columns.get(metric, []), columns.get("epoch", []), strict=False)
    finite = [(value, epoch) for value, epoch in pairs if not math.isnan(value)]
    return (min if mode == "min" else max)(finite, default=(math.nan, math.nan))


def panels(columns: dict[str, list[float]]) -> list[str]:
    """One panel per training quantity (its val_ twin drawn in it), the learning rate last."""
    names = [n for n in columns if n not in NOT_CURVES and not n.startswith("val_") and n != "lr"]
    names += [n[4:] for n in columns if n.startswith("val_") and n[4:] not in columns]
    return names + (["lr"] if "lr" in columns else [])


def draw_curves(metrics_csv: Path, out: Path, title: str = "") -> None:
    """Write `out` (PNG) from `metrics_csv`, atomically: a reader never sees half a file."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    columns = read_columns(metrics_csv)
    names = panels(columns)
    if not names or not columns.get("epoch"):
        return
    cols = min(3, len(names))
    rows = -(-len(names) // cols)
    figure = Figure(figsize=(4.2 * cols, 3.0 * rows))  # (a layout engine triples the time)
    figure.subplots_adjust(left=0.07, right=0.98, bottom=0.1, top=0.9, hspace=0.5, wspace=0.25)
    FigureCanvasAgg(figure)
    epochs = columns["epoch"]
    for i, name in enumerate(names):
        axes = figure.add_subplot(rows, cols, i + 1)
        if name in columns:
            axes.plot(epochs, columns[name], marker=".", label="train" if name != "lr" else None)
        if f"val_{name}" in columns:
            axes.plot(epochs, columns[f"val_{name}"], marker=".", label="val")
            axes.legend(fontsize="small")
        if name == "lr" or (name == "loss" and min(columns[name], default=1) > 0):
            axes.set_yscale("log")
        axes.set_title(name, fontsize="medium")
        axes.set_xlabel("epoch")
        axes.xaxis.set_major_locator(MaxNLocator(integer=True))
        axes.grid(alpha=0.3)
    if title:
        figure.suptitle(title)
    partial = out.with_name(f".{out.name}.{os.getpid()}.tmp")
    figure.savefig(partial, format="png", dpi=72)
    os.replace(partial, out)
