"""Per-epoch metrics: appended to metrics.csv{% if cookiecutter.tensorboard %} and written to TensorBoard{% endif %}."""

import csv
from pathlib import Path
{%- if cookiecutter.tensorboard %}

from .tensorboard import TensorboardWriter
{%- endif %}


class MetricsWriter:
    def __init__(self, run_dir: Path{% if cookiecutter.tensorboard %}, tensorboard: bool = True{% endif %}) -> None:
        self.path = Path(run_dir) / "metrics.csv"
        self._fields: list[str] | None = None  # the columns, fixed by the first row
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
{%- if cookiecutter.tensorboard %}
        if self.tensorboard is not None:
            self.tensorboard.write(epoch, metrics)
{%- endif %}

    def close(self) -> None:
{%- if cookiecutter.tensorboard %}
        if self.tensorboard is not None:
            self.tensorboard.close()
{%- else %}
        pass
{%- endif %}
