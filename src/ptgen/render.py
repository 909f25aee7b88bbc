"""One generation run: render into a staging folder, verify, commit atomically."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Mapping
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


class Generation:
    """Owns one `ptgen new`: staging -> cookiecutter -> verify -> commit, cleaning up on failure."""

    def __init__(self, answers: Mapping[str, Any], output_dir: Path, *, force: bool = False):
        self.answers = dict(answers)
        self.output_dir = output_dir.absolute()
        self.dest = self.output_dir / self.answers["project_name"]
        self.force = force

    def check_destination(self) -> None:
        if (self.dest.exists() or self.dest.is_symlink()) and not self.force:
            raise PtgenError(f"'{self.dest}' already exists; use --force to replace it")
        if self.dest.exists() and not self.dest.is_dir():
            raise PtgenError(f"'{self.dest}' exists and is not a folder; refusing to replace it")

    def dry_run(self) -> list[str]:
        """Render into a throw-away folder and return the relative paths that would be written."""
        self.check_destination()
        with tempfile.TemporaryDirectory(prefix="ptgen-dry-run-") as tmp:
            project = self._render(Path(tmp))
            return [p.relative_to(project).as_posix() for p in sorted(project.rglob("*"))]

    def run(self) -> Path:
        self.check_destination()
        created_root = self._make_output_dir()
        staging: Path | None = None
        try:
            staging = Path(
                tempfile.mkdtemp(prefix=f".{self.dest.name}.ptgen-", dir=self.output_dir)
            )
            project = self._render(staging)
            self._commit(project, staging)
        except BaseException:
            if created_root is not None:
                shutil.rmtree(created_root, ignore_errors=True)
            raise
        finally:
            if staging is not None:
                shutil.rmtree(staging, ignore_errors=True)
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

        # A private config keeps the user's ~/.cookiecutterrc and replay folder out of the run.
        private = staging / ".cookiecutter"
        config = {"replay_dir": str(private / "replay"), "cookiecutters_dir": str(private / "cc")}
        out = staging / "out"
        out.mkdir()
        try:
            result = cookiecutter(
                str(template_dir()),
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
            raise PtgenError(f"template failed to render: {reason}") from exc
        project = Path(result)
        self._verify(out, project)
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
        """Move the finished tree into place; an old tree (--force) goes only after that."""
        old: Path | None = None
        if self.dest.exists():
            old = staging / "replaced"
            os.replace(self.dest, old)
        try:
            os.replace(project, self.dest)
        except OSError as exc:
            if old is not None:
                os.replace(old, self.dest)
            raise PtgenError(f"cannot move project into '{self.dest}': {exc.strerror}") from None
