"""Drop the files of options that were not chosen, so the project holds no dead code."""

import shutil
from pathlib import Path

PACKAGE = Path("{{ cookiecutter.__package_name }}")
UNUSED = {
    "digits": [PACKAGE / "data_loader" / "mnist.py"],
    "mnist": [PACKAGE / "data_loader" / "digits.py"],
}["{{ cookiecutter.preset }}"]
if not {{ cookiecutter.tensorboard }}:
    UNUSED.append(PACKAGE / "logger" / "tensorboard.py")
if not {{ cookiecutter.github_actions }}:
    UNUSED.append(Path(".github"))

for path in UNUSED:
    if path.is_dir():
        shutil.rmtree(path)
    else:
        path.unlink()

# An installed copy of this template may hold bytecode caches (pip compiles the .py files it
# installs); they are not part of the project.
for cache in list(Path().rglob("__pycache__")):
    shutil.rmtree(cache)
