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
IMAGE_TRANSFORMS = "data_loader/transforms.py"  # torchvision v2 transforms from config
TV_FILES = (IMAGE_FILES, IMAGE_TRANSFORMS, "data_loader/torchvision_data.py")

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
        "cifar10",
        "CIFAR-10 colour images, 32x32, ten classes (downloaded into data_dir)",
        (*TV_FILES, "data_loader/cifar10.py"),
        "Cifar10DataLoader",
        (TORCHVISION, "pillow>=10"),
        {"kind": "rgb", "data_dir": True, "epochs": 30, "tasks": ["classification"]},
        tests=("test_cifar10.py",),
    ),
    Preset(
        "image_folder",
        "your images, one folder per class (data_dir/<class>/...), or train/ val/ test/ folders",
        (IMAGE_FILES, IMAGE_TRANSFORMS, "data_loader/image_folder.py"),
        "ImageFolderDataLoader",
        (TORCHVISION, "pillow>=10"),
        {"kind": "rgb", "data_dir": True, "epochs": 10, "tasks": ["classification"]},
        tests=("test_image_folder.py",),
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
        facts={"inputs": ["rgb"]},  # and each backbone's preprocessing: see manifest()
        tests=("test_backbone.py",),
    ),
)

# torchvision's classification models whose head is one Linear layer and whose training
# output is plain logits (squeezenet: a conv head; googlenet, inception_v3: auxiliary outputs),
# each with its DEFAULT weights' own preprocessing (`weights.transforms()`): the shorter side
# resized to `resize`, the centre `crop` x `crop` cut out, then normalized (ImageNet's mean and
# std unless given). tests/test_options.py checks both against the installed torchvision.
BACKBONE_PREPROCESSING: dict[str, dict[str, Any]] = {
    "alexnet": {"resize": 256, "crop": 224, "interpolation": "bilinear"},
    "convnext_base": {"resize": 232, "crop": 224, "interpolation": "bilinear"},
    "convnext_large": {"resize": 232, "crop": 224, "interpolation": "bilinear"},
    "convnext_small": {"resize": 230, "crop": 224, "interpolation": "bilinear"},
    "convnext_tiny": {"resize": 236, "crop": 224, "interpolation": "bilinear"},
    "densenet121": {"resize": 256, "crop": 224, "interpolation": "bilinear"},
    "densenet161": {"resize": 256, "crop": 224, "interpolation": "bilinear"},
    "densenet169": {"resize": 256, "crop": 224, "interpolation": "bilinear"},
    "densenet201": {"resize": 256, "crop": 224, "interpolation": "bilinear"},
    "efficientnet_b0": {"resize": 256, "crop": 224, "interpolation": "bicubic"},
    "efficientnet_b1": {"resize": 255, "crop": 240, "interpolation": "bilinear"},
    "efficientnet_b2": {"resize": 288, "crop": 288, "interpolation": "bicubic"},
    "efficientnet_b3": {"resize": 320, "crop": 300, "interpolation": "bicubic"},
    "efficientnet_b4": {"resize": 384, "crop": 380, "interpolation": "bicubic"},
    "efficientnet_b5": {"resize": 456, "crop": 456, "interpolation": "bicubic"},
    "efficientnet_b6": {"resize": 528, "crop": 528, "interpolation": "bicubic"},
    "efficientnet_b7": {"resize": 600, "crop": 600, "interpolation": "bicubic"},
    "efficientnet_v2_l": {
        "resize": 480,
        "crop": 480,
        "interpolation": "bicubic",
        "mean": [0.5, 0.5, 0.5],
        "std": [0.5, 0.5, 0.5],
    },
    "efficientnet_v2_m": {"resize": 480, "crop": 480, "interpolation": "bilinear"},
    "efficientnet_v2_s": {"resize": 384, "crop": 384, "interpolation": "bilinear"},
    "maxvit_t": {"resize": 224, "crop": 224, "interpolation": "bicubic"},
    "mnasnet0_5": {"resize": 256, "crop": 224, "interpolation": "bilinear"},
    "mnasnet0_75": {"resize": 232, "crop": 224, "interpolation": "bilinear"},
    "mnasnet1_0": {"resize": 256, "crop": 224, "interpolation": "bilinear"},
    "mnasnet1_3": {"resize": 232, "crop": 224, "interpolation": "bilinear"},
    "mobilenet_v2": {"resize": 232, "crop": 224, "interpolation": "bilinear"},
    "mobilenet_v3_large": {"resize": 232, "crop": 224, "interpolation": "bilinear"},
    "mobilenet_v3_small": {"resize": 256, "crop": 224, "interpolation": "bilinear"},
    "regnet_x_16gf": {"resize": 232, "crop": 224, "interpolation": "bilinear"},
    "regnet_x_1_6gf": {"resize": 232, "crop": 224, "interpolation": "bilinear"},
    "regnet_x_32gf": {"resize": 232, "crop": 224, "interpolation": "bilinear"},
    "regnet_x_3_2gf": {"resize": 232, "crop": 224, "interpolation": "bilinear"},
    "regnet_x_400mf": {"resize": 232, "crop": 224, "interpolation": "bilinear"},
    "regnet_x_800mf": {"resize": 232, "crop": 224, "interpolation": "bilinear"},
    "regnet_x_8gf": {"resize": 232, "crop": 224, "interpolation": "bilinear"},
    "regnet_y_128gf": {"resize": 384, "crop": 384, "interpolation": "bicubic"},
    "regnet_y_16gf": {"resize": 232, "crop": 224, "interpolation": "bilinear"},
    "regnet_y_1_6gf": {"resize": 232, "crop": 224, "interpolation": "bilinear"},
    "regnet_y_32gf": {"resize": 232, "crop": 224, "interpolation": "bilinear"},
    "regnet_y_3_2gf": {"resize": 232, "crop": 224, "interpolation": "bilinear"},
    "regnet_y_400mf": {"resize": 232, "crop": 224, "interpolation": "bilinear"},
    "regnet_y_800mf": {"resize": 232, "crop": 224, "interpolation": "bilinear"},
    "regnet_y_8gf": {"resize": 232, "crop": 224, "interpolation": "bilinear"},
    "resnet101": {"resize": 232, "crop": 224, "interpolation": "bilinear"},
    "resnet152": {"resize": 232, "crop": 224, "interpolation": "bilinear"},
    "resnet18": {"resize": 256, "crop": 224, "interpolation": "bilinear"},
    "resnet34": {"resize": 256, "crop": 224, "interpolation": "bilinear"},
    "resnet50": {"resize": 232, "crop": 224, "interpolation": "bilinear"},
    "resnext101_32x8d": {"resize": 232, "crop": 224, "interpolation": "bilinear"},
    "resnext101_64x4d": {"resize": 232, "crop": 224, "interpolation": "bilinear"},
    "resnext50_32x4d": {"resize": 232, "crop": 224, "interpolation": "bilinear"},
    "shufflenet_v2_x0_5": {"resize": 256, "crop": 224, "interpolation": "bilinear"},
    "shufflenet_v2_x1_0": {"resize": 256, "crop": 224, "interpolation": "bilinear"},
    "shufflenet_v2_x1_5": {"resize": 232, "crop": 224, "interpolation": "bilinear"},
    "shufflenet_v2_x2_0": {"resize": 232, "crop": 224, "interpolation": "bilinear"},
    "swin_b": {"resize": 238, "crop": 224, "interpolation": "bicubic"},
    "swin_s": {"resize": 246, "crop": 224, "interpolation": "bicubic"},
    "swin_t": {"resize": 232, "crop": 224, "interpolation": "bicubic"},
    "swin_v2_b": {"resize": 272, "crop": 256, "interpolation": "bicubic"},
    "swin_v2_s": {"resize": 260, "crop": 256, "interpolation": "bicubic"},
    "swin_v2_t": {"resize": 260, "crop": 256, "interpolation": "bicubic"},
    "vgg11": {"resize": 256, "crop": 224, "interpolation": "bilinear"},
    "vgg11_bn": {"resize": 256, "crop": 224, "interpolation": "bilinear"},
    "vgg13": {"resize": 256, "crop": 224, "interpolation": "bilinear"},
    "vgg13_bn": {"resize": 256, "crop": 224, "interpolation": "bilinear"},
    "vgg16": {"resize": 256, "crop": 224, "interpolation": "bilinear"},
    "vgg16_bn": {"resize": 256, "crop": 224, "interpolation": "bilinear"},
    "vgg19": {"resize": 256, "crop": 224, "interpolation": "bilinear"},
    "vgg19_bn": {"resize": 256, "crop": 224, "interpolation": "bilinear"},
    "vit_b_16": {"resize": 256, "crop": 224, "interpolation": "bilinear"},
    "vit_b_32": {"resize": 256, "crop": 224, "interpolation": "bilinear"},
    "vit_h_14": {"resize": 518, "crop": 518, "interpolation": "bicubic"},
    "vit_l_16": {"resize": 242, "crop": 224, "interpolation": "bilinear"},
    "vit_l_32": {"resize": 256, "crop": 224, "interpolation": "bilinear"},
    "wide_resnet101_2": {"resize": 232, "crop": 224, "interpolation": "bilinear"},
    "wide_resnet50_2": {"resize": 232, "crop": 224, "interpolation": "bilinear"},
}
BACKBONES = tuple(BACKBONE_PREPROCESSING)
IMAGENET_MEAN, IMAGENET_STD = [0.485, 0.456, 0.406], [0.229, 0.224, 0.225]
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
    models = {p.name: p.manifest() for p in MODELS}
    models["backbone"]["preprocessing"] = {
        name: {"mean": IMAGENET_MEAN, "std": IMAGENET_STD} | spec
        for name, spec in BACKBONE_PREPROCESSING.items()
    }
    return {"dataset": {p.name: p.manifest() for p in DATASETS}, "model": models}
