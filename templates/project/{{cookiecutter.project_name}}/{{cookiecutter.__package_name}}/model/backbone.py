"""Any torchvision classification model by name (resnet18, resnet50, mobilenet_v3_small,
efficientnet_b0, convnext_tiny, vit_b_16, ...), its head replaced for this task's outputs.

Transfer learning: `weights` loads pretrained weights (DEFAULT: torchvision's, downloaded once
into the torch hub cache; or a local .pth state_dict, which works offline); `freeze: backbone`
trains only the head until `unfreeze_at_epoch`; `backbone_lr_scale` gives the backbone a
smaller learning rate than the head (two optimizer parameter groups).
"""

from pathlib import Path

import torch
import torch.nn as nn
import torchvision

from ..base import BaseModel, check_positive_int


class Backbone(BaseModel):
    def __init__(
        self,
        name: str,
        num_classes: int,
        weights: str | None = None,
        freeze: str | None = None,
        unfreeze_at_epoch: int | None = None,
        backbone_lr_scale: float = 1.0,
    ) -> None:
        check_positive_int("num_classes", num_classes)
        if name not in torchvision.models.list_models(module=torchvision.models):
            raise ValueError(f"arch.args.name: {name!r} is not a torchvision classification model")
        if freeze not in (None, "backbone"):
            raise ValueError(f"arch.args.freeze must be null or backbone, got {freeze!r}")
        if unfreeze_at_epoch is not None:
            check_positive_int("unfreeze_at_epoch", unfreeze_at_epoch)
        if not isinstance(backbone_lr_scale, (int, float)) or backbone_lr_scale <= 0:
            raise ValueError(f"arch.args.backbone_lr_scale must be > 0, got {backbone_lr_scale!r}")
        super().__init__()
        self.net = torchvision.models.get_model(name, weights=None)
        if weights is not None:
            try:
                self.net.load_state_dict(pretrained_state_dict(name, weights))
            except RuntimeError as exc:  # another architecture's weights
                reason = str(exc).strip().splitlines()[-1].strip()
                raise ValueError(f"arch.args.weights do not fit {name}: {reason}") from None
        self.head_name = replace_head(self.net, num_classes)
        self.freeze, self.unfreeze_at_epoch = freeze, unfreeze_at_epoch
        self.backbone_lr_scale = backbone_lr_scale
        self.frozen = False
        self.set_frozen(freeze == "backbone")

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)

    def is_head(self, parameter_name: str) -> bool:
        return parameter_name.startswith(f"net.{self.head_name}.")

    def set_frozen(self, frozen: bool) -> None:
        """Freeze (or release) every parameter outside the head."""
        self.frozen = frozen
        for name, parameter in self.named_parameters():
            parameter.requires_grad_(not frozen or self.is_head(name))
        self.train(self.training)

    def before_epoch(self, epoch: int) -> None:
        """Called by the trainer: releases the backbone from `unfreeze_at_epoch` on (derived
        from the epoch alone, so a resumed run is in the same state)."""
        if self.freeze == "backbone":
            unfrozen = self.unfreeze_at_epoch is not None and epoch >= self.unfreeze_at_epoch
            if unfrozen == self.frozen:
                self.set_frozen(not unfrozen)

    def train(self, mode: bool = True) -> "Backbone":
        """Frozen BatchNorm layers stay in eval mode, so their running statistics do not drift
        while the head trains."""
        super().train(mode)
        if self.frozen:
            for module in self.net.modules():
                if isinstance(module, nn.modules.batchnorm._BatchNorm):
                    module.eval()
        return self

    def parameter_groups(self, lr: float) -> list[dict[str, object]]:
        """Every parameter from the start (frozen ones have no gradient, so the optimizer skips
        them until they are released): the backbone at `lr * backbone_lr_scale`, the head at
        `lr`."""
        named = list(self.named_parameters())
        backbone = [p for n, p in named if not self.is_head(n)]
        head = [p for n, p in named if self.is_head(n)]
        return [{"params": backbone, "lr": lr * self.backbone_lr_scale}, {"params": head, "lr": lr}]


def replace_head(net: nn.Module, num_classes: int) -> str:
    """Swap the last Linear layer (fc, classifier[-1], heads.head, ...) for one with
    `num_classes` outputs; return its dotted name."""
    name = [n for n, m in net.named_modules() if isinstance(m, nn.Linear)][-1]
    parent_name, _, child = name.rpartition(".")
    parent = net.get_submodule(parent_name) if parent_name else net
    old = getattr(parent, child)
    setattr(parent, child, nn.Linear(old.in_features, num_classes))
    return name


def pretrained_state_dict(name: str, weights: str) -> dict[str, torch.Tensor]:
    """`DEFAULT` (or another torchvision weights name): from the torch hub cache, downloaded
    once. Anything else: a path to a state_dict file (e.g. one torchvision published)."""
    if weights.upper() == weights and "/" not in weights and not weights.endswith(".pth"):
        enum = torchvision.models.get_model_weights(name)
        try:
            chosen = enum[weights] if weights != "DEFAULT" else enum.DEFAULT
        except KeyError:
            raise ValueError(f"arch.args.weights: {name} has no weights {weights!r}") from None
        cache = Path(torch.hub.get_dir()) / "checkpoints" / Path(chosen.url).name
        try:
            return chosen.get_state_dict(progress=False)
        except OSError as exc:  # offline: say where the file would go
            raise ValueError(
                f"cannot download {name} weights ({exc}); put the file at {cache} or set "
                "arch.args.weights to a local .pth"
            ) from None
    path = Path(weights)
    if not path.is_file():
        raise ValueError(f"arch.args.weights: {weights!r} is not a file")
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:
        raise ValueError(f"arch.args.weights: cannot read {path}: {exc}") from None
    for key in ("model", "state_dict"):  # a checkpoint that wraps the weights
        if isinstance(state, dict) and isinstance(state.get(key), dict):
            state = state[key]
    if not isinstance(state, dict):
        raise ValueError(f"arch.args.weights: {path} holds no state_dict")
    return {k.removeprefix("net."): v for k, v in state.items()}
