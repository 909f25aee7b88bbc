"""Keep the chosen presets' files and drop the others (the manifest is cookiecutter.json's
`_presets`), so the project holds no dead code."""

import json
import shutil
from pathlib import Path

PACKAGE = Path("{{ cookiecutter.__package_name }}")
PRESETS = json.loads({{ cookiecutter._presets | tojson | tojson }})
CHOSEN = {"dataset": "{{ cookiecutter.dataset }}", "model": "{{ cookiecutter.model }}"}


def paths(preset: dict) -> set[Path]:
    return {PACKAGE / f for f in preset["files"]} | {Path("tests") / f for f in preset["tests"]}


listed = {p for kind in PRESETS.values() for preset in kind.values() for p in paths(preset)}
kept = {p for kind, name in CHOSEN.items() for p in paths(PRESETS[kind][name])}
unused = sorted(listed - kept)
for tracker, chosen in [
    ("tensorboard.py", {{ cookiecutter.tensorboard }}),
    ("wandb_tracker.py", {{ cookiecutter.wandb }}),
    ("mlflow_tracker.py", {{ cookiecutter.mlflow }}),
]:
    if not chosen:
        unused.append(PACKAGE / "logger" / tracker)
if not ({{ cookiecutter.wandb }} or {{ cookiecutter.mlflow }}):
    unused.append(Path("tests") / "test_trackers.py")
if not {{ cookiecutter.github_actions }}:
    unused.append(Path(".github"))

for path in unused:
    if path.is_dir():
        shutil.rmtree(path)
    else:
        path.unlink()

# An installed copy of this template may hold bytecode caches (pip compiles the .py files it
# installs); they are not part of the project.
for cache in list(Path().rglob("__pycache__")):
    shutil.rmtree(cache)
