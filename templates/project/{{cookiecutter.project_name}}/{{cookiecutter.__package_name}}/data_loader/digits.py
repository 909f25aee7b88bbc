"""scikit-learn's bundled 8x8 handwritten digits: 1,797 images, no download needed."""

from typing import Any, Literal

import torch
from sklearn.datasets import load_digits
from torch.utils.data import TensorDataset

from ..base import BaseDataLoader, three_way_split
from .image_files import ImageInputs, image_preprocessing

Split = Literal["train", "val", "test"]


def digits_split(
    split: Split,
    val_fraction: float,
    test_fraction: float,
    split_seed: int,
    fold: list[int] | None = None,
) -> TensorDataset:
    """One split of the digits, chosen by `split_seed` (and `fold`) alone (the same test set
    whatever the training seed); pixels scaled to [0, 1]."""
    data = load_digits()
    images = torch.tensor(data.images, dtype=torch.float32).unsqueeze(1) / 16.0
    labels = torch.tensor(data.target, dtype=torch.long)
    splits = three_way_split(
        len(labels), val_fraction, test_fraction, split_seed, fold, data.target.tolist()
    )
    indices = splits[split]
    return TensorDataset(images[indices], labels[indices])


class DigitsDataLoader(ImageInputs, BaseDataLoader):
    def __init__(
        self,
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
        dataset = digits_split(split, val_fraction, test_fraction, split_seed, fold)
        if limit is not None:  # a small slice, for smoke tests
            dataset = TensorDataset(*dataset[:limit])
        super().__init__(
            dataset,
            batch_size=batch_size,
            train=split == "train",
            num_workers=num_workers,
            seed=seed,
            output_names=[str(digit) for digit in range(10)],
            preprocessing=image_preprocessing(channels=1, size=8, mean=(0.0,), std=(1.0,)),
            targets=dataset.tensors[1].tolist(),
            **options,
        )
