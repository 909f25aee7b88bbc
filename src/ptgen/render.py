"""One generation run: render into a staging folder, verify, commit atomically."""

from __future__ import annotations

import contextlib
import ctypes
import errno
import hashlib
import os
import shutil
import signal
import socket
import sys
import tempfile
import threading
from collections.abc import Callable, Iterator, Mapping
from functools import cache
from pathlib import Path
from typing import Any

from ptgen.errors import PtgenError
from ptgen.options import cookiecutter_context

TEMPLATE_NAME = "project"


def template_dir(name: str = TEMPLATE_NAME) -> Path:
    """Locate the template: packaged inside the wheel, or at the top of a source checkout."""
    here = Path(__file__).resolve().parent
    for root in (here / "templates", here.parent.parent / "templates"):
        candidate = root / name
        if (candidate / "cookiecutter.json").is_file():
            return candidate
    raise PtgenError(f"template '{name}' not found: the ptgen installation is incomplete", 1)


STAGING_MARK = ".ptgen-staging"  # inside each staging folder: "<host> <pid>"
STATE_FILE = ".ptgen.yaml"  # in each project: its answers and the template that rendered it


def template_digest(template: Path) -> str:
    """SHA-256 over the template's files (paths and contents; bytecode caches left out)."""
    digest = hashlib.sha256()
    for path in sorted(p for p in template.rglob("*") if p.is_file()):
        rel = path.relative_to(template).as_posix()
        if "__pycache__" in rel.split("/") or path.suffix == ".pyc":
            continue
        digest.update(rel.encode() + b"\0" + hashlib.sha256(path.read_bytes()).digest())
    return "sha256:" + digest.hexdigest()


