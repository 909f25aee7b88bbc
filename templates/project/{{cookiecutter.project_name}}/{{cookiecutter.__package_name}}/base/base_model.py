import torch.nn as nn


class BaseModel(nn.Module):
    """Base class for models: `print(model)` also shows the trainable parameter count."""

    def num_parameters(self) -> int:
        return sum(p.numel() for p in self.parameters() if p.requires_grad)

    def __str__(self) -> str:
        return f"{super().__str__()}\nTrainable parameters: {self.num_parameters():,}"
