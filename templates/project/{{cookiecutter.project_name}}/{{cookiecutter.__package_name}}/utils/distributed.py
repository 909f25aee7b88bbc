"""Multi-process training under `torchrun` (PyTorch DDP); every helper is a no-op otherwise.

Start N processes (one per GPU) with `torchrun --standalone --nproc_per_node=N train.py ...`.
"""

import os
from typing import Any

import torch
import torch.distributed as dist

from .device import select_device


def init_distributed(device_spec: str) -> tuple[torch.device, int, int]:
    """Return (device, rank, world_size); under torchrun, join the process group first.

    Each process takes the GPU of its local rank (NCCL), or the CPU (Gloo).
    """
    if "RANK" not in os.environ:
        return select_device(device_spec), 0, 1
    local_rank = int(os.environ["LOCAL_RANK"])
    device = select_device(device_spec)
    if device.type == "cuda":
        device = torch.device("cuda", local_rank)
        torch.cuda.set_device(device)
        dist.init_process_group("nccl", device_id=device)
    else:
        device = torch.device("cpu")
        dist.init_process_group("gloo")
    return device, dist.get_rank(), dist.get_world_size()


def is_distributed() -> bool:
    return dist.is_available() and dist.is_initialized()


def rank() -> int:
    return dist.get_rank() if is_distributed() else 0


def world_size() -> int:
    return dist.get_world_size() if is_distributed() else 1


def is_main() -> bool:
    return rank() == 0


def all_reduce_sum(tensor: torch.Tensor) -> torch.Tensor:
    """Sum `tensor` over all processes, in place."""
    if is_distributed():
        dist.all_reduce(tensor)
    return tensor


def any_process(flag: bool, device: torch.device) -> bool:
    """True on every process if `flag` is true on any (a sync point when distributed)."""
    if not is_distributed():
        return flag
    value = torch.tensor(float(flag), device=device)
    dist.all_reduce(value, op=dist.ReduceOp.MAX)
    return bool(value.item())


def gather(obj: Any) -> list[Any]:
    """Every process's `obj`, indexed by rank."""
    if not is_distributed():
        return [obj]
    result: list[Any] = [None] * world_size()
    dist.all_gather_object(result, obj)
    return result


def broadcast(obj: Any) -> Any:
    """Rank 0's `obj` on every process."""
    if not is_distributed():
        return obj
    box = [obj]
    dist.broadcast_object_list(box, src=0)
    return box[0]


def barrier() -> None:
    if is_distributed():
        dist.barrier()


def cleanup() -> None:
    if is_distributed():
        dist.destroy_process_group()
