"""`ptgen update` and `ptgen check`: bring a generated project up to the installed template.

Three trees take part: the *baseline* (the template that made the project, rendered again
with the project's recorded answers), the *new* render (the installed template with the
answers after any changes) and the user's *tree*. For each file the templates render:

- the user's copy equals the new render: nothing to do;
- the template did not change it (baseline = new): the user's copy stays as it is;
- the user did not touch it (baseline = tree): it is replaced, added or removed;
- the user deleted it: it stays deleted; the template dropped it but the user changed it: kept;
- both changed it: merged line by line (`merge3`), conflicts marked.

Baselines come from `template_history/<version>.tar.gz`, one archive per released template
shipped inside ptgen, or from the installed template when the project's digest matches it;
so updating works offline. Nothing is written until every result is computed, and the
writes are undone if anything fails or Ctrl-C arrives midway.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import tarfile
import tempfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ptgen import __version__
from ptgen.errors import PtgenError
from ptgen.merge3 import merge3
from ptgen.options import RECORD_KEYS, RENAMED, SCHEMA, resolve
from ptgen.render import (
    STATE_FILE,
    Generation,
    deferred_interrupts,
    template_digest,
    template_dir,
)

HISTORY = Path(__file__).resolve().parent / "template_history"
ACTIONS = ("updated", "merged", "conflicted", "added", "removed", "kept")


@dataclass
class Change:
    path: str
    action: str  # one of ACTIONS
    content: bytes | None = None  # what to write (None: remove, or nothing to write)
    note: str = ""
    before: bytes | None = None  # the user's copy when the plan was made (None: absent)


@dataclass
class Plan:
    project: Path
    from_version: str
    to_version: str
    changes: list[Change] = field(default_factory=list)
    state: bytes = b""  # the new .ptgen.yaml
    state_before: bytes | None = None
    state_changed: bool = False
    committed: bool = False  # every file is in place
    backup: Path | None = None  # where the replaced files were kept

    @property
    def conflicts(self) -> int:
        return sum(c.action == "conflicted" for c in self.changes)

    @property
    def writes(self) -> list[Change]:
        return [c for c in self.changes if c.action != "kept"]

    @property
    def up_to_date(self) -> bool:
        return not self.writes and not self.state_changed

    def summary(self) -> list[str]:
        lines = [
            f"{c.action:<10} {c.path}" + (f"  ({c.note})" if c.note else "") for c in self.changes
        ]
        counts = ", ".join(f"{sum(c.action == a for c in self.changes)} {a}" for a in ACTIONS)
        lines.append(f"template {self.from_version} -> {self.to_version}: {counts}")
        return lines

    def as_json(self) -> dict[str, Any]:
        return {
            "project": str(self.project),
            "from": self.from_version,
            "to": self.to_version,
            "up_to_date": self.up_to_date,
            "conflicts": self.conflicts,
            "changes": [{"path": c.path, "action": c.action, "note": c.note} for c in self.changes],
        }


# -- what made the project ----------------------------------------------------------------------


def read_state(project: Path) -> tuple[dict[str, Any], str | None, str | None]:
    """The recorded answers, template version and template digest of `project`."""
    path = project / STATE_FILE
    if not path.is_file():
        raise PtgenError(
            f"'{project}' has no {STATE_FILE}: not a ptgen project (for one made with plain "
            f"cookiecutter, give its answers: --adopt --options FILE)",
            2,
        )
    from ptgen.yamlsafe import YamlError, load

    try:
        raw = load(path.read_text(encoding="utf-8")) or {}
    except (OSError, UnicodeDecodeError, YamlError) as exc:
        raise PtgenError(f"cannot read {path}: {exc}", 2) from None
    if not isinstance(raw, dict):
        raise PtgenError(f"{path} must be a mapping of option: value", 2)
    version, digest = raw.get("ptgen_version"), raw.get("template_digest")
    answers = {
        RENAMED.get(str(k), str(k)): v
        for k, v in raw.items()
        if str(k) not in RECORD_KEYS and RENAMED.get(str(k), str(k)) in SCHEMA.by_name
    }
    return answers, (str(version) if version else None), (str(digest) if digest else None)


def read_added(project: Path) -> list[dict[str, str]]:
    """The components `ptgen add` recorded in the project's .ptgen.yaml."""
    from ptgen.yamlsafe import load

    raw = load((project / STATE_FILE).read_text(encoding="utf-8")) or {}
    entries = raw.get("added") or [] if isinstance(raw, dict) else []
    if not isinstance(entries, list) or not all(
        isinstance(e, dict) and set(e) == {"kind", "name"} for e in entries
    ):
        raise PtgenError(f"{STATE_FILE}: 'added' must be a list of kind/name pairs", 2)
    return [{"kind": str(e["kind"]), "name": str(e["name"])} for e in entries]


