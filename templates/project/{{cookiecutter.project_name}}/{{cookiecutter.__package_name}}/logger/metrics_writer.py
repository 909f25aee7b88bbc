"""Per-epoch metrics: appended to metrics.csv{% if cookiecutter.tensorboard %}, written to
TensorBoard{% endif %} and drawn in curves.png.
{%- if cookiecutter.wandb or cookiecutter.mlflow %}

Trackers ({% if cookiecutter.wandb %}W&B{% endif %}{% if cookiecutter.wandb and cookiecutter.mlflow %}, {% endif %}{% if cookiecutter.mlflow %}MLflow{% endif %}) also get the config, the training loss at each log step
and the best checkpoint; one that fails (network, bad key, ...) is reported once and switched
off, never stopping training.
{% endif %}"""

import csv
import logging
import time
from pathlib import Path
from typing import Any

from .curves import draw_curves
{%- if cookiecutter.mlflow %}
from .mlflow_tracker import MlflowTracker
{%- endif %}
{%- if cookiecutter.tensorboard %}
from .tensorboard import TensorboardWriter
{%- endif %}
{%- if cookiecutter.wandb %}
from .wandb_tracker import WandbTracker
{%- endif %}
{%- if cookiecutter.wandb or cookiecutter.mlflow %}


def flatten(config: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """{"optimizer": {"args": {"lr": 0.1}}} -> {"optimizer.args.lr": 0.1}"""
    flat: dict[str, Any] = {}
    for key, value in config.items():
        if isinstance(value, dict):
            flat |= flatten(value, f"{prefix}{key}.")
        else:
            flat[f"{prefix}{key}"] = value
    return flat
{%- endif %}


class MetricsWriter:
    def __init__(self, run_dir: Path, config: dict[str, Any]) -> None:
        self.path = Path(run_dir) / "metrics.csv"
        self.curves = Path(run_dir) / "curves.png"
        self._fields: list[str] | None = None  # the columns, fixed by the first row
        self._drawing = {"last": -float("inf"), "cost": 0.0, "failed": False}
{%- if cookiecutter.tensorboard or cookiecutter.wandb or cookiecutter.mlflow %}
        switches = config["trainer"]
{%- endif %}
{%- if cookiecutter.tensorboard %}
        self.tensorboard = (
            TensorboardWriter(Path(run_dir) / "tensorboard") if switches["tensorboard"] else None
        )
{%- endif %}
{%- if cookiecutter.wandb or cookiecutter.mlflow %}
        # Trackers start on their first log, which happens on the main process only.
        self.trackers: list[Any] = []
        hyperparameters, project = flatten(config), str(config.get("name", "runs"))
{%- if cookiecutter.wandb %}
        if switches["wandb"]:
            self.trackers.append(WandbTracker(Path(run_dir), project, hyperparameters))
{%- endif %}
{%- if cookiecutter.mlflow %}
        if switches["mlflow"]:
            self.trackers.append(MlflowTracker(Path(run_dir), project, hyperparameters))
{%- endif %}
{%- endif %}

{%- if cookiecutter.wandb or cookiecutter.mlflow %}

    def tracker_ids(self) -> dict[str, str]:
        """The trackers' run ids, saved in checkpoints so that a resumed run continues them."""
        return {t.name: t.run_id for t in self.trackers if t.run_id is not None}

    def continue_trackers(self, ids: dict[str, str]) -> None:
        for tracker in self.trackers:
            tracker.resume_id = ids.get(tracker.name)

    def _track(self, method: str, *args: Any) -> None:
        for tracker in list(self.trackers):
            try:
                getattr(tracker, method)(*args)
            except Exception as exc:  # a tracker must never cost a run
                self.trackers.remove(tracker)
                logging.getLogger(__name__).warning(
                    f"{tracker.name} switched off for this run: {type(exc).__name__}: {exc}"
                )

    def write_step(self, step: int, metrics: dict[str, float]) -> None:
        """Training metrics at an optimizer step (trackers only; metrics.csv is per epoch)."""
        self._track("log", metrics, step, "step")

    def log_artifact(self, path: Path) -> None:
        self._track("log_artifact", path)
{%- endif %}

    def truncate_after(self, epoch: int) -> None:
        """Drop rows past `epoch` (left by a run that stopped after its last checkpoint)."""
        if not self.path.exists():
            return
        with open(self.path, newline="", encoding="utf-8") as f:
            rows = list(csv.reader(f))
        kept = [rows[0]] + [row for row in rows[1:] if int(row[0]) <= epoch] if rows else []
        with open(self.path, "w", newline="", encoding="utf-8") as f:
            csv.writer(f).writerows(kept)

    def write(self, epoch: int, metrics: dict[str, float]) -> None:
        """Append one row; the columns are those of the first row (a missing value: nan)."""
        row = {"epoch": epoch, **metrics}
        new_file = self._fields is None and not self.path.exists()
        if self._fields is None:  # read once: a resumed run keeps the file's columns
            self._fields = list(row)
            if not new_file:
                with open(self.path, newline="", encoding="utf-8") as f:
                    self._fields = next(csv.reader(f), None) or self._fields
        with open(self.path, "a", newline="", encoding="utf-8") as f:
            writer = csv.DictWriter(
                f, fieldnames=self._fields, restval="nan", extrasaction="ignore"
            )
            if new_file:
                writer.writeheader()
            writer.writerow({k: repr(v) if isinstance(v, float) else v for k, v in row.items()})
        self.draw()
{%- if cookiecutter.tensorboard %}
        if self.tensorboard is not None:
            self.tensorboard.write(epoch, metrics)
{%- endif %}
{%- if cookiecutter.wandb or cookiecutter.mlflow %}
        self._track("log", metrics, epoch, "epoch")
{%- endif %}

    def draw(self, always: bool = False) -> None:
        """Redraw curves.png. Drawing takes at most ~10% of the time between epochs (on very
        short epochs it skips some, and `close` draws the last); a failure is logged once
        and never stops training."""
        state = self._drawing
        if state["failed"] or self._fields is None:  # nothing written by this process
            return
        if not always and time.monotonic() - state["last"] < 10 * state["cost"]:
            return
        start = time.monotonic()
        try:
            run = self.path.parent
            draw_curves(self.path, self.curves, title=f"{run.parent.name}/{run.name}")
        except Exception as exc:  # a plot must never cost a run
            state["failed"] = True
            logging.getLogger(__name__).warning(f"curves.png not drawn: {exc}")
            return
        state["last"] = time.monotonic()
        state["cost"] = state["last"] - start

    def close(self) -> None:
        self.draw(always=True)
{%- if cookiecutter.wandb or cookiecutter.mlflow %}
        best = self.path.parent / "model_best.pt"
        if self.trackers and self._fields is not None and best.exists():
            self.log_artifact(best)
        self._track("close")
{%- endif %}
{%- if cookiecutter.tensorboard %}
        if self.tensorboard is not None:
            self.tensorboard.close()
{%- endif %}
