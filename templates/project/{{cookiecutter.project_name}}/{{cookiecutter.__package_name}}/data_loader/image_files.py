"""Image files as model inputs (predict.py): read, resized and normalized the way the training
images were, from the `preprocessing` a checkpoint carries."""

from pathlib import Path
from typing import Any

import torch
from PIL import Image
from torch.utils.data import Dataset

IMAGE_SUFFIXES = frozenset({".png", ".jpg", ".jpeg", ".bmp", ".gif", ".tif", ".tiff", ".webp"})


def image_preprocessing(channels: int, size: int, mean: tuple, std: tuple) -> dict[str, Any]:
    """What a checkpoint needs to prepare new images: plain numbers only."""
    return {"image": {"channels": channels, "size": size, "mean": list(mean), "std": list(std)}}


def find_images(inputs: list[Path]) -> list[Path]:
    """The image files among `inputs`; folders are searched recursively, in name order."""
    found: list[Path] = []
    for path in inputs:
        if path.is_dir():
            found += sorted(p for p in path.rglob("*") if p.suffix.lower() in IMAGE_SUFFIXES)
        elif path.suffix.lower() in IMAGE_SUFFIXES:
            found.append(path)
        else:
            kinds = ", ".join(sorted(IMAGE_SUFFIXES))
            raise ValueError(f"{path}: not an image ({kinds}) or a folder")
    return found


class ImageFiles(Dataset):
    """Sample i: (the i-th image as a normalized tensor, its path)."""

    def __init__(self, paths: list[Path], preprocessing: dict[str, Any]) -> None:
        self.paths = paths
        self.spec = preprocessing["image"]

    def __len__(self) -> int:
        return len(self.paths)

    def __getitem__(self, i: int) -> tuple[torch.Tensor, str]:
        spec = self.spec
        try:
            with Image.open(self.paths[i]) as image:
                image = image.convert("L" if spec["channels"] == 1 else "RGB")
                image = image.resize((spec["size"], spec["size"]), Image.Resampling.BILINEAR)
                data = torch.frombuffer(bytearray(image.tobytes()), dtype=torch.uint8)
        except OSError as exc:
            raise ValueError(f"{self.paths[i]}: cannot read the image ({exc})") from None
        pixels = data.reshape(spec["size"], spec["size"], spec["channels"]).permute(2, 0, 1)
        mean = torch.tensor(spec["mean"]).reshape(-1, 1, 1)
        std = torch.tensor(spec["std"]).reshape(-1, 1, 1)
        return (pixels.float() / 255.0 - mean) / std, str(self.paths[i])


class ImageInputs:
    """For loaders of image datasets: new image files, prepared like the training images."""

    @staticmethod
    def prediction_data(inputs: list[Path], preprocessing: dict[str, Any]) -> Dataset:
        return ImageFiles(find_images(inputs), preprocessing)
