import torch
import torch.nn as nn

from ..base import BaseModel, check_positive_int


class MLP(BaseModel):
    """Fully connected layers on the flattened input: Linear -> ReLU -> Dropout per hidden
    layer, then a linear head."""

    def __init__(
        self,
        in_features: int,
        num_outputs: int = 10,
        hidden: list[int] | None = None,
        dropout: float = 0.1,
    ) -> None:
        hidden = [256, 128] if hidden is None else hidden
        if not isinstance(hidden, list):
            raise ValueError(f"arch.args.hidden must be a list of layer widths, got {hidden!r}")
        for name, value in (("in_features", in_features), ("num_outputs", num_outputs)):
            check_positive_int(name, value)
        for width in hidden:
            check_positive_int("hidden", width)
        if not isinstance(dropout, (int, float)) or not 0.0 <= dropout < 1.0:
            raise ValueError(f"arch.args.dropout must be in [0, 1), got {dropout!r}")
        super().__init__()
        layers: list[nn.Module] = [nn.Flatten()]
        for width_in, width_out in zip([in_features, *hidden], hidden, strict=False):
            layers += [nn.Linear(width_in, width_out), nn.ReLU(inplace=True), nn.Dropout(dropout)]
        layers.append(nn.Linear(hidden[-1] if hidden else in_features, num_outputs))
        self.net = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)
