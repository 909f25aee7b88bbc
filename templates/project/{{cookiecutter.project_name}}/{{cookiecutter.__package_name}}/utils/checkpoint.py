"""Checkpoint I/O: plain data only, written atomically, read with `weights_only=True`."""

import os
import pickle
import tempfile
import zipfile
from pathlib import Path
from typing import Any

import torch

FORMAT = "ptgen-checkpoint/1"
REQUIRED_KEYS = ("format", "arch", "epoch", "model", "config")


class CheckpointError(Exception):
    """A checkpoint that cannot be used, with a one-line reason."""


def save_checkpoint(state: dict[str, Any], path: Path) -> None:
    """Write `state` to `path` so that a crash mid-save never damages the previous file.

    The data goes to a temporary file in the same folder, is flushed and fsync'ed, then
    `os.replace` swaps it in (atomic on POSIX and Windows).
    """
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            torch.save({"format": FORMAT, **state}, f)
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
        os.link(source, tmp)
    except OSError:  # file systems without hard links
        import shutil

        shutil.copyfile(source, tmp)
    os.replace(tmp, target)


def _fsync_dir(folder: Path) -> None:
    if os.name != "posix":
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def load_checkpoint(path: Path | str, map_location: str | torch.device = "cpu") -> dict[str, Any]:
    """Load a checkpoint written by `save_checkpoint`; anything else is a `CheckpointError`."""
    path = Path(path)
    if not path.is_file():
        raise CheckpointError(f"checkpoint '{path}' does not exist")
    try:
        state = torch.load(path, map_location=map_location, weights_only=True)
    except (pickle.UnpicklingError, RuntimeError, EOFError, ValueError, zipfile.BadZipFile) as exc:
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
    missing = [key for key in REQUIRED_KEYS if key not in state]
    if missing:
        raise CheckpointError(f"checkpoint '{path}' is incomplete: missing {', '.join(missing)}")
    return state
