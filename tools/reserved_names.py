"""Module names a generated project must not shadow: every top-level module importable in its
environment (its dependencies and theirs, with pip and the test tools).

    python tools/reserved_names.py            # rewrite src/ptgen/reserved_names.txt
    python tools/reserved_names.py --check    # exit 1 if the file misses a name

Run in an environment with the generated project's dependencies installed (the test
environment has them); tests/test_options.py runs the check.
"""

from __future__ import annotations

import argparse
import importlib.metadata as metadata
import re
import sys
from pathlib import Path

OUT = Path(__file__).resolve().parents[1] / "src" / "ptgen" / "reserved_names.txt"
# What generated projects install (any preset or option), plus the tools around them.
ROOTS = (
    "torch",
    "torchvision",
    "numpy",
    "pyyaml",
    "scikit-learn",
    "tensorboard",
    "pillow",
    "matplotlib",
    "optuna",
    "wandb",
    "mlflow-skinny",
    "sqlalchemy",
    "alembic",
    "pytest",
    "ruff",
    "pip",
    "setuptools",
    "wheel",
    "hatchling",
    "editables",
)


def _requirement_name(requirement: str) -> str | None:
    if "extra ==" in requirement:  # only what is installed without extras
        return None
    match = re.match(r"[A-Za-z0-9._-]+", requirement)
    return match.group() if match else None


def closure(roots: tuple[str, ...]) -> list[metadata.Distribution]:
    seen: dict[str, metadata.Distribution] = {}
    todo = list(roots)
    while todo:
        name = re.sub(r"[-_.]+", "-", todo.pop()).lower()
        if name in seen:
            continue
        try:
            dist = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            continue
        seen[name] = dist
        todo += [n for r in dist.requires or [] if (n := _requirement_name(r))]
    return list(seen.values())


def top_level_names(dist: metadata.Distribution) -> set[str]:
    names = set((dist.read_text("top_level.txt") or "").split())
    for file in dist.files or []:
        top = file.parts[0] if file.parts else ""
        if not top or top == ".." or top.endswith((".dist-info", ".data", ".pth")):
            continue
        if len(file.parts) > 1:
            names.add(top)
        elif top.endswith((".py", ".so", ".pyd")):
            names.add(top.split(".")[0])
    return {n for n in names if n.isidentifier() and n != "__pycache__"}


def current() -> set[str]:
    return {name.lower() for dist in closure(ROOTS) for name in top_level_names(dist)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--check", action="store_true")
    args = parser.parse_args()
    found = current()
    if args.check:
        shipped = set(OUT.read_text(encoding="utf-8").split())
        missing = sorted(found - shipped)
        print("missing: " + ", ".join(missing) if missing else "up to date")
        return 1 if missing else 0
    OUT.write_text("\n".join(sorted(found)) + "\n", encoding="utf-8")
    print(f"{len(found)} names -> {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
