"""Checkpoint I/O: plain data only, written atomically, read with `weights_only=True`, and
checked against a checksum of everything it holds."""

import contextlib
import hashlib
import os
import shutil
import struct
import tempfile
from pathlib import Path
from typing import Any

import torch

FORMAT = "ptgen-checkpoint/1"
REQUIRED_KEYS = (
    "format",
    "checksum",
    "arch",
    "epoch",
    "model",
    "config",
    "output_names",
    "preprocessing",
)
# What a full resume needs besides REQUIRED_KEYS (written by BaseTrainer and Trainer).
RESUME_KEYS = (
    "batch",
    "global_step",
    "optimizer",
    "monitor_best",
    "not_improved",
    "rng",
    "lr_scheduler",
    "scaler",
    "data",
    "train_metrics",
)


class CheckpointError(Exception):
    """A checkpoint that cannot be used, with a one-line reason."""


def checksum(state: Any) -> str:
    """SHA-256 over every tensor's bytes, dtype and shape and every other value, in key order:
    any change to the weights or the training state changes it."""
    digest = hashlib.sha256()

    def feed(value: Any) -> None:
        if isinstance(value, torch.Tensor):
            tensor = value.detach().cpu().contiguous()
            digest.update(f"T{tensor.dtype}{tuple(tensor.shape)}".encode())
            digest.update(tensor.reshape(-1).view(torch.uint8).numpy())
        elif isinstance(value, dict):
            digest.update(f"D{len(value)}".encode())
            for key in sorted(value, key=repr):
                feed(key)
                feed(value[key])
        elif isinstance(value, (list, tuple)):
            digest.update(f"L{len(value)}".encode())
            for item in value:
                feed(item)
        elif isinstance(value, float):
            digest.update(b"F" + struct.pack("<d", value))
        else:
            digest.update(f"V{type(value).__name__}:{value!r}".encode())

    feed(state)
    return digest.hexdigest()


def _to_cpu(value: Any) -> Any:
    if isinstance(value, torch.Tensor):
        return value.detach().cpu()
    if isinstance(value, dict):
        return {k: _to_cpu(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_to_cpu(v) for v in value)
    return value


def save_checkpoint(state: dict[str, Any], path: Path) -> None:
    """Write `state` to `path` so that a crash mid-save never damages the previous file.

    The data goes to a temporary file in the same folder, is flushed and fsync'ed, then
    `os.replace` swaps it in (atomic on POSIX and Windows).
    """
    path = Path(path)
    state = _to_cpu({"format": FORMAT, **state})  # one copy from the device, hashed and saved
    state["checksum"] = checksum(state)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            torch.save(state, f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    _fsync_dir(path.parent)


def link_checkpoint(source: Path, target: Path) -> None:
    """Make `target` hold the same bytes as `source` (a hard link when possible), atomically."""
    tmp = target.with_name(f".{target.name}.link.tmp")
    tmp.unlink(missing_ok=True)
    try:
        try:
            os.link(source, tmp)
        except OSError:  # file systems without hard links
            shutil.copyfile(source, tmp)
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _fsync_dir(folder: Path) -> None:
    if os.name != "posix":
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def load_checkpoint(
    path: Path | str, map_location: str | torch.device = "cpu", for_resume: bool = False
) -> dict[str, Any]:
    """Load a checkpoint written by `save_checkpoint`; anything else is a `CheckpointError`.

    `for_resume`: also require everything an exact resume needs.
    """
    path = Path(path)
    if not path.is_file():
        raise CheckpointError(f"checkpoint '{path}' does not exist or is not a file")
    try:
        state = torch.load(path, map_location=map_location, weights_only=True)
    except Exception as exc:  # truncated, corrupted, foreign, unreadable: never unpickle more
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise CheckpointError(
            f"checkpoint '{path}' cannot be read (truncated, corrupted or not a safe "
            f"PyTorch file): {reason[:200]}"
        ) from None
    if not isinstance(state, dict) or state.get("format") != FORMAT:
        raise CheckpointError(
            f"'{path}' is not a checkpoint written by this project's train.py "
            f"(expected format {FORMAT!r})"
        )
    needed = REQUIRED_KEYS + (RESUME_KEYS if for_resume else ())
    missing = [key for key in needed if key not in state]
    if missing:
        raise CheckpointError(f"checkpoint '{path}' is incomplete: missing {', '.join(missing)}")
    expected = state.pop("checksum")
    with contextlib.suppress(Exception):
        if checksum(state) == expected:
            return state
    raise CheckpointError(f"checkpoint '{path}' is damaged: its contents do not match its checksum")


def load_weights(path: Path | str) -> dict[str, Any]:
    """Weights to fine-tune from: a checkpoint of this project, or a plain state_dict file
    (a published .pth file, `torch.save(model.state_dict(), ...)`), as
    {"model": state_dict}. Read with `weights_only=True` either way."""
    try:
        return load_checkpoint(path)
    except CheckpointError as exc:
        if "is not a checkpoint written by" not in str(exc):
            raise
    state = torch.load(path, map_location="cpu", weights_only=True)
    for key in ("model", "state_dict"):
        if isinstance(state, dict) and isinstance(state.get(key), dict):
            state = state[key]
    if not isinstance(state, dict) or not all(isinstance(v, torch.Tensor) for v in state.values()):
        raise CheckpointError(f"'{path}' holds neither a checkpoint nor a state_dict of tensors")
    return {"model": state}
