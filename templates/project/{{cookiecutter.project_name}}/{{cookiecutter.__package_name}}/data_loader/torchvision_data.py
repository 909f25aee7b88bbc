"""Image datasets that torchvision reads from `data_dir` (downloading them once if allowed)."""

from pathlib import Path
from typing import Any, ClassVar, Literal

import numpy as np
import torch
from torch.utils.data import Dataset, Subset
from torchvision.transforms import v2

from ..base import BaseDataLoader, check_fractions, split_indices
from .image_files import ImageInputs, image_preprocessing

Split = Literal["train", "val", "test"]


class TorchvisionDataLoader(ImageInputs, BaseDataLoader):
    """Train/val from the official training set (split by `split_seed`), test from the official
    test set. Subclasses name the torchvision class and its normalization."""

    dataset_class: ClassVar[type[Dataset]]
    mean: ClassVar[tuple[float, ...]]
    std: ClassVar[tuple[float, ...]]
    channels: ClassVar[int] = 1
    size: ClassVar[int] = 28  # height = width

    def __init__(
        self,
        data_dir: str = "data/",
        split: Split = "train",
        batch_size: int = 128,
        val_fraction: float = 0.1,
        split_seed: int = 0,
        download: bool = True,
        num_workers: int = 2,
        seed: int = 0,
        pin_memory: bool = False,
        limit: int | None = None,
        **options: Any,  # sampler, drop_last, ...: see BaseDataLoader
    ) -> None:
        check_fractions(val_fraction=val_fraction)
        # PIL image -> float tensor in [0, 1] -> standardized with the dataset's statistics.
        transform = v2.Compose(
            [v2.ToImage(), v2.ToDtype(torch.float32, scale=True), v2.Normalize(self.mean, self.std)]
        )
        name = self.dataset_class.__name__
        try:
            full = self.dataset_class(  # type: ignore[call-arg]
                data_dir, train=split != "test", download=download, transform=transform
            )
        except RuntimeError as exc:  # not on disk, and the download failed or was not allowed
            reason = str(exc).splitlines()[0]
            raise ValueError(
                f"{name} not available in {data_dir!r} ({reason}); put its four *-ubyte files "
                f"in {Path(data_dir) / name / 'raw'} or set data_loader.args.download: true"
            ) from None
        if split == "test":
            indices = list(range(len(full)))  # type: ignore[arg-type]
        else:
            kept, val = split_indices(len(full), val_fraction, split_seed)  # type: ignore[arg-type]
            indices = kept if split == "train" else val
        dataset = Subset(full, indices[:limit] if limit is not None else indices)
        super().__init__(
            dataset,
            batch_size=batch_size,
            shuffle=split == "train",
            num_workers=num_workers,
            seed=seed,
            pin_memory=pin_memory,
            output_names=list(full.classes),  # type: ignore[attr-defined]
            preprocessing=image_preprocessing(
                channels=self.channels, size=self.size, mean=self.mean, std=self.std
            ),
            targets=full.targets[torch.as_tensor(dataset.indices)].tolist(),  # type: ignore[attr-defined]
            **options,
        )


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
