"""`ptgen add KIND NAME`: a new component in an existing project, wired so config can pick it.

- `dataset NAME`: one of the dataset presets (its loader files, from the template), or a
  skeleton `data_loader/NAME.py` (a commented Dataset + loader that trains as it is);
- `model NAME`: a model preset (`convnet`, `mlp`), a torchvision backbone by name, or a
  skeleton `model/NAME.py`;
- `metric NAME`, `loss NAME`: a skeleton appended to `model/metric.py` / `model/loss.py`.

The class is exported where config.yaml looks (`data_loader/__init__.py`, `model/model.py`);
config.yaml itself is never rewritten: the block to use goes to `configs/<section>_NAME.yaml`.
The component is recorded under `added:` in .ptgen.yaml, so `ptgen update` keeps preset files
up to date too. All files are written together, or none.
"""

from __future__ import annotations

import keyword
import re
from pathlib import Path
from string import Template

from ptgen.errors import PtgenError
from ptgen.options import import_name, resolve
from ptgen.presets import BACKBONES, DATASETS, MODELS, check_combination
from ptgen.render import STATE_FILE, template_dir
from ptgen.update import (
    Change,
    Plan,
    apply,
    preset_paths,
    read_added,
    read_state,
    render,
    with_added,
)

KINDS = ("dataset", "model", "metric", "loss")
NAME = re.compile(r"[a-z][a-z0-9_]{0,39}")


def components_dir() -> Path:
    return template_dir().parent / "components"


def class_name(name: str) -> str:
    return "".join(part.capitalize() for part in name.split("_") if part)


def _skeleton(kind: str, name: str) -> str:
    text = (components_dir() / f"{kind}.tmpl").read_text(encoding="utf-8")
    title = name.replace("_", " ").capitalize()
    return Template(text).substitute(name=name, Class=class_name(name), title=title)


def check_name(kind: str, name: str, presets: tuple[str, ...]) -> None:
    if name in presets:
        return
    if not NAME.fullmatch(name) or keyword.iskeyword(name) or name.endswith("_"):
        if presets:
            shown = ", ".join(presets[:6]) + (", ..." if len(presets) > 6 else "")
            allowed = f"a preset ({shown}: see `ptgen options`) or "
        else:
            allowed = ""
        raise PtgenError(
            f"{kind} name {name!r} is not allowed: use {allowed}a lowercase Python name "
            "(letters, digits, _; at most 40)"
        )


def block(config: str, section: str) -> str:
    """The top-level `section:` block of a rendered config.yaml, as text."""
    lines = config.splitlines(keepends=True)
    start = next(i for i, line in enumerate(lines) if line.startswith(f"{section}:"))
    end = next(
        (
            i
            for i in range(start + 1, len(lines))
            if lines[i].strip() and not lines[i].startswith((" ", "#"))
        ),
        len(lines),
    )
    return "".join(lines[start:end]).rstrip("\n") + "\n"


def export(init: str, module: str, cls: str, path: str) -> str:
    """`init` (an __init__.py or model.py) also importing and exporting `cls`."""
    imports = [m.end() for m in re.finditer(r"^from \.\w+ import [\w, ]+$", init, re.M)]
    listed = re.search(r"^__all__ = \[(.*?)\]$", init, re.M | re.S)
    if not imports or listed is None:
        raise PtgenError(f"{path} no longer has the import lines and __all__ ptgen wires into")
    first = init.rfind("\n", 0, imports[0] - 1) + 1  # the import lines, kept sorted
    lines = [*init[first : imports[-1]].split("\n"), f"from .{module} import {cls}"]
    if any(not line.startswith("from .") for line in lines):
        raise PtgenError(f"{path}: the import lines are not together; add the import by hand")
    lines.sort(key=lambda line: line.split()[1])
    init = init[:first] + "\n".join(lines) + init[imports[-1] :]
    listed = re.search(r"^__all__ = \[(.*?)\]$", init, re.M | re.S)
    assert listed is not None
    names = [*re.findall(r'"(\w+)"', listed.group(1)), cls]
    one_line = "__all__ = [" + ", ".join(f'"{n}"' for n in names) + "]"
    if len(one_line) > 100:
        one_line = "__all__ = [\n" + "".join(f'    "{n}",\n' for n in names) + "]"
    return init[: listed.start()] + one_line + init[listed.end() :]


def add_dependencies(pyproject: str, needed: list[str]) -> str:
    listed = re.search(r"^dependencies = \[\n(.*?)^\]", pyproject, re.M | re.S)
    if listed is None:
        raise PtgenError("pyproject.toml has no `dependencies = [` list to add to")
    present = {
        re.split(r"[<>=!~ \[]", d.strip().strip('",'))[0] for d in listed.group(1).split("\n")
    }
    missing = [d for d in needed if re.split(r"[<>=!~ \[]", d)[0] not in present]
    lines = "".join(f'    "{d}",\n' for d in missing)
    return pyproject[: listed.end(1)] + lines + pyproject[listed.end(1) :]


