"""Image transforms (torchvision v2) for training and evaluation, from numbers in config.yaml.

Evaluation images are prepared the way pretrained torchvision weights expect (their
`weights.transforms()`): the shorter side resized to `resize`, the centre `size` x `size`
cut out, then scaled to [0, 1] and normalized. Without `resize` they go straight to
`size` x `size`. Training images pass through the loader's random augmentation first.
"""

from collections.abc import Sequence

import torch
from torchvision.transforms import v2

INTERPOLATIONS = {
    "bilinear": v2.InterpolationMode.BILINEAR,
    "bicubic": v2.InterpolationMode.BICUBIC,
    "nearest": v2.InterpolationMode.NEAREST,
}


def interpolation_mode(name: str) -> v2.InterpolationMode:
    if name not in INTERPOLATIONS:
        raise ValueError(
            f"data_loader.args.interpolation: use {' or '.join(INTERPOLATIONS)}, not {name!r}"
        )
    return INTERPOLATIONS[name]


def image_transform(
    size: int | None,
    mean: Sequence[float],
    std: Sequence[float],
    resize: int | None = None,
    interpolation: str = "bilinear",
    augmentation: Sequence[v2.Transform] = (),
) -> v2.Compose:
    """PIL image -> float tensor (channels, size, size), normalized with `mean` and `std`.
    `size` None: the images already have the network's input size."""
    mode = interpolation_mode(interpolation)
    if size is None:
        geometry = list(augmentation)
    elif augmentation:  # random crops and flips, then to the network's input size
        geometry = [*augmentation, v2.Resize((size, size), interpolation=mode, antialias=True)]
    elif resize is not None:
        geometry = [v2.Resize(resize, interpolation=mode, antialias=True), v2.CenterCrop(size)]
    else:
        geometry = [v2.Resize((size, size), interpolation=mode, antialias=True)]
    return v2.Compose(
        [
            *geometry,  # on the PIL image: as predict.py prepares new images
            v2.ToImage(),  # PIL -> uint8 tensor
            v2.ToDtype(torch.float32, scale=True),  # uint8 0..255 -> float 0..1
            v2.Normalize(mean, std),
        ]
    )
