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
    tests: tuple[str, ...] = ()  # the preset's own test files, under the project's tests/

    def manifest(self) -> dict[str, Any]:
        return {
            "files": list(self.files),
            "module": self.files[-1].rsplit("/", 1)[-1].removesuffix(".py"),
            "help": self.help,
            "exports": self.exports,
            "dependencies": list(self.dependencies),
            "tests": list(self.tests),
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
        "image_folder",
        "your images, one folder per class (data_dir/<class>/...), or train/ val/ test/ folders",
        (IMAGE_FILES, "data_loader/image_folder.py"),
        "ImageFolderDataLoader",
        (TORCHVISION, "pillow>=10"),
        {"kind": "rgb", "data_dir": True, "epochs": 10, "tasks": ["classification"]},
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
        facts={"inputs": ["image", "rgb"]},
    ),
    Preset(
        "mlp",
        "a multi-layer perceptron on the flattened input",
        ("model/mlp.py",),
        "MLP",
        facts={"inputs": ["image", "rgb", "table"]},
    ),
    Preset(
        "backbone",
        "a torchvision classification model by name (option backbone), pretrained or not",
        ("model/backbone.py",),
        "Backbone",
        (TORCHVISION,),
        facts={"inputs": ["rgb"]},
        tests=("test_backbone.py",),
    ),
)

# torchvision's classification models whose head is one Linear layer and whose training
# output is plain logits (squeezenet: a conv head; googlenet, inception_v3: auxiliary outputs).
# tests/test_options.py checks this list against the installed torchvision.
BACKBONES = (
    "alexnet",
    "convnext_base",
    "convnext_large",
    "convnext_small",
    "convnext_tiny",
    "densenet121",
    "densenet161",
    "densenet169",
    "densenet201",
    "efficientnet_b0",
    "efficientnet_b1",
    "efficientnet_b2",
    "efficientnet_b3",
    "efficientnet_b4",
    "efficientnet_b5",
    "efficientnet_b6",
    "efficientnet_b7",
    "efficientnet_v2_l",
    "efficientnet_v2_m",
    "efficientnet_v2_s",
    "maxvit_t",
    "mnasnet0_5",
    "mnasnet0_75",
    "mnasnet1_0",
    "mnasnet1_3",
    "mobilenet_v2",
    "mobilenet_v3_large",
    "mobilenet_v3_small",
    "regnet_x_16gf",
    "regnet_x_1_6gf",
    "regnet_x_32gf",
    "regnet_x_3_2gf",
    "regnet_x_400mf",
    "regnet_x_800mf",
    "regnet_x_8gf",
    "regnet_y_128gf",
    "regnet_y_16gf",
    "regnet_y_1_6gf",
    "regnet_y_32gf",
    "regnet_y_3_2gf",
    "regnet_y_400mf",
    "regnet_y_800mf",
    "regnet_y_8gf",
    "resnet101",
    "resnet152",
    "resnet18",
    "resnet34",
    "resnet50",
    "resnext101_32x8d",
    "resnext101_64x4d",
    "resnext50_32x4d",
    "shufflenet_v2_x0_5",
    "shufflenet_v2_x1_0",
    "shufflenet_v2_x1_5",
    "shufflenet_v2_x2_0",
    "swin_b",
    "swin_s",
    "swin_t",
    "swin_v2_b",
    "swin_v2_s",
    "swin_v2_t",
    "vgg11",
    "vgg11_bn",
    "vgg13",
    "vgg13_bn",
    "vgg16",
    "vgg16_bn",
    "vgg19",
    "vgg19_bn",
    "vit_b_16",
    "vit_b_32",
    "vit_h_14",
    "vit_l_16",
    "vit_l_32",
    "wide_resnet101_2",
    "wide_resnet50_2",
)
UNSUITED_BACKBONES = ("googlenet", "inception_v3", "squeezenet1_0", "squeezenet1_1")

DATA_DIR_DATASETS = tuple(p.name for p in DATASETS if p.facts["data_dir"])
REGRESSION_DATASETS = tuple(p.name for p in DATASETS if "regression" in p.facts["tasks"])
TASKS = ("classification", "regression")
KINDS = {"image": "grey images", "rgb": "colour images", "table": "a table"}


def check_combination(answers: dict[str, Any]) -> str | None:
    """Why the chosen dataset, task and model do not fit together (None if they do)."""
    dataset = next(p for p in DATASETS if p.name == answers["dataset"])
    model = next(p for p in MODELS if p.name == answers["model"])
    kind = dataset.facts["kind"]
    if kind not in model.facts["inputs"]:
        fitting = ", ".join(m.name for m in MODELS if kind in m.facts["inputs"])
        return (
            f"model '{model.name}' needs {' or '.join(KINDS[k] for k in model.facts['inputs'])} "
            f"but dataset '{dataset.name}' has {KINDS[kind]}; models for it: {fitting}"
        )
    return None


def manifest() -> dict[str, dict[str, Any]]:
    """The `_presets` entry of cookiecutter.json."""
    return {
        "dataset": {p.name: p.manifest() for p in DATASETS},
        "model": {p.name: p.manifest() for p in MODELS},
    }
