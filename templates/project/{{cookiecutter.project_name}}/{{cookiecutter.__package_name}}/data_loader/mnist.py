"""MNIST through torchvision: downloaded into `data_dir` on first use (or read from there)."""

from pathlib import Path
from typing import Literal

from torch.utils.data import Subset
from torchvision import datasets, transforms

from ..base import BaseDataLoader, check_fractions, split_indices

Split = Literal["train", "val", "test"]
MEAN, STD = 0.1307, 0.3081


class MnistDataLoader(BaseDataLoader):
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
    ) -> None:
        check_fractions(val_fraction=val_fraction)
        transform = transforms.Compose(
            [transforms.ToTensor(), transforms.Normalize((MEAN,), (STD,))]
        )
        try:
            full = datasets.MNIST(
                data_dir, train=split != "test", download=download, transform=transform
            )
        except RuntimeError as exc:  # not on disk, and the download failed or was not allowed
            reason = str(exc).splitlines()[0]
            raise ValueError(
                f"MNIST not available in {data_dir!r} ({reason}); put the four *-ubyte files "
                f"in {Path(data_dir) / 'MNIST' / 'raw'} or set data_loader.args.download: true"
            ) from None
        if split == "test":
            indices = list(range(len(full)))
        else:
            kept, val = split_indices(len(full), val_fraction, split_seed)
            indices = kept if split == "train" else val
        dataset = Subset(full, indices[:limit] if limit is not None else indices)
        super().__init__(
            dataset,
            batch_size=batch_size,
            shuffle=split == "train",
            num_workers=num_workers,
            seed=seed,
            pin_memory=pin_memory,
        )
