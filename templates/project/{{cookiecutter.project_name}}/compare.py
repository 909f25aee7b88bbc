"""Compare runs: `python compare.py runs/<name>/*` (run folders, or folders holding them).

Prints one row per run: the best value of the monitored metric and its epoch, the epochs run,
the training time, and every config value that differs between the runs. Writes one plot,
the monitored metric per epoch of every run overlaid (`-o`, default compare.png).
"""

import argparse
import math
import sys
from pathlib import Path
from typing import Any

from {{ cookiecutter.__package_name }}.config import ConfigError, load_yaml
from {{ cookiecutter.__package_name }}.logger.curves import best_epoch, read_columns

SKIPPED = ("trainer.save_dir",)  # differs between runs without changing them


def find_runs(paths: list[Path]) -> list[Path]:
    """Run folders (holding metrics.csv and config.yaml) at or below `paths`, in order."""
    runs: list[Path] = []
    for path in paths:
        if not path.is_dir():
            raise ValueError(f"{path}: not a folder")
        found = sorted(
            p.parent for p in path.rglob("metrics.csv") if (p.parent / "config.yaml").is_file()
        )
        if not found:
            raise ValueError(f"{path}: no run folders (with metrics.csv and config.yaml) in it")
        runs += [p for p in found if p not in runs]
    return runs


def flatten(value: Any, prefix: str = "") -> dict[str, Any]:
    if isinstance(value, dict):
        return {
            key: leaf for k, v in value.items() for key, leaf in flatten(v, f"{prefix}{k}.").items()
        }
    return {prefix.rstrip("."): value}


def summarize(run: Path) -> dict[str, Any]:
    config = load_yaml(run / "config.yaml")
    mode, _, metric = str(config["trainer"].get("monitor", "min val_loss")).partition(" ")
    columns = read_columns(run / "metrics.csv")
    best = best_epoch(columns, metric, mode)
    return {
        "run": run,
        "config": flatten(config),
        "metric": metric,
        "mode": mode,
        "curve": (columns.get("epoch", []), columns.get(metric, [])),
        "best": best[0],
        "best_epoch": best[1],
        "epochs": len(columns.get("epoch", [])),
        "time": sum(t for t in columns.get("epoch_time", []) if not math.isnan(t)),
    }


def differences(summaries: list[dict[str, Any]]) -> list[str]:
    keys = sorted({k for s in summaries for k in s["config"]} - set(SKIPPED))
    return [k for k in keys if len({repr(s["config"].get(k)) for s in summaries}) > 1]


def table(summaries: list[dict[str, Any]]) -> list[list[str]]:
    metric = summaries[0]["metric"]
    keys = differences(summaries)
    rows = [["run", f"best {metric}", "at epoch", "epochs", "time (s)", *keys]]
    for s in summaries:
        rows.append(
            [
                f"{s['run'].parent.name}/{s['run'].name}",
                f"{s['best']:.4g}",
                f"{s['best_epoch']:.0f}" if not math.isnan(s["best_epoch"]) else "-",
                str(s["epochs"]),
                f"{s['time']:.1f}",
                *(str(s["config"].get(k, "-")) for k in keys),
            ]
        )
    return rows


def plot(summaries: list[dict[str, Any]], out: Path) -> None:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    figure = Figure(figsize=(7, 4.5))
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    for s in summaries:
        epochs, values = s["curve"]
        axes.plot(epochs, values, marker=".", label=f"{s['run'].parent.name}/{s['run'].name}")
    axes.set_xlabel("epoch")
    axes.xaxis.set_major_locator(MaxNLocator(integer=True))
    axes.set_ylabel(summaries[0]["metric"])
    axes.grid(alpha=0.3)
    axes.legend(fontsize="small")
    figure.savefig(out, format="png", dpi=80)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("runs", nargs="+", type=Path, help="run folders or folders of them")
    parser.add_argument("-o", "--output", type=Path, default=Path("compare.png"))
    parser.add_argument("--force", action="store_true", help="replace an existing output")
    args = parser.parse_args(argv)
    try:
        if args.output.exists() and not args.force:
            raise ValueError(f"{args.output} exists; use --force to replace it")
        summaries = [summarize(run) for run in find_runs(args.runs)]
        metrics = {s["metric"] for s in summaries}
        if len(metrics) > 1:
            raise ValueError(f"the runs monitor different metrics ({', '.join(sorted(metrics))})")
        rows = table(summaries)
        widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
        for row in rows:
            print("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)))
        plot(summaries, args.output)
    except (ValueError, ConfigError, OSError, KeyError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"plot: {args.output}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
