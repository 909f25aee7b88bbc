"""Fashion-MNIST through torchvision: downloaded into `data_dir` on first use (or read from
there). Same format as MNIST, ten kinds of clothing instead of digits."""

from pathlib import Path

from torchvision import datasets

from .torchvision_data import TorchvisionDataLoader, write_idx_sample


class FashionMnistDataLoader(TorchvisionDataLoader):
    """60,000 training and 10,000 test images of clothing (T-shirt ... ankle boot), 28x28 grey."""

    dataset_class = datasets.FashionMNIST
    mean, std = (0.2860,), (0.3530,)


def write_sample(data_dir: Path, n_train: int = 240, n_test: int = 60) -> None:
    """Tiny Fashion-MNIST-format files in `data_dir`, readable with `download: false`."""
    write_idx_sample(Path(data_dir) / "FashionMNIST" / "raw", n_train, n_test)