def with_added(state: bytes, added: list[dict[str, str]]) -> bytes:
    """`state` (a .ptgen.yaml) with its `added:` list replaced by `added`."""
    lines = state.decode("utf-8").splitlines(keepends=True)
    kept, inside = [], False
    for line in lines:
        if line.startswith("added:"):
            inside = True
            continue
        if inside and line.startswith(("- ", "  ")):
            continue
        inside = False
        kept.append(line)
    text = "".join(kept)
    if added:
        text += "added: # components from `ptgen add`\n" + "".join(
            f"- kind: {e['kind']}\n  name: {e['name']}\n" for e in added
        )
    return text.encode("utf-8")


def preset_files(
    template: Path, answers: Mapping[str, Any], added: list[dict[str, str]]
) -> dict[str, bytes]:
    """The files of the presets `ptgen add` brought in, as `template` renders them."""
    import json

    from ptgen.options import import_name
    from ptgen.presets import BACKBONES

    presets = json.loads((template / "cookiecutter.json").read_text(encoding="utf-8"))["_presets"]
    package = import_name(answers["project_name"])
    found: dict[str, bytes] = {}
    for entry in added:
        kind, name = entry["kind"], entry["name"]
        if kind == "dataset" and name in presets["dataset"]:
            changed, preset = {"dataset": name}, presets["dataset"][name]
        elif kind == "model" and name in BACKBONES and "backbone" in presets["model"]:
            changed, preset = {"model": "backbone", "backbone": name}, presets["model"]["backbone"]
        elif kind == "model" and name in presets["model"]:
            changed, preset = {"model": name}, presets["model"][name]
        else:
            continue  # a skeleton: the user's own file from the start
        try:
            rendered = render(
                template, resolve(answers["project_name"], {**answers, **changed}, {})
            )
        except PtgenError:
            continue  # no longer fits the project's answers: left as it is
        found |= {rel: rendered[rel] for rel in preset_paths(preset, package) if rel in rendered}
    return found


def preset_paths(preset: dict[str, Any], package: str) -> list[str]:
    """A preset's files (from the manifest) as paths in the project."""
    return [f"{package}/{f}" for f in preset["files"]] + [f"tests/{t}" for t in preset["tests"]]


def shipped_versions() -> list[str]:
    return sorted(p.name.removesuffix(".tar.gz") for p in HISTORY.glob("*.tar.gz"))


@contextlib.contextmanager
def baseline_template(version: str | None, digest: str | None) -> Iterator[Path]:
    """The template that rendered a project: the installed one if the digest (or, without a
    digest, the version) matches, else the shipped archive of that version."""
    live = template_dir()
    if (digest and digest == template_digest(live)) or (not digest and version == __version__):
        yield live
        return
    archive = HISTORY / f"{version}.tar.gz"
    if version is None or not archive.is_file():
        shipped = ", ".join(shipped_versions()) or "none"
        raise PtgenError(
            f"no copy of template {version or '(unrecorded)'} ships with ptgen {__version__} "
            f"(shipped: {shipped}, and the installed {__version__}); use --adopt [--from "
            "VERSION] to take the project as it is",
            2,
        )
    with tempfile.TemporaryDirectory(prefix="ptgen-baseline-") as tmp:
        with tarfile.open(archive) as tar:
            tar.extractall(tmp, filter="data")
        root = Path(tmp) / "project"
        if digest and template_digest(root) != digest:
            raise PtgenError(
                f"this project was made by a development build of template {version} "
                f"({digest[:19]}...), not the released one; use --adopt --from {version} to "
                "take the shipped release as its baseline",
                2,
            )
        yield root


def render(template: Path, answers: Mapping[str, Any]) -> dict[str, bytes]:
    return Generation(answers, Path(tempfile.gettempdir()), template=template).render_files()


# -- deciding -----------------------------------------------------------------------------------


def user_tree(project: Path, paths: set[str]) -> dict[str, bytes]:
    """The user's copies of `paths` (those that exist as plain files)."""
    found = {}
    for rel in paths:
        path = project / rel
        if path.is_symlink() or (path.exists() and not path.is_file()):
            raise PtgenError(f"'{path}' is not a plain file; move it away and run again", 2)
        if path.is_file():
            found[rel] = path.read_bytes()
    return found


def decide(
    base: Mapping[str, bytes],
    new: Mapping[str, bytes],
    mine: Mapping[str, bytes],
    labels: tuple[str, str],
) -> list[Change]:
    """What to do with each file the templates render (see the module's docstring)."""
    changes = []
    for rel in sorted((set(base) | set(new)) - {STATE_FILE}):
        b, n, u = base.get(rel), new.get(rel), mine.get(rel)
        if u == n or b == n:
            continue  # up to date, or the template did not change it: the user's copy stays
        if u == b:  # untouched by the user: take the template's version
            if n is None:
                change = Change(rel, "removed", note="dropped by the template")
            else:
                change = Change(rel, "added" if b is None else "updated", n)
        elif u is None:
            change = Change(rel, "kept", note="you deleted it; it stays deleted")
        elif n is None:
            change = Change(rel, "kept", note="dropped by the template; you changed it")
        else:
            change = merge_file(rel, b or b"", u, n, labels)
        change.before = u
        changes.append(change)
    return changes


