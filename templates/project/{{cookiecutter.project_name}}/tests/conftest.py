from pathlib import Path
{% if cookiecutter.preset == "mnist" %}
import numpy as np
{%- endif %}
import pytest

ROOT = Path(__file__).resolve().parents[1]
{%- if cookiecutter.preset == "mnist" %}


def write_idx(path: Path, array: np.ndarray) -> None:
    """Write `array` (uint8) in the MNIST idx format torchvision reads."""
    header = bytes([0, 0, 0x08, array.ndim]) + b"".join(
        int(d).to_bytes(4, "big") for d in array.shape
    )
    path.write_bytes(header + array.astype(np.uint8).tobytes())


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    """A tiny MNIST-format dataset: class k is a bright square at position k, plus noise."""
    rng = np.random.default_rng(0)
    raw = tmp_path / "data" / "MNIST" / "raw"
    raw.mkdir(parents=True)
    for prefix, n in (("train", 240), ("t10k", 60)):
        labels = np.arange(n) % 10
        images = rng.integers(0, 40, size=(n, 28, 28))
        for i, k in enumerate(labels):
            images[i, 2 + 2 * k : 8 + 2 * k, 4:20] = 255
        write_idx(raw / f"{prefix}-images-idx3-ubyte", images)
        write_idx(raw / f"{prefix}-labels-idx1-ubyte", labels)
    return tmp_path / "data"
{%- endif %}


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
def tiny_args(tmp_path: Path{% if cookiecutter.preset == "mnist" %}, data_dir: Path{% endif %}) -> list[str]:
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
{%- if cookiecutter.preset == "mnist" %}
        "--set",
        f"data_loader.args.data_dir={data_dir}",
        "--set",
        "data_loader.args.download=false",
{%- endif %}
        "--set",
        "arch.args.width=8",
        "--set",
        "trainer.log_step=2",
        "--set",
        "trainer.early_stop=null",
        "--device",
        "cpu",
        "--epochs",
        "4",
    ]