def plan_add(project: Path, kind: str, name: str) -> Plan:
    """Everything `ptgen add` would write; nothing is written."""
    if kind not in KINDS:
        raise PtgenError(f"unknown kind {kind!r}; use one of {', '.join(KINDS)}")
    project = project.absolute()
    recorded, version, _ = read_state(project)
    answers = resolve(str(recorded.get("project_name") or project.name), recorded, {})
    package = import_name(answers["project_name"])
    added = read_added(project)
    if {"kind": kind, "name": name} in added:
        raise PtgenError(f"{kind} {name!r} was already added (see {STATE_FILE})")
    dataset_presets = tuple(p.name for p in DATASETS)
    model_presets = tuple(p.name for p in MODELS if p.name != "backbone") + BACKBONES
    check_name(kind, name, {"dataset": dataset_presets, "model": model_presets}.get(kind, ()))
    files: dict[str, bytes] = {}  # new files
    edits: dict[str, str] = {}  # changed files: relative path -> new text

    def current(rel: str) -> str:
        path = project / rel
        if not path.is_file():
            raise PtgenError(f"{rel} is missing: ptgen add wires into it")
        return edits.get(rel) or path.read_text(encoding="utf-8")

    if kind in ("dataset", "model") and name in (dataset_presets + model_presets):
        changed = {"dataset": name} if kind == "dataset" else {}
        if kind == "model":
            changed = {"model": "backbone", "backbone": name} if name in BACKBONES else {}
            changed = changed or {"model": name}
        if all(answers.get(k) == v for k, v in changed.items()):
            raise PtgenError(f"the project already uses {kind} {name!r}")
        problem = check_combination({**answers, **changed})
        if problem:
            raise PtgenError(f"cannot add {kind} {name!r}: {problem}")
        rendered = render(template_dir(), resolve(answers["project_name"], answers | changed, {}))
        preset = preset_manifest(kind, changed[kind if kind == "dataset" else "model"])
        for rel in preset_paths(preset, package):
            path = project / rel
            if not path.is_file():
                files[rel] = rendered[rel]
            elif path.read_bytes() != rendered[rel]:
                raise PtgenError(f"{rel} exists and differs from the preset's; not replaced")
        section = "data_loader" if kind == "dataset" else "arch"
        config = rendered["config.yaml"].decode("utf-8")
        header = f"# Made by `ptgen add {kind} {name}`: put this block in config.yaml in place "
        header += f"of its {section} block (ptgen never edits your config.yaml).\n"
        files[f"configs/{section}_{name}.yaml"] = (header + block(config, section)).encode()
        init = (
            f"{package}/data_loader/__init__.py"
            if kind == "dataset"
            else f"{package}/model/model.py"
        )
        module = preset["module"]
        if f"import {preset['exports']}" not in current(init):
            edits[init] = export(current(init), module, preset["exports"], init)
        pyproject = current("pyproject.toml")
        if add_dependencies(pyproject, preset["dependencies"]) != pyproject:
            edits["pyproject.toml"] = add_dependencies(pyproject, preset["dependencies"])
    elif kind in ("dataset", "model"):
        folder = "data_loader" if kind == "dataset" else "model"
        module = f"{package}/{folder}/{name}.py"
        cls = class_name(name) + ("DataLoader" if kind == "dataset" else "")
        if (project / module).exists():
            raise PtgenError(f"{module} exists; choose another name")
        init = f"{package}/{folder}/{'__init__' if kind == 'dataset' else 'model'}.py"
        if re.search(rf"\b{cls}\b", current(init)):
            raise PtgenError(f"{init} already names {cls}; choose another name")
        variant = f"-{answers['task']}" if kind == "dataset" else ""
        files[module] = _skeleton(f"{kind}{variant}.py", name).encode()
        section = "data_loader" if kind == "dataset" else "arch"
        files[f"configs/{section}_{name}.yaml"] = _skeleton(f"{kind}.yaml", name).encode()
        edits[init] = export(current(init), name, cls, init)
    else:  # metric or loss: appended to the module config.yaml looks them up in
        rel = f"{package}/model/{kind}.py"
        text = current(rel)
        if re.search(rf"^(def |class )?{name}\b", text, re.M) or name in {"torch", "math", "F"}:
            raise PtgenError(f"{rel} already defines {name!r}; choose another name")
        if kind == "metric" and re.search(rf"^class {class_name(name)}\b", text, re.M):
            raise PtgenError(f"{rel} already defines class {class_name(name)}")
        edits[rel] = text.rstrip("\n") + "\n" + _skeleton(f"{kind}-{answers['task']}.py", name)
    for rel in files:
        if (project / rel).exists() and not rel.startswith(f"{package}/"):
            raise PtgenError(f"{rel} exists; not replaced")
    plan = Plan(project, version or "(unrecorded)", version or "(unrecorded)")
    plan.changes = [Change(rel, "added", data, before=None) for rel, data in sorted(files.items())]
    plan.changes += [
        Change(rel, "updated", text.encode(), before=(project / rel).read_bytes())
        for rel, text in sorted(edits.items())
    ]
    state = project / STATE_FILE
    plan.state_before = state.read_bytes()
    plan.state = with_added(plan.state_before, [*added, {"kind": kind, "name": name}])
    plan.state_changed = True
    return plan


def preset_manifest(kind: str, name: str, template: Path | None = None) -> dict:
    import json

    spec = json.loads(((template or template_dir()) / "cookiecutter.json").read_text())
    return spec["_presets"][kind][name]


def add_component(project: Path, kind: str, name: str) -> Plan:
    plan = plan_add(project, kind, name)
    apply(plan, keep_backup=False)
    return plan