def merge_file(rel: str, base: bytes, mine: bytes, new: bytes, labels: tuple[str, str]) -> Change:
    try:
        texts = [data.decode("utf-8") for data in (base, mine, new)]
    except UnicodeDecodeError:
        return Change(rel, "conflicted", None, "binary: yours kept, the template's not applied")
    merged = merge3(*texts, ours_label=labels[0], theirs_label=labels[1])
    action = "conflicted" if merged.conflicts else "merged"
    note = f"{merged.conflicts} conflict(s) marked" if merged.conflicts else ""
    return Change(rel, action, merged.text.encode("utf-8"), note)


def plan_update(
    project: Path,
    sets: Mapping[str, str] | None = None,
    options: Mapping[str, Any] | None = None,
    *,
    adopt: bool = False,
    adopt_from: str | None = None,
) -> Plan:
    """Work out everything `ptgen update` would do; write nothing.

    `sets` (text, as `--set` gives it) and `options` (an options file's values) change the
    recorded answers; answers that stop applying after such a change fall back to defaults.
    """
    project = project.absolute()
    if not project.is_dir():
        raise PtgenError(f"'{project}' is not a folder", 2)
    if adopt and not (project / STATE_FILE).is_file():
        recorded, version, digest = {}, None, None
    else:
        recorded, version, digest = read_state(project)
    if adopt:
        version, digest = adopt_from or __version__, None
    elif version is None:
        raise PtgenError(
            f"{STATE_FILE} records no template version (made by ptgen 0.2.0 or earlier, or by "
            "plain cookiecutter); run `ptgen update --adopt --from VERSION` (shipped: "
            f"{', '.join(shipped_versions()) or 'none'}) or `--adopt` to take it as it is",
            2,
        )
    sets, options = dict(sets or {}), {RENAMED.get(k, k): v for k, v in (options or {}).items()}
    name = str(recorded.get("project_name") or options.get("project_name") or project.name)
    for given in (sets.get("project_name"), options.get("project_name")):
        if given is not None and str(given) != name:
            raise PtgenError(
                f"the project name cannot change in an update (it is {name!r}: it names the "
                "package)"
            )
    old_answers = resolve(name, {**recorded, **options} if adopt else recorded, {})
    new_answers = resolve(name, still_applying(old_answers, sets, options), sets)
    added = read_added(project) if (project / STATE_FILE).is_file() else []
    new = render(template_dir(), new_answers)
    new = preset_files(template_dir(), new_answers, added) | new
    with baseline_template(version, digest) as old_template:
        base = render(old_template, old_answers)
        base = preset_files(old_template, old_answers, added) | base
    mine = user_tree(project, set(base) | set(new))
    plan = Plan(project, version, __version__)
    plan.changes = decide(base, new, mine, ("yours", f"ptgen {__version__}"))
    plan.state = with_added(new[STATE_FILE], added)
    current = project / STATE_FILE
    plan.state_before = current.read_bytes() if current.is_file() else None
    plan.state_changed = plan.state_before != plan.state
    return plan


def still_applying(
    recorded: Mapping[str, Any], sets: Mapping[str, str], options: Mapping[str, Any]
) -> dict[str, Any]:
    """The recorded answers with the changes, less recorded answers that no longer apply
    (e.g. `task` after switching away from csv): those take their defaults again."""
    merged = {**recorded, **options, **sets}
    given = set(options) | set(sets)
    kept = dict(recorded) | dict(options)
    for option in SCHEMA.options:
        if option.when and option.name not in given:
            key, values = option.when
            if str(merged.get(key)) not in {str(v) for v in values}:
                kept.pop(option.name, None)
    return kept


# -- acting -------------------------------------------------------------------------------------


def git_dirty(project: Path) -> bool | None:
    """Whether the project's files have uncommitted changes (None: not in a git work tree)."""
    try:
        inside = subprocess.run(
            ["git", "-C", str(project), "rev-parse", "--is-inside-work-tree"],
            capture_output=True,
            text=True,
            check=False,
        )
    except OSError:  # no git installed
        return None
    if inside.returncode != 0 or inside.stdout.strip() != "true":
        return None
    status = subprocess.run(
        ["git", "-C", str(project), "status", "--porcelain", "--untracked-files=all", "--", "."],
        capture_output=True,
        text=True,
        check=False,
    )
    return bool(status.stdout.strip()) or status.returncode != 0


