import importlib.util
import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
TEMPLATE = REPO / "templates" / "project"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--run-slow",
        action="store_true",
        help="also run the slow tests (wheel build, end-to-end training); CI does",
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if config.getoption("--run-slow"):
        return
    skip = pytest.mark.skip(reason="slow: run with --run-slow")
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip)


@pytest.fixture
def requires_torch() -> None:
    """Skip torch-based tests where torch is missing, except in CI, where they must run."""
    if importlib.util.find_spec("torch") is None:
        if os.environ.get("CI"):
            pytest.fail("torch is not installed, but CI must run the end-to-end tests")
        pytest.skip("torch is not installed")


@pytest.fixture(autouse=True)
def isolated_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A HOME without ~/.cookiecutterrc or replay folder, unless a test writes one."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.delenv("COOKIECUTTER_CONFIG", raising=False)
    return home


def tree(root: Path) -> dict[str, bytes]:
    """Every file under `root` with its bytes, keyed by relative path."""
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def tree_as_rendered(root: Path) -> dict[str, bytes]:
    """`tree`, less the template digest that ptgen (not the template) adds to .ptgen.yaml."""
    files = tree(root)
    state = files[".ptgen.yaml"].decode().splitlines(keepends=True)
    files[".ptgen.yaml"] = "".join(
        line for line in state if not line.startswith("template_digest:")
    ).encode()
    return files
