"""Your images, one folder per class: `data_dir/<class>/*.png`, split by fractions, or
`data_dir/train/<class>/...` with optional `val/` and `test/` beside it.

Training images are augmented (random resized crop, horizontal flip) when `augment` is on;
the others are resized (to `image_size`, or the shorter side to `resize_size` and the centre
cut out) and every image is normalized with `mean`/`std`: for a pretrained backbone,
config.yaml holds its weights' own preprocessing.
"""

import random
from pathlib import Path
from typing import Any, Literal

import torch
from PIL import Image
from torch.utils.data import Dataset
from torchvision.transforms import v2

from ..base import BaseDataLoader, three_way_split
from .image_files import IMAGE_SUFFIXES, ImageInputs, image_preprocessing
from .transforms import image_transform

Split = Literal["train", "val", "test"]
IMAGENET_MEAN, IMAGENET_STD = (0.485, 0.456, 0.406), (0.229, 0.224, 0.225)


class ImageFolderDataset(Dataset):
    """A Dataset is three methods. `__init__` finds every (image path, class index) pair
    once; `__len__` says how many there are; `__getitem__(i)` opens image i only when the
    DataLoader asks for it (so a large folder never has to fit in memory) and transforms it."""

    def __init__(self, samples: list[tuple[Path, int]], transform: v2.Transform) -> None:
        self.samples = samples
        self.transform = transform

    def __len__(self) -> int:
        return len(self.samples)

    def __getitem__(self, i: int) -> tuple[torch.Tensor, int]:
        path, label = self.samples[i]
        with Image.open(path) as image:
            return self.transform(image.convert("RGB")), label


def list_classes(root: Path) -> list[str]:
    classes = sorted(p.name for p in root.iterdir() if p.is_dir() and not p.name.startswith("."))
    if not classes:
        raise ValueError(f"{root}: no class folders (expected {root}/<class>/<image files>)")
    return classes


def list_samples(root: Path, classes: list[str]) -> list[tuple[Path, int]]:
    samples = [
        (path, index)
        for index, name in enumerate(classes)
        if (root / name).is_dir()
        for path in sorted((root / name).rglob("*"))
        if path.suffix.lower() in IMAGE_SUFFIXES
    ]
    if not samples:
        raise ValueError(f"{root}: no images ({', '.join(sorted(IMAGE_SUFFIXES))})")
    return samples


class ImageFolderDataLoader(ImageInputs, BaseDataLoader):
    def __init__(
        self,
        data_dir: str = "data/",
        split: Split = "train",
        image_size: int = 64,
        resize_size: int | None = None,
        interpolation: str = "bilinear",
        augment: bool = True,
        mean: tuple[float, float, float] = IMAGENET_MEAN,
        std: tuple[float, float, float] = IMAGENET_STD,
        batch_size: int = 32,
        val_fraction: float = 0.1,
        test_fraction: float = 0.2,
        split_seed: int = 0,
        fold: list[int] | None = None,  # [k, K]: k-fold cross-validation (train.py --folds)
        num_workers: int = 2,
        seed: int = 0,
        limit: int | None = None,
        **options: Any,  # shuffle, sampler, pin_memory, ...: see BaseDataLoader
    ) -> None:
        root = Path(data_dir)
        if not root.is_dir():
            raise ValueError(f"image folder {str(root)!r} not found: put <class>/<images> there")
        if (root / "train").is_dir():  # separate folders; a missing val/ or test/ is cut
            classes = list_classes(root / "train")  # from train/, and left out of training
            if fold is not None and (root / "val").is_dir():
                raise ValueError(
                    f"data_loader.args.fold: k-fold draws val from the training images; "
                    f"{root / 'val'} is a separate val/ folder"
                )
            pool = list_samples(root / "train", classes)
            cut = {
                name: 0.0 if (root / name).is_dir() else fraction
                for name, fraction in (("val", val_fraction), ("test", test_fraction))
            }
            labels = [label for _, label in pool]
            parts = three_way_split(len(pool), cut["val"], cut["test"], split_seed, fold, labels)
            if split != "train" and (root / split).is_dir():
                samples = list_samples(root / split, classes)
            else:
                samples = [pool[i] for i in parts[split]]
        else:
            classes = list_classes(root)
            every = list_samples(root, classes)
            labels = [label for _, label in every]
            indices = three_way_split(
                len(every), val_fraction, test_fraction, split_seed, fold, labels
            )[split]
            samples = [every[i] for i in indices]
        # Augmentation draws from torch's RNG: in the main process (num_workers: 0) it is part
        # of the checkpointed state; in workers it follows each worker's seed.
        augmentation = (
            [v2.RandomResizedCrop(image_size, scale=(0.6, 1.0)), v2.RandomHorizontalFlip()]
            if augment and split == "train"
            else []
        )
        transform = image_transform(
            image_size, mean, std, resize_size, interpolation, augmentation=augmentation
        )
        dataset = ImageFolderDataset(samples[:limit], transform)
        super().__init__(
            dataset,
            batch_size=batch_size,
            train=split == "train",
            num_workers=num_workers,
            seed=seed,
            output_names=classes,
            preprocessing=image_preprocessing(
                3, image_size, mean, std, resize=resize_size, interpolation=interpolation
            ),
            targets=[label for _, label in dataset.samples],
            **options,
        )


def write_sample(data_dir: Path, per_class: int = 40, size: int = 32) -> None:
    """A small learnable image folder: three classes (a red, green or blue square on noise)."""
    rng = random.Random(0)
    for k, name in enumerate(["red", "green", "blue"]):
        folder = Path(data_dir) / name
        folder.mkdir(parents=True, exist_ok=True)
        for i in range(per_class):
            pixels = bytearray(rng.randrange(60) for _ in range(size * size * 3))
            x, y = rng.randrange(size // 2), rng.randrange(size // 2)
            for row in range(y, y + size // 2):
                for col in range(x, x + size // 2):
                    pixels[(row * size + col) * 3 + k] = 255
            Image.frombytes("RGB", (size, size), bytes(pixels)).save(folder / f"{i}.png")
