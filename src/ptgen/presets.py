"""Presets as data: each dataset and model names its files, dependencies and facts here.

This table is the template's manifest: `tools/write_cookiecutter_json.py` copies it into
`cookiecutter.json` (as the private `_presets`), where the post-generation hook keeps the
chosen presets' files and drops the others, `pyproject.toml` lists their dependencies, and
`config.yaml` includes their config fragments (`templates/project/templates/config/`).

Adding a dataset: its loader file under `data_loader/`, one `Preset` below, one fragment
`templates/config/dataset/<name>.yaml`. See the README, "Adding a preset". Facts: `kind`
(image or table: which models fit), `data_dir` (read from a folder the user names), `epochs`
(the default), `tasks` (classification and/or regression); a model's `inputs`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Preset:
    name: str
    help: str
    files: tuple[str, ...]  # paths inside the generated package; the module named last
    # exports the class
    exports: str  # the class the package offers to config.yaml (`type:`)
    dependencies: tuple[str, ...] = ()
    facts: dict[str, Any] = field(default_factory=dict)  # used by config fragments

    def manifest(self) -> dict[str, Any]:
        return {
            "files": list(self.files),
            "module": self.files[-1].rsplit("/", 1)[-1].removesuffix(".py"),
            "help": self.help,
            "exports": self.exports,
            "dependencies": list(self.dependencies),
            **self.facts,
        }


TORCHVISION = "torchvision>=0.25"
IMAGE_FILES = "data_loader/image_files.py"  # image inputs for predict.py
TV_FILES = (IMAGE_FILES, "data_loader/torchvision_data.py")

DATASETS: tuple[Preset, ...] = (
    Preset(
        "digits",
        "scikit-learn's bundled 8x8 handwritten digits (1,797 images; offline)",
        (IMAGE_FILES, "data_loader/digits.py"),
        "DigitsDataLoader",
        ("scikit-learn>=1.3", "pillow>=10"),
        {"kind": "image", "data_dir": False, "epochs": 20, "tasks": ["classification"]},
    ),
    Preset(
        "mnist",
        "MNIST handwritten digits, 28x28 (torchvision; downloaded into data_dir)",
        (*TV_FILES, "data_loader/mnist.py"),
        "MnistDataLoader",
        (TORCHVISION,),
        {"kind": "image", "data_dir": True, "epochs": 5, "tasks": ["classification"]},
    ),
    Preset(
        "fashion_mnist",
        "Fashion-MNIST clothing images, 28x28 (torchvision; downloaded into data_dir)",
        (*TV_FILES, "data_loader/fashion_mnist.py"),
        "FashionMnistDataLoader",
        (TORCHVISION,),
        {"kind": "image", "data_dir": True, "epochs": 5, "tasks": ["classification"]},
    ),
    Preset(
        "csv",
        "your table, data_dir/data.csv, with feature and target columns named in config.yaml",
        ("data_loader/csv_table.py",),
        "CsvDataLoader",
        (),
        {
            "kind": "table",
            "data_dir": True,
            "epochs": 30,
            "tasks": ["classification", "regression"],
        },
    ),
)

MODELS: tuple[Preset, ...] = (
    Preset(
        "convnet",
        "a small CNN (conv-BN-ReLU blocks, global average pool): any image size",
        ("model/convnet.py",),
        "ConvNet",
        facts={"inputs": ["image"]},
    ),
    Preset(
        "mlp",
        "a multi-layer perceptron on the flattened input",
        ("model/mlp.py",),
        "MLP",
        facts={"inputs": ["image", "table"]},
    ),
)

DATA_DIR_DATASETS = tuple(p.name for p in DATASETS if p.facts["data_dir"])
REGRESSION_DATASETS = tuple(p.name for p in DATASETS if "regression" in p.facts["tasks"])
TASKS = ("classification", "regression")


def check_combination(answers: dict[str, Any]) -> str | None:
    """Why the chosen dataset, task and model do not fit together (None if they do)."""
    dataset = next(p for p in DATASETS if p.name == answers["dataset"])
    model = next(p for p in MODELS if p.name == answers["model"])
    kind = dataset.facts["kind"]
    if kind not in model.facts["inputs"]:
        fitting = ", ".join(m.name for m in MODELS if kind in m.facts["inputs"])
        return (
            f"model '{model.name}' needs {' or '.join(model.facts['inputs'])} data but dataset "
            f"'{dataset.name}' is a {kind}; models for it: {fitting}"
        )
    return None


def manifest() -> dict[str, dict[str, Any]]:
    """The `_presets` entry of cookiecutter.json."""
    return {
        "dataset": {p.name: p.manifest() for p in DATASETS},
        "model": {p.name: p.manifest() for p in MODELS},
    }
