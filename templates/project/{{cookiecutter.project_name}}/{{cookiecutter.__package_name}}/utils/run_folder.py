"""Run folders: `save_dir/name/YYYYmmdd-HHMMSS`, written only by the run that created it.

Each folder holds a random `.run_id`, also stored in its checkpoints. A resume continues in
place only from that run's own `latest.pt` with an unchanged config; any other checkpoint (an
older `checkpoint-epochN.pt`, a copy elsewhere, a changed config) starts a new folder, so no
run ever writes over files it did not create. A lock keeps two processes out of one folder.
"""

import contextlib
import copy
import os
import shutil
import time
import uuid
from pathlib import Path
from typing import Any

RUN_ID = ".run_id"
LOCK = ".lock"
# What may change when a run continues in its own folder.
CHANGEABLE_ON_RESUME = (("trainer", "epochs"), ("device",))
_held_locks: list[Any] = []  # open lock files, kept for the life of the process


class RunFolderError(Exception):
    """A run folder that cannot be used, with a one-line reason."""


def make_run_dir(save_dir: Path, name: str) -> Path:
    """A fresh folder `save_dir/name/YYYYmmdd-HHMMSS[-N]`; `mkdir` without `exist_ok` makes
    two runs started in the same second get different folders."""
    base = Path(save_dir) / name / time.strftime("%Y%m%d-%H%M%S")
    base.parent.mkdir(parents=True, exist_ok=True)
    for n in range(1000):
        run_dir = base if n == 0 else base.with_name(f"{base.name}-{n}")
        try:
            run_dir.mkdir()
            return run_dir
        except FileExistsError:
            continue
    raise RunFolderError(f"could not create a run folder under {base.parent}")


def read_run_id(folder: Path) -> str | None:
    try:
        return (Path(folder) / RUN_ID).read_text(encoding="utf-8").strip() or None
    except OSError:
        return None


def same_run(folder: Path, checkpoint: dict[str, Any]) -> bool:
    """Whether `folder` is the run folder that wrote `checkpoint`."""
    return checkpoint.get("run_id") is not None and read_run_id(folder) == checkpoint["run_id"]


def _comparable(config: dict[str, Any]) -> dict[str, Any]:
    config = copy.deepcopy(config)
    for *parents, leaf in CHANGEABLE_ON_RESUME:
        node = config
        for part in parents:
            node = node.get(part, {})
        node.pop(leaf, None)
    return config


def resumes_in_place(path: Path, checkpoint: dict[str, Any], config: Any) -> bool:
    """Continue in the checkpoint's folder: it is that run's `latest.pt` and only the epochs
    or the device changed."""
    return (
        path.name == "latest.pt"
        and same_run(path.parent, checkpoint)
        and _comparable(checkpoint["config"]) == _comparable(config.config)
    )


def open_run_folder(save_dir: Path, name: str, resume_in: Path | None) -> tuple[Path, str]:
    """(folder, run id): a new folder, or `resume_in` reopened; locked, stale temporaries gone."""
    if resume_in is None:
        folder, run_id = make_run_dir(save_dir, name), uuid.uuid4().hex
        (folder / RUN_ID).write_text(run_id + "\n", encoding="utf-8")
    else:
        folder, run_id = Path(resume_in), read_run_id(resume_in) or ""
    _lock(folder)
    # Left by a run killed while saving (kill -9, power loss); never a complete file.
    for tmp in folder.glob(".*.tmp"):
        tmp.unlink(missing_ok=True)
    return folder, run_id


def copy_history(source: Path, dest: Path) -> None:
    """Start a new folder with the metrics of the run it continues (trimmed on resume)."""
    if (source / "metrics.csv").is_file():
        shutil.copyfile(source / "metrics.csv", dest / "metrics.csv")


def _lock(folder: Path) -> None:
    try:
        import fcntl
    except ImportError:  # Windows: no advisory locks; one run per folder is up to the user
        return
    handle = open(folder / LOCK, "a+")  # noqa: SIM115 - held until the process exits
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        handle.close()
        raise RunFolderError(
            f"run folder {folder} is in use by another training process; wait for it or "
            "resume into a new folder from a copy of the checkpoint"
        ) from None
    handle.seek(0)
    handle.truncate()
    handle.write(f"{os.getpid()}\n")
    handle.flush()
    _held_locks.append(handle)


def release_locks() -> None:
    while _held_locks:
        with contextlib.suppress(OSError):
            _held_locks.pop().close()