class Generation:
    """Owns one `ptgen new`: staging -> cookiecutter -> verify -> commit, cleaning up on failure.

    `committed` turns true once the new tree is in place (a later interruption only leaves
    the old tree's removal unfinished).
    """

    def __init__(
        self,
        answers: Mapping[str, Any],
        output_dir: Path,
        *,
        force: bool = False,
        template: Path | None = None,
    ):
        self.answers = dict(answers)
        self.template = template or template_dir()
        self.output_dir = output_dir.absolute()
        self.dest = self.output_dir / self.answers["project_name"]
        self.force = force
        self.committed = False
        self.staging: Path | None = None

    def check_destination(self) -> None:
        if (self.dest.exists() or self.dest.is_symlink()) and not self.force:
            raise PtgenError(f"'{self.dest}' already exists; use --force to replace it")
        if self.dest.is_symlink() or (self.dest.exists() and not self.dest.is_dir()):
            raise PtgenError(f"'{self.dest}' exists and is not a folder; refusing to replace it")

    def dry_run(self) -> list[str]:
        """Render into a throw-away folder and return the relative paths that would be written."""
        self.check_destination()
        with tempfile.TemporaryDirectory(prefix="ptgen-dry-run-") as tmp:
            project = self._render(Path(tmp))
            return [p.relative_to(project).as_posix() for p in sorted(project.rglob("*"))]

    def render_files(self) -> dict[str, bytes]:
        """Render into a throw-away folder; return each file's relative path and content."""
        with tempfile.TemporaryDirectory(prefix="ptgen-render-") as tmp:
            project = self._render(Path(tmp))
            return {
                p.relative_to(project).as_posix(): p.read_bytes()
                for p in sorted(project.rglob("*"))
                if p.is_file()
            }

    def run(self) -> Path:
        self.check_destination()
        created_root = self._make_output_dir()
        remove_stale_staging(self.output_dir)
        try:
            with terminate_as_interrupt():
                self.staging = Path(
                    tempfile.mkdtemp(prefix=f".{self.dest.name}.ptgen-", dir=self.output_dir)
                )
                (self.staging / STAGING_MARK).write_text(_owner(), encoding="utf-8")
                project = self._render(self.staging)
                self._commit(project, self.staging)
        except BaseException:
            if created_root is not None and not self.committed:
                shutil.rmtree(created_root, ignore_errors=True)
            raise
        finally:
            if self.staging is not None:
                shutil.rmtree(self.staging, ignore_errors=True)
        return self.dest

    def _make_output_dir(self) -> Path | None:
        """Create the output folder if needed; return the topmost folder created, to undo."""
        missing = [p for p in (self.output_dir, *self.output_dir.parents) if not p.exists()]
        try:
            self.output_dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise PtgenError(f"cannot create '{self.output_dir}': {exc.strerror or exc}") from None
        return missing[-1] if missing else None

    def _render(self, staging: Path) -> Path:
        from cookiecutter.exceptions import CookiecutterException
        from cookiecutter.main import cookiecutter
        from jinja2 import TemplateError, TemplateSyntaxError

        # A private config keeps the user's ~/.cookiecutterrc and replay folder out of the run,
        # and temporary files (cookiecutter's rendered hook scripts) stay inside the staging.
        private = staging / ".cookiecutter"
        config = {"replay_dir": str(private / "replay"), "cookiecutters_dir": str(private / "cc")}
        (private / "tmp").mkdir(parents=True)
        out = staging / "out"
        out.mkdir()
        saved_tempdir = tempfile.tempdir
        tempfile.tempdir = str(private / "tmp")
        # Each template brings its own Jinja extensions (local_extensions.py): a module that an
        # earlier render in this process imported (another template version) must not be used.
        sys.modules.pop("local_extensions", None)
        try:
            result = cookiecutter(
                str(self.template),
                no_input=True,
                extra_context=cookiecutter_context(self.answers),
                output_dir=str(out),
                default_config=config,
            )
        except TemplateSyntaxError as exc:
            where = f"{exc.filename or exc.name}, line {exc.lineno}"
            raise PtgenError(f"template failed to render: {where}: {exc.message}") from exc
        except (CookiecutterException, TemplateError) as exc:
            reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            reason = reason.split(" Context: ")[0][:300]  # cookiecutter appends the whole context
            raise PtgenError(f"template failed to render: {reason}") from exc
        finally:
            tempfile.tempdir = saved_tempdir
            sys.modules.pop("local_extensions", None)
        project = Path(result)
        self._verify(out, project)
        # Which template made this project, exactly: `ptgen update` renders it again.
        state = project / STATE_FILE
        text = state.read_text(encoding="utf-8") if state.is_file() else ""
        text += ("" if text.endswith("\n") or not text else "\n") + (
            f'template_digest: "{template_digest(self.template)}"\n'
        )
        state.write_text(text, encoding="utf-8")
        return project

    def _verify(self, out: Path, project: Path) -> None:
        """Every rendered path must be a plain file or folder inside the project folder."""
        entries = list(out.iterdir())
        if entries != [project] or project.name != self.dest.name:
            names = ", ".join(sorted(e.name for e in entries))
            raise PtgenError(f"template produced unexpected top-level entries: {names}")
        root = project.resolve()
        for path in project.rglob("*"):
            if path.is_symlink():
                raise PtgenError(f"template produced a symbolic link: {path.relative_to(project)}")
            if not path.resolve().is_relative_to(root):
                raise PtgenError(f"template wrote outside the project: {path.relative_to(project)}")

    def _commit(self, project: Path, staging: Path) -> None:
        """Move the finished tree into place, never over anything that appeared meanwhile.

        With --force the old tree first moves into the staging folder (removed afterwards).
        Ctrl-C is held back between the two renames, so the old tree or the new one is
        always in place.
        """
        with deferred_interrupts():
            old: Path | None = None
            if self.force and (self.dest.exists() or self.dest.is_symlink()):
                if self.dest.is_symlink() or not self.dest.is_dir():
                    raise PtgenError(
                        f"'{self.dest}' exists and is not a folder; refusing to replace it"
                    )
                old = staging / "replaced"
                os.replace(self.dest, old)
            try:
                rename_no_replace(project, self.dest)
            except OSError as exc:
                if old is not None:
                    self._restore(old)
                if isinstance(exc, FileExistsError):
                    raise PtgenError(
                        f"'{self.dest}' appeared while the project was being generated; "
                        "nothing was changed (use --force to replace it)"
                    ) from None
                raise PtgenError(
                    f"cannot move project into '{self.dest}': {exc.strerror}"
                ) from None
            self.committed = True

    def _restore(self, old: Path) -> None:
        """Put the user's tree back; if even that fails, keep it and say where it is."""
        try:
            rename_no_replace(old, self.dest)
        except OSError:
            kept = self.output_dir / f".{self.dest.name}.ptgen-kept-{os.getpid()}"
            os.replace(old, kept)
            raise PtgenError(
                f"could not put the previous '{self.dest}' back; it is safe in '{kept}'"
            ) from None


