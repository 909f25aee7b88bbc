"""Per-epoch metrics: appended to metrics.csv{% if cookiecutter.tensorboard %}, written to TensorBoard{% endif %} and drawn in curves.png."""

import csv
import logging
import time
from pathlib import Path

from .curves import draw_curves
{%- if cookiecutter.tensorboard %}
from .tensorboard import TensorboardWriter
{%- endif %}


class MetricsWriter:
    def __init__(self, run_dir: Path{% if cookiecutter.tensorboard %}, tensorboard: bool = True{% endif %}) -> None:
        self.path = Path(run_dir) / "metrics.csv"
        self.curves = Path(run_dir) / "curves.png"
        self._fields: list[str] | None = None  # the columns, fixed by the first row
        self._drawing = {"last": -float("inf"), "cost": 0.0, "failed": False}
{%- if cookiecutter.tensorboard %}
        self.tensorboard = TensorboardWriter(Path(run_dir) / "tensorboard") if tensorboard else None
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
{%- if cookiecutter.tensorboard %}
        if self.tensorboard is not None:
            self.tensorboard.close()
{%- endif %}
