"""Image datasets that torchvision reads from `data_dir` (downloading them once if allowed)."""

from pathlib import Path
from typing import Any, ClassVar, Literal

import numpy as np
import torch
from torch.utils.data import Dataset, Subset
from torchvision.transforms import v2

from ..base import BaseDataLoader, check_fractions, fold_split, split_indices
from .image_files import ImageInputs, image_preprocessing
from .transforms import image_transform

Split = Literal["train", "val", "test"]


class TorchvisionDataLoader(ImageInputs, BaseDataLoader):
    """Train/val from the official training set (split by `split_seed`), test from the official
    test set. Subclasses name the dataset class, its normalization and the files it reads;
    they may set `image_size` (and `resize_size`, `interpolation`) and `augmentation`."""

    dataset_class: ClassVar[type[Dataset]]
    mean: tuple[float, ...]
    std: tuple[float, ...]
    channels: ClassVar[int] = 1
    stored_size: ClassVar[int] = 28  # height = width of the images in the files
    image_size: int = 28  # ... and as the network sees them
    resize_size: int | None = None
    interpolation: str = "bilinear"
    files: ClassVar[str] = "its four *-ubyte files"  # what to put where, when not on disk
    folder: ClassVar[str] = "{name}/raw"  # where, under data_dir

    def __init__(
        self,
        data_dir: str = "data/",
        split: Split = "train",
        batch_size: int = 128,
        val_fraction: float = 0.1,
        split_seed: int = 0,
        fold: list[int] | None = None,  # [k, K]: k-fold cross-validation (train.py --folds)
        download: bool = True,
        num_workers: int = 2,
        seed: int = 0,
        limit: int | None = None,
        **options: Any,  # shuffle, sampler, pin_memory, ...: see BaseDataLoader
    ) -> None:
        check_fractions(val_fraction=val_fraction)
        # PIL image -> float tensor in [0, 1] -> standardized with the dataset's statistics.
        as_stored = self.image_size == self.stored_size and self.resize_size is None
        transform = image_transform(
            None if as_stored else self.image_size,
            self.mean,
            self.std,
            self.resize_size,
            self.interpolation,
            augmentation=self.augmentation() if split == "train" else [],
        )
        name = self.dataset_class.__name__
        try:
            full = self.dataset_class(  # type: ignore[call-arg]
                data_dir, train=split != "test", download=download, transform=transform
            )
        except (RuntimeError, OSError) as exc:  # not on disk; the download failed or was off
            reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            where = Path(data_dir) / self.folder.format(name=name)
            raise ValueError(
                f"{name} not available in {data_dir!r} ({reason}); put {self.files} in "
                f"{where} or set data_loader.args.download: true"
            ) from None
        targets = torch.as_tensor(full.targets)  # type: ignore[attr-defined]
        if split == "test":
            indices = list(range(len(full)))  # type: ignore[arg-type]
        elif fold is not None:  # val: fold k of the official training set, stratified
            kept, val = fold_split(range(len(targets)), fold, split_seed, targets.tolist())
            indices = kept if split == "train" else val
        else:
            kept, val = split_indices(len(full), val_fraction, split_seed)  # type: ignore[arg-type]
            indices = kept if split == "train" else val
        dataset = Subset(full, indices[:limit] if limit is not None else indices)
        super().__init__(
            dataset,
            batch_size=batch_size,
            train=split == "train",
            num_workers=num_workers,
            seed=seed,
            output_names=list(full.classes),  # type: ignore[attr-defined]
            preprocessing=image_preprocessing(
                self.channels,
                self.image_size,
                self.mean,
                self.std,
                self.resize_size,
                self.interpolation,
            ),
            targets=targets[torch.as_tensor(dataset.indices)].tolist(),
            **options,
        )

    def augmentation(self) -> list[v2.Transform]:
        """Random transforms of training images (none by default)."""
        return []


def write_idx(path: Path, array: np.ndarray) -> None:
    """Write `array` (uint8) in the idx format of MNIST-style datasets."""
    header = bytes([0, 0, 0x08, array.ndim]) + b"".join(
        int(d).to_bytes(4, "big") for d in array.shape
    )
    path.write_bytes(header + array.astype(np.uint8).tobytes())


def write_idx_sample(raw: Path, n_train: int = 240, n_test: int = 60) -> None:
    """A tiny learnable dataset in MNIST's file layout (class k: a bright bar at row 2k, plus
    noise), for tests and offline smoke runs."""
    rng = np.random.default_rng(0)
    raw.mkdir(parents=True, exist_ok=True)
    for prefix, n in (("train", n_train), ("t10k", n_test)):
        labels = np.arange(n) % 10
        images = rng.integers(0, 40, size=(n, 28, 28))
        for i, k in enumerate(labels):
            images[i, 2 + 2 * k : 8 + 2 * k, 4:20] = 255
        write_idx(raw / f"{prefix}-images-idx3-ubyte", images)
        write_idx(raw / f"{prefix}-labels-idx1-ubyte", labels)
