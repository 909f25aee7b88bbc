"""MNIST through torchvision: downloaded into `data_dir` on first use (or read from there)."""

from pathlib import Path

from torchvision import datasets

from .torchvision_data import TorchvisionDataLoader, write_idx_sample


class MnistDataLoader(TorchvisionDataLoader):
    """60,000 training and 10,000 test images of handwritten digits, 28x28 grey."""

    dataset_class = datasets.MNIST
    mean, std = (0.1307,), (0.3081,)


def write_sample(data_dir: Path, n_train: int = 240, n_test: int = 60) -> None:
    """Tiny MNIST-format files in `data_dir`, readable with `download: false`."""
    write_idx_sample(Path(data_dir) / "MNIST" / "raw", n_train, n_test)
