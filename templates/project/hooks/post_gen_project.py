"""Keep the chosen presets' files and drop the others (the manifest is cookiecutter.json's
`_presets`), so the project holds no dead code."""

import json
import shutil
from pathlib import Path

PACKAGE = Path("{{ cookiecutter.__package_name }}")
PRESETS = json.loads({{ cookiecutter._presets | tojson | tojson }})
CHOSEN = {"dataset": "{{ cookiecutter.dataset }}", "model": "{{ cookiecutter.model }}"}

listed = {f for kind in PRESETS.values() for preset in kind.values() for f in preset["files"]}
kept = {f for kind, name in CHOSEN.items() for f in PRESETS[kind][name]["files"]}
unused = [PACKAGE / f for f in sorted(listed - kept)]
if not {{ cookiecutter.tensorboard }}:
    unused.append(PACKAGE / "logger" / "tensorboard.py")
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
