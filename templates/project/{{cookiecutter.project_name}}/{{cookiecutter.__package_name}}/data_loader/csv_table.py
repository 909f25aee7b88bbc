"""Tabular data from a CSV file: feature columns in, a target column out.

Numeric columns are standardized with the mean and standard deviation of the training split
only (nothing about the validation or test rows leaks into training); other columns are
one-hot encoded with the categories seen in training. What was learned is kept as plain data
(`preprocessing`) in every checkpoint, so predict.py prepares new rows exactly like these.
"""

import csv
import math
import random
from pathlib import Path
from typing import Any, Literal

import torch
from torch.utils.data import Dataset

from ..base import BaseDataLoader, three_way_split

Split = Literal["train", "val", "test"]
Task = Literal["classification", "regression"]


class TabularDataset(Dataset):
    """A PyTorch Dataset is three things: it is built once (`__init__`), it knows how many
    samples it has (`__len__`), and it returns sample `i` as (input, target) (`__getitem__`).
    The DataLoader asks for samples by index and stacks them into batches."""

    def __init__(self, features: torch.Tensor, targets: torch.Tensor) -> None:
        self.features = features  # (rows, encoded features), float32
        self.targets = targets  # (rows,): class indices (long) or values (float32)

    def __len__(self) -> int:
        return len(self.targets)

    def __getitem__(self, i: int) -> tuple[torch.Tensor, torch.Tensor]:
        return self.features[i], self.targets[i]


def read_csv(path: Path) -> list[dict[str, str]]:
    try:
        with open(path, newline="", encoding="utf-8-sig") as f:
            return list(csv.DictReader(f))
    except FileNotFoundError:
        raise ValueError(
            f"CSV file {str(path)!r} not found: put your table there, or set "
            "data_loader.args.data_dir and file"
        ) from None


def _number(text: str) -> float | None:
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def fit_preprocessing(
    rows: list[dict[str, str]], features: list[str], target: str, task: Task, classes: list[str]
) -> dict[str, Any]:
    """Learn from the training rows: each feature's kind and statistics."""
    columns = {}
    for name in features:
        values = [row[name] for row in rows if row[name] != ""]
        numbers = [_number(v) for v in values]
        if values and all(n is not None for n in numbers):
            mean = sum(numbers) / len(numbers)  # type: ignore[arg-type]
            var = sum((n - mean) ** 2 for n in numbers) / len(numbers)  # type: ignore[operator]
            columns[name] = {"mean": mean, "std": math.sqrt(var) or 1.0}
        else:
            columns[name] = {"categories": sorted(set(values))}
    classes = classes if task == "classification" else [target]
    return {"columns": columns, "target": target, "task": task, "classes": classes}


def encode_features(rows: list[dict[str, str]], prep: dict[str, Any]) -> torch.Tensor:
    """Rows -> a float matrix: standardized numbers (missing: the training mean, i.e. 0), then
    one column per category (a category unseen in training: all zeros)."""
    encoded = []
    for row in rows:
        values: list[float] = []
        for name, column in prep["columns"].items():
            if "mean" in column:
                number = _number(row.get(name, ""))
                values.append(0.0 if number is None else (number - column["mean"]) / column["std"])
            else:
                values += [float(row.get(name) == c) for c in column["categories"]]
        encoded.append(values)
    return torch.tensor(encoded, dtype=torch.float32)


def encode_targets(rows: list[dict[str, str]], prep: dict[str, Any]) -> torch.Tensor:
    if prep["task"] == "classification":
        index = {name: i for i, name in enumerate(prep["classes"])}
        return torch.tensor([index[row[prep["target"]]] for row in rows])
    values = [_number(row[prep["target"]]) for row in rows]
    if any(v is None for v in values):
        raise ValueError(f"target column {prep['target']!r} has a value that is not a number")
    return torch.tensor(values, dtype=torch.float32)


class TableRows(Dataset):
    """Sample i: (row i encoded like the training rows, "file:row")."""

    def __init__(self, paths: list[Path], preprocessing: dict[str, Any]) -> None:
        rows, self.names = [], []
        for path in paths:
            for number, row in enumerate(read_csv(path), start=2):  # line 1: the header
                rows.append(row)
                self.names.append(f"{path}:{number}")
        self.features = encode_features(rows, preprocessing)

    def __len__(self) -> int:
        return len(self.names)

    def __getitem__(self, i: int) -> tuple[torch.Tensor, str]:
        return self.features[i], self.names[i]


class CsvDataLoader(BaseDataLoader):
    """Rows of `data_dir/file`, split into train/val/test by `split_seed`."""

    @staticmethod
    def prediction_data(inputs: list[Path], preprocessing: dict[str, Any]) -> Dataset:
        """New rows (CSV files with the feature columns), prepared like the training rows."""
        return TableRows(inputs, preprocessing)

    def __init__(
        self,
        target: str,
        features: list[str],
        task: Task = "classification",
        data_dir: str = "data/",
        file: str = "data.csv",
        split: Split = "train",
        batch_size: int = 64,
        val_fraction: float = 0.1,
        test_fraction: float = 0.2,
        split_seed: int = 0,
        fold: list[int] | None = None,  # [k, K]: k-fold cross-validation (train.py --folds)
        num_workers: int = 0,
        seed: int = 0,
        limit: int | None = None,
        **options: Any,  # shuffle, sampler, pin_memory, ...: see BaseDataLoader
    ) -> None:
        if task not in ("classification", "regression"):
            raise ValueError(
                f"data_loader.args.task must be classification or regression, got {task!r}"
            )
        path = Path(data_dir) / file
        rows = read_csv(path)
        missing = [c for c in [target, *features] if rows and c not in rows[0]]
        if not rows or missing:
            raise ValueError(
                f"{path}: no rows" if not rows else f"{path} has no column(s) {', '.join(missing)}"
            )
        labels = [row[target] for row in rows] if task == "classification" else None
        indices = three_way_split(len(rows), val_fraction, test_fraction, split_seed, fold, labels)
        # Statistics come from the training rows only, whichever split this loader serves;
        # the class names from every row (a class may be rare enough to miss a split).
        classes = sorted({row[target] for row in rows})
        train_rows = [rows[i] for i in indices["train"]]
        prep = fit_preprocessing(train_rows, features, target, task, classes)
        chosen = [rows[i] for i in indices[split]][:limit]
        dataset = TabularDataset(encode_features(chosen, prep), encode_targets(chosen, prep))
        super().__init__(
            dataset,
            batch_size=batch_size,
            train=split == "train",
            num_workers=num_workers,
            seed=seed,
            output_names=prep["classes"],
            preprocessing=prep,
            task=task,
            targets=dataset.targets.tolist() if task == "classification" else None,
            **options,
        )


def write_sample(data_dir: Path, rows: int = 400) -> None:
    """A small learnable table, `data_dir/data.csv`: features x1, x2 (numbers) and color
    (a category); targets `label` (a class) and `value` (a number)."""
    rng = random.Random(0)
    Path(data_dir).mkdir(parents=True, exist_ok=True)
    with open(Path(data_dir) / "data.csv", "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["x1", "x2", "color", "label", "value"])
        for _ in range(rows):
            x1, x2 = rng.uniform(-2, 2), rng.uniform(0, 10)
            color = rng.choice(["red", "green", "blue"])
            score = x1 + 0.2 * x2 + {"red": -1.0, "green": 0.0, "blue": 1.0}[color]
            label = "low" if score < 0 else "mid" if score < 2 else "high"
            writer.writerow([f"{x1:.4f}", f"{x2:.4f}", color, label, f"{2 * score:.4f}"])