def _owner() -> str:
    return f"{socket.gethostname()} {os.getpid()}"


def _pid_alive(pid: int) -> bool:
    if sys.platform == "win32":
        return True  # no cheap, reliable check: keep the folder
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True
    return True


def remove_stale_staging(output_dir: Path) -> None:
    """Remove the staging folders in `output_dir` left by ptgen runs that were killed
    (SIGKILL, power loss): those whose marker names this host and a process that no longer
    exists. An old tree that a killed `--force` run had moved aside is put back first if
    nothing took its place."""
    host = socket.gethostname()
    for staging in output_dir.glob(".*.ptgen-*"):
        try:
            owner_host, pid = (staging / STAGING_MARK).read_text(encoding="utf-8").rsplit(" ", 1)
            if owner_host != host or _pid_alive(int(pid)):
                continue
        except (OSError, ValueError):
            continue  # not a staging folder of ours (or not readable): leave it
        replaced = staging / "replaced"
        dest = output_dir / staging.name[1 : staging.name.rindex(".ptgen-")]
        if replaced.is_dir() and not dest.exists():
            try:
                rename_no_replace(replaced, dest)
            except OSError:
                continue  # leave everything as it is rather than lose the old tree
        shutil.rmtree(staging, ignore_errors=True)


def rename_no_replace(src: Path, dst: Path) -> None:
    """Rename `src` to `dst`, failing with FileExistsError if `dst` exists (atomically where
    the system allows: renameat2(RENAME_NOREPLACE) on Linux, renamex_np on macOS)."""
    if sys.platform == "win32":
        os.rename(src, dst)  # never replaces on Windows
        return
    libc_call = _noreplace_call()
    if libc_call is not None:
        if libc_call(os.fsencode(src), os.fsencode(dst)) == 0:
            return
        err = ctypes.get_errno()
        if err == errno.EEXIST:
            raise FileExistsError(err, os.strerror(err), str(dst))
        if err not in (errno.EINVAL, errno.ENOSYS, errno.ENOTSUP):
            raise OSError(err, os.strerror(err), str(src))
    # Fallback: claim the name with mkdir (fails if it exists), then rename onto our empty dir.
    os.mkdir(dst)
    try:
        os.rename(src, dst)
    except OSError:
        with contextlib.suppress(OSError):
            os.rmdir(dst)
        raise


@cache
def _noreplace_call() -> Callable[[bytes, bytes], int] | None:
    try:
        libc = ctypes.CDLL(None, use_errno=True)
    except OSError:
        return None
    if sys.platform.startswith("linux") and hasattr(libc, "renameat2"):
        at_fdcwd, rename_noreplace = -100, 1
        renameat2 = libc.renameat2
        renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p]
        renameat2.argtypes += [ctypes.c_uint]
        return lambda a, b: renameat2(at_fdcwd, a, at_fdcwd, b, rename_noreplace)
    if sys.platform == "darwin" and hasattr(libc, "renamex_np"):
        rename_excl = 0x4
        renamex = libc.renamex_np
        renamex.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.c_uint]
        return lambda a, b: renamex(a, b, rename_excl)
    return None


@contextlib.contextmanager
def terminate_as_interrupt() -> Iterator[None]:
    """SIGTERM raises KeyboardInterrupt, so that the cleanup of a run also runs on `kill`."""
    if threading.current_thread() is not threading.main_thread() or sys.platform == "win32":
        yield
        return

    def interrupt(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


@contextlib.contextmanager
def deferred_interrupts() -> Iterator[None]:
    """Hold SIGINT and SIGTERM back for the duration of the block, then act on them."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    received: list[int] = []
    signals = [signal.SIGINT] + ([signal.SIGTERM] if sys.platform != "win32" else [])
    previous = {s: signal.signal(s, lambda signum, frame: received.append(signum)) for s in signals}
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    if received:
        raise KeyboardInterrupt
