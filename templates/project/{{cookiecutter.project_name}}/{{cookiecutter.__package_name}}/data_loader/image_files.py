"""Image files as model inputs (predict.py): read, resized and normalized the way the training
images were, from the `preprocessing` a checkpoint carries."""

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import torch
from PIL import Image
from torch.utils.data import Dataset

RESAMPLING = {
    "bilinear": Image.Resampling.BILINEAR,
    "bicubic": Image.Resampling.BICUBIC,
    "nearest": Image.Resampling.NEAREST,
}
IMAGE_SUFFIXES = frozenset({".png", ".jpg", ".jpeg", ".bmp", ".gif", ".tif", ".tiff", ".webp"})


def image_preprocessing(
    channels: int,
    size: int,
    mean: Sequence[float],
    std: Sequence[float],
    resize: int | None = None,
    interpolation: str = "bilinear",
) -> dict[str, Any]:
    """What a checkpoint needs to prepare new images as the evaluation images were: plain
    values only. With `resize`, the shorter side is resized to it and the centre cut out."""
    spec = {"channels": channels, "size": size, "mean": list(mean), "std": list(std)}
    return {"image": spec | {"resize": resize, "interpolation": interpolation}}


def resize_and_crop(image: Image.Image, spec: dict[str, Any]) -> Image.Image:
    """`spec["size"]` square, as `transforms.image_transform` makes evaluation images."""
    size, resize = spec["size"], spec.get("resize")
    method = RESAMPLING[spec.get("interpolation", "bilinear")]
    if resize is None:
        return image.resize((size, size), method)
    width, height = image.size
    short, long = min(width, height), max(width, height)
    long = int(resize * long / short)  # the shorter side becomes `resize`
    image = image.resize((resize, long) if width <= height else (long, resize), method)
    left = int(round((image.width - size) / 2.0))
    top = int(round((image.height - size) / 2.0))
    return image.crop((left, top, left + size, top + size))


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
                image = resize_and_crop(image, spec)
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
