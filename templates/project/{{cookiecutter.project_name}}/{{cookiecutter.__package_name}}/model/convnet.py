import torch
import torch.nn as nn

from ..base import BaseModel, check_positive_int


def conv_block(in_channels: int, out_channels: int) -> nn.Sequential:
    return nn.Sequential(
        nn.Conv2d(in_channels, out_channels, kernel_size=3, padding=1, bias=False),
        nn.BatchNorm2d(out_channels),
        nn.ReLU(inplace=True),
    )


class ConvNet(BaseModel):
    """A small CNN for single-object image classification; works at any input size
    (8x8 digits, 28x28 MNIST) thanks to the global average pool."""

    def __init__(
        self, in_channels: int = 1, num_classes: int = 10, width: int = 32, dropout: float = 0.1
    ) -> None:
        sizes = {"in_channels": in_channels, "num_classes": num_classes, "width": width}
        for name, value in sizes.items():
            check_positive_int(name, value)
        if not isinstance(dropout, (int, float)) or not 0.0 <= dropout < 1.0:
            raise ValueError(f"arch.args.dropout must be in [0, 1), got {dropout!r}")
        super().__init__()
        self.features = nn.Sequential(
            conv_block(in_channels, width),
            conv_block(width, 2 * width),
            nn.MaxPool2d(2),
            conv_block(2 * width, 4 * width),
            nn.AdaptiveAvgPool2d(1),
            nn.Flatten(),
        )
        self.head = nn.Sequential(nn.Dropout(dropout), nn.Linear(4 * width, num_classes))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.features(x))
