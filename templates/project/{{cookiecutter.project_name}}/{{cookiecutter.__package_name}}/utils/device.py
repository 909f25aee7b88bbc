"""Device and mixed-precision selection."""

import torch

AMP_MODES = ("auto", "bf16", "fp16", "off")


def select_device(spec: str = "auto") -> torch.device:
    """`auto`: CUDA, else Apple MPS, else CPU. `cpu`, `cuda`, `cuda:N` and `mps` are explicit."""
    if spec == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda")
        if torch.backends.mps.is_available():
            return torch.device("mps")
        return torch.device("cpu")
    try:
        device = torch.device(spec)
    except RuntimeError:
        raise ValueError(
            f"device {spec!r} is not valid; use auto, cpu, cuda, cuda:N or mps"
        ) from None
    if device.type == "cuda":
        if not torch.cuda.is_available():
            raise ValueError(f"device {spec!r} requested but CUDA is not available here")
        if device.index is not None and device.index >= torch.cuda.device_count():
            count = torch.cuda.device_count()
            raise ValueError(f"device {spec!r} requested but only {count} CUDA device(s) exist")
    elif device.type == "mps" and not torch.backends.mps.is_available():
        raise ValueError(f"device {spec!r} requested but Apple MPS is not available here")
    elif device.type not in ("cpu", "cuda", "mps"):
        raise ValueError(f"device {spec!r} is not valid; use auto, cpu, cuda, cuda:N or mps")
    return device


def autocast_dtype(amp: str, device: torch.device) -> torch.dtype | None:
    """The autocast dtype for `amp` on `device`, or None for full precision.

    `auto`: bf16 on CUDA devices that support it, fp16 (with a GradScaler) on older CUDA
    devices, off elsewhere.
    """
    if amp not in AMP_MODES:
        raise ValueError(f"trainer.amp {amp!r} is not valid; use one of {', '.join(AMP_MODES)}")
    if amp == "auto":
        if device.type != "cuda":
            return None
        return torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
    return {"bf16": torch.bfloat16, "fp16": torch.float16, "off": None}[amp]
