import torch.nn as nn


class BaseModel(nn.Module):
    """Base class for models: `print(model)` also shows the trainable parameter count."""

    def num_parameters(self) -> int:
        return sum(p.numel() for p in self.parameters() if p.requires_grad)

    def __str__(self) -> str:
        return f"{super().__str__()}\nTrainable parameters: {self.num_parameters():,}"


def check_positive_int(name: str, value: object) -> None:
    """Model arguments come from the config: say which one is wrong, in one line."""
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise ValueError(f"arch.args.{name} must be an integer >= 1, got {value!r}")