def apply(plan: Plan, *, keep_backup: bool) -> Path | None:
    """Write the plan: every new file is staged first, then all renames happen together.

    If anything fails (or Ctrl-C arrives) before the last rename, every file is put back, and
    a file the user changed after the plan was made stops the update. With `keep_backup`, the
    replaced files stay in `.ptgen-backup/<n>/`; returns that folder.
    """
    project = plan.project
    check_unfinished(project)
    work = Path(tempfile.mkdtemp(prefix=f".ptgen-update-{os.getpid()}-", dir=project))
    try:
        staged: list[Staged] = []
        for index, change in enumerate(plan.writes):
            if change.content is None and change.action != "removed":
                continue  # a binary conflict: the user's copy stays
            target = project / change.path
            new = None
            if change.content is not None:
                new = work / f"new-{index}"
                new.write_bytes(change.content)
                if target.is_file():
                    shutil.copymode(target, new)
            staged.append(Staged(target, new, change.before))
        if plan.state_changed:
            new = work / "new-state"
            new.write_bytes(plan.state)
            staged.append(Staged(project / STATE_FILE, new, plan.state_before))
        with deferred_interrupts():  # a Ctrl-C now acts once every file is in place
            _swap(staged, work)
            plan.committed = True
            backup = _keep_backup(work, project) if keep_backup else None
            plan.backup = backup
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return backup


def _keep_backup(work: Path, project: Path) -> Path | None:
    """Move the replaced files to `.ptgen-backup/<n>/` (n: one more than the last)."""
    if not (work / "old").is_dir():
        return None
    root = project / ".ptgen-backup"
    root.mkdir(exist_ok=True)
    taken = [int(p.name) for p in root.iterdir() if p.name.isdigit()]
    kept = root / str(1 + max(taken, default=0))
    os.replace(work / "old", kept)
    return kept


def check_unfinished(project: Path) -> None:
    """An update killed midway (SIGKILL, power loss) leaves its work folder: with replaced
    files in it, the user must decide; with only staged copies, it is dropped."""
    from ptgen.render import _pid_alive

    for work in project.glob(".ptgen-update-*"):
        try:
            pid = int(work.name.split("-")[2])
        except (IndexError, ValueError):
            continue
        if _pid_alive(pid):
            raise PtgenError(f"another ptgen update is running on this project (pid {pid})", 2)
        if (work / "old").is_dir() and any((work / "old").rglob("*")):
            raise PtgenError(
                f"an earlier update was killed midway; the files it replaced are in {work}: "
                "put them back (or delete that folder) and run again",
                2,
            )
        shutil.rmtree(work, ignore_errors=True)


@dataclass
class Staged:
    target: Path
    new: Path | None  # the staged new content (None: remove the target)
    before: bytes | None  # what the target must still hold (None: absent)


def _swap(staged: list[Staged], work: Path) -> None:
    """Move the old files into `work/old` and the new ones into place; on any failure undo
    what was done, in reverse, and re-raise."""
    project = work.parent
    done: list[tuple[Path, Path | None, Path | None]] = []  # (target, backup, made folder)
    try:
        for item in staged:
            target, rel = item.target, item.target.relative_to(project)
            now = target.read_bytes() if target.is_file() else None
            if now != item.before:
                raise PtgenError(
                    f"{rel.as_posix()} changed while ptgen was updating; nothing was changed, "
                    "run the update again",
                    2,
                )
            backup = None
            if now is not None:
                backup = work / "old" / rel
                backup.parent.mkdir(parents=True, exist_ok=True)
                os.replace(target, backup)
            made = None
            if item.new is not None:
                missing = [p for p in (target.parent, *target.parents) if not p.exists()]
                target.parent.mkdir(parents=True, exist_ok=True)
                made = missing[-1] if missing else None
            done.append((target, backup, made))
            if item.new is not None:
                _before_rename(target)
                os.replace(item.new, target)
        # Folders a removal left empty go too (the template no longer has them).
        for item in staged:
            if item.new is None:
                _remove_empty_parents(item.target.parent, project)
    except BaseException:
        for target, backup, made in reversed(done):
            with contextlib.suppress(OSError):
                if target.is_file():  # the new copy, if it got there
                    target.unlink()
                if backup is not None:
                    target.parent.mkdir(parents=True, exist_ok=True)
                    os.replace(backup, target)
                if made is not None:
                    shutil.rmtree(made, ignore_errors=True)
        raise


def _before_rename(target: Path) -> None:
    """A hook for the tests: they make it fail midway."""


def _remove_empty_parents(folder: Path, root: Path) -> None:
    while folder != root and folder.is_dir() and not any(folder.iterdir()):
        folder.rmdir()
        folder = folder.parent
