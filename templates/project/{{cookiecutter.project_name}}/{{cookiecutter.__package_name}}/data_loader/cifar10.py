"""CIFAR-10 (60,000 32x32 colour images in ten classes), read from the "python version"
files in `data_dir/cifar-10-batches-py/`, downloaded there once if allowed."""

import pickle
from pathlib import Path
from typing import Any

import numpy as np
import torch
from PIL import Image
from torch.utils.data import Dataset
from torchvision.datasets.utils import download_and_extract_archive
from torchvision.transforms import v2

from .torchvision_data import TorchvisionDataLoader

URL = "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz"
ARCHIVE_MD5 = "c58f30108f718f92721af3b95e74349a"  # checked after a download
FOLDER = "cifar-10-batches-py"
TRAIN_FILES = tuple(f"data_batch_{i}" for i in range(1, 6))
TEST_FILES = ("test_batch",)
META_FILE = "batches.meta"
CIFAR10_MEAN, CIFAR10_STD = (0.4914, 0.4822, 0.4465), (0.2470, 0.2435, 0.2616)


class _ArraysOnly(pickle.Unpickler):
    """The batches are pickles; a pickle can name any function to call while loading. Allow
    only what a dict of NumPy arrays, lists and strings needs."""

    ALLOWED = {
        ("numpy.core.multiarray", "_reconstruct"),
        ("numpy._core.multiarray", "_reconstruct"),
        ("numpy", "ndarray"),
        ("numpy", "dtype"),
        ("_codecs", "encode"),  # how protocol 2 stores bytes
    }

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) not in self.ALLOWED:
            raise pickle.UnpicklingError(f"refusing to load {module}.{name}")
        return super().find_class(module, name)


def load_batch(path: Path) -> dict[str, Any]:
    """One batch file as a dict with str keys ("data", "labels" or "label_names")."""
    try:
        with path.open("rb") as file:
            content = _ArraysOnly(file, encoding="latin1").load()
    except (pickle.UnpicklingError, EOFError, ValueError, TypeError) as exc:
        raise ValueError(f"{path}: not a CIFAR-10 batch file ({exc})") from None
    if not isinstance(content, dict):
        raise ValueError(f"{path}: not a CIFAR-10 batch file (no dict inside)")
    return {k.decode() if isinstance(k, bytes) else k: v for k, v in content.items()}


class Cifar10(Dataset):
    """Sample i: (image i, transformed; its class index). All images are held in memory as
    one uint8 array (150 MB for the full training set), so `__getitem__` only slices it."""

    def __init__(
        self, root: str, train: bool, download: bool, transform: v2.Transform | None = None
    ) -> None:
        folder = Path(root) / FOLDER
        names = TRAIN_FILES if train else TEST_FILES
        missing = [n for n in (*names, META_FILE) if not (folder / n).is_file()]
        if missing and download:  # the archive's checksum is verified before extracting
            download_and_extract_archive(URL, root, md5=ARCHIVE_MD5)
            missing = [n for n in (*names, META_FILE) if not (folder / n).is_file()]
        if missing:
            raise RuntimeError(f"missing {', '.join(missing)}")
        images, labels = [], []
        for name in names:
            batch = load_batch(folder / name)
            data, batch_labels = np.asarray(batch.get("data")), list(batch.get("labels", []))
            if data.dtype != np.uint8 or data.ndim != 2 or data.shape[1] != 3 * 32 * 32:
                raise ValueError(f"{folder / name}: 'data' is not N rows of 3072 bytes")
            if len(batch_labels) != len(data):
                raise ValueError(f"{folder / name}: {len(batch_labels)} labels, {len(data)} images")
            images.append(data)
            labels += batch_labels
        self.classes = [str(c) for c in load_batch(folder / META_FILE)["label_names"]]
        if any(not 0 <= int(label) < len(self.classes) for label in labels):
            raise ValueError(f"{folder}: labels outside 0..{len(self.classes) - 1}")
        # Rows hold the red, then green, then blue plane; PIL wants height x width x channel.
        self.images = np.concatenate(images).reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1)
        self.targets = torch.tensor(labels, dtype=torch.long)
        self.transform = transform

    def __len__(self) -> int:
        return len(self.images)

    def __getitem__(self, i: int) -> tuple[Any, int]:
        image = Image.fromarray(self.images[i])
        return (self.transform(image) if self.transform else image), int(self.targets[i])


class Cifar10DataLoader(TorchvisionDataLoader):
    """50,000 training and 10,000 test images (airplane ... truck). Training images are
    augmented the usual way for CIFAR (a random 32x32 crop of the image padded by 4 pixels,
    and a horizontal flip) when `augment` is on."""

    dataset_class = Cifar10
    channels, stored_size = 3, 32
    files = f"data_batch_1..5, test_batch and {META_FILE} (extracted from {URL})"
    folder = FOLDER

    def __init__(
        self,
        image_size: int = 32,
        resize_size: int | None = None,
        interpolation: str = "bilinear",
        mean: tuple[float, float, float] = CIFAR10_MEAN,
        std: tuple[float, float, float] = CIFAR10_STD,
        augment: bool = True,
        **args: Any,  # data_dir, split, batch_size, ...: see TorchvisionDataLoader
    ) -> None:
        self.image_size, self.resize_size = image_size, resize_size
        self.interpolation, self.augment = interpolation, augment
        self.mean, self.std = tuple(mean), tuple(std)
        super().__init__(**args)

    def augmentation(self) -> list[v2.Transform]:
        if not self.augment:
            return []
        return [v2.RandomCrop(32, padding=4), v2.RandomHorizontalFlip()]


def write_sample(data_dir: Path, n_train: int = 250, n_test: int = 60) -> None:
    """Tiny CIFAR-10-format batch files in `data_dir`, readable with `download: false`:
    class k is a bright band at rows 3k..3k+4 in one colour over noise."""
    rng = np.random.default_rng(0)
    folder = Path(data_dir) / FOLDER
    folder.mkdir(parents=True, exist_ok=True)

    def dump(name: str, content: dict[str, Any]) -> None:
        with (folder / name).open("wb") as file:
            pickle.dump(content, file, protocol=2)

    def batch(n: int) -> dict[str, Any]:
        labels = [i % 10 for i in range(n)]
        images = rng.integers(0, 60, size=(n, 3, 32, 32), dtype=np.uint8)
        for i, k in enumerate(labels):
            images[i, k % 3, 3 * k : 3 * k + 4, 2:30] = 255
        return {"data": images.reshape(n, -1), "labels": labels}

    for name in TRAIN_FILES:
        dump(name, batch(n_train // len(TRAIN_FILES)))
    dump(TEST_FILES[0], batch(n_test))
    names = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship"]
    dump(META_FILE, {"label_names": [*names, "truck"]})
