"""Metrics return 0-dim tensors on the output's device: no `.item()`, no host-device sync."""

import torch


def accuracy(output: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    return (output.argmax(dim=1) == target).float().mean()


def top_k_acc(output: torch.Tensor, target: torch.Tensor, k: int = 3) -> torch.Tensor:
    top = output.topk(k, dim=1).indices
    return (top == target.unsqueeze(1)).any(dim=1).float().mean()
