import importlib
from pathlib import Path

import pytest
import yaml

import {{ cookiecutter.__package_name }}.data_loader as module_data
from {{ cookiecutter.__package_name }}.base import BaseDataLoader

ROOT = Path(__file__).resolve().parents[1]
CONFIG = yaml.safe_load((ROOT / "config.yaml").read_text(encoding="utf-8"))
# Smaller versions of the models, for fast tests (whichever model config.yaml names).
SMALL_MODEL = {"width": "8", "hidden": "[32]", "backbone_lr_scale": "0.5"}
SMALL_DATA = {"image_size": "32", "resize_size": "36"}  # image datasets: small images
# A different model config (the same kind of model), for the architecture-change tests.
OTHER_MODEL = {"width": "4", "hidden": "[16]", "backbone_lr_scale": "0.25"}
other_model = [
    arg
    for key, value in OTHER_MODEL.items()
    if key in CONFIG["arch"]["args"]
    for arg in ("--set", f"arch.args.{key}={value}")
]
small_model = [
    arg
    for section, small in (("arch", SMALL_MODEL), ("data_loader", SMALL_DATA))
    for key, value in small.items()
    if key in CONFIG[section]["args"]
    for arg in ("--set", f"{section}.args.{key}={value}")
]


@pytest.fixture
def data_args(tmp_path: Path) -> list[str]:
    """`--set`s that point the loader at a tiny copy of its data (datasets that download
    write one with their module's `write_sample`), read without a download."""
    if "data_dir" not in CONFIG["data_loader"]["args"]:
        return []  # bundled data
    loader = getattr(module_data, CONFIG["data_loader"]["type"])
    importlib.import_module(loader.__module__).write_sample(tmp_path / "data")
    args = ["--set", f"data_loader.args.data_dir={tmp_path / 'data'}"]
    if "download" in CONFIG["data_loader"]["args"]:
        args += ["--set", "data_loader.args.download=false"]
    return args


def build_loader(data_args: list[str], split: str, **changes: object) -> BaseDataLoader:
    """The configured data loader for `split`, on the data of `data_args`, in this process."""
    args = dict(CONFIG["data_loader"]["args"]) | {"num_workers": 0, "limit": 40}
    for setting in data_args[1::2]:
        key, value = setting.removeprefix("data_loader.args.").split("=", 1)
        args[key] = yaml.safe_load(value)
    args |= {key: yaml.safe_load(value) for key, value in SMALL_DATA.items() if key in args}
    loader = getattr(module_data, CONFIG["data_loader"]["type"])
    return loader(split=split, seed=0, **(args | changes))


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--run-slow",
        action="store_true",
        help="also run the slow tests (torchrun, signals, the resume matrix); CI does",
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if config.getoption("--run-slow"):
        return
    skip = pytest.mark.skip(reason="slow: run with --run-slow")
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip)


@pytest.fixture
def tiny_args(tmp_path: Path, data_args: list[str]) -> list[str]:
    """Arguments that make train.py run a few fast epochs on a slice of the data."""
    return [
        "-c",
        str(ROOT / "config.yaml"),
        "--set",
        f"trainer.save_dir={tmp_path / 'runs'}",
        "--set",
        "data_loader.args.limit=96",
        "--set",
        "data_loader.args.batch_size=16",
        "--set",
        "data_loader.args.num_workers=0",
        *data_args,
        *small_model,
        "--set",
        "trainer.log_step=2",
        "--set",
        "trainer.early_stop=null",
        "--device",
        "cpu",
        "--epochs",
        "4",
    ]
