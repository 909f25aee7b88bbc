"""The templates must be found from a built wheel installed into a fresh virtual environment."""

import subprocess
import sys
import venv
from pathlib import Path

import pytest

from .conftest import REPO, tree


@pytest.mark.slow
def test_wheel_in_a_fresh_venv_generates_the_same_project(tmp_path: Path):
    dist = tmp_path / "dist"
    subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--no-isolation", "-o", str(dist), str(REPO)],
        check=True,
        capture_output=True,
    )
    (wheel,) = dist.glob("ptgen-*.whl")

    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=True).create(env_dir)
    windows = sys.platform == "win32"
    bin_dir = env_dir / ("Scripts" if windows else "bin")
    python = bin_dir / ("python.exe" if windows else "python")
    subprocess.run(
        [python, "-m", "pip", "install", "-q", "--disable-pip-version-check", str(wheel)],
        check=True,
        capture_output=True,
    )
    where = subprocess.run(
        [python, "-c", "from ptgen.render import template_dir; print(template_dir())"],
        check=True,
        capture_output=True,
        text=True,
        cwd=tmp_path,
    ).stdout.strip()
    assert Path(where).is_relative_to(env_dir), where

    out = tmp_path / "from-wheel"
    proc = subprocess.run(
        [
            bin_dir / ("ptgen.exe" if windows else "ptgen"),
            "new",
            "demo",
            "-o",
            str(out),
            "--no-input",
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        stdin=subprocess.DEVNULL,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == str(out / "demo")

    source = tmp_path / "from-source"
    subprocess.run(
        [sys.executable, "-m", "ptgen", "new", "demo", "-o", str(source), "--no-input"],
        check=True,
        capture_output=True,
        stdin=subprocess.DEVNULL,
    )
    assert tree(out / "demo") == tree(source / "demo")

    # The installed ptgen finds its template history and component skeletons too.
    ptgen = bin_dir / ("ptgen.exe" if windows else "ptgen")
    check = subprocess.run([ptgen, "check", str(out / "demo")], capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr
    added = subprocess.run(
        [ptgen, "add", "metric", "error_rate", "-p", str(out / "demo")],
        capture_output=True,
        text=True,
    )
    assert added.returncode == 0, added.stderr
    state = out / "demo" / ".ptgen.yaml"
    state.write_text(
        "".join(
            line
            for line in state.read_text().splitlines(keepends=True)
            if not line.startswith(("ptgen_version", "template_digest"))
        )
    )
    adopted = subprocess.run(
        [ptgen, "update", str(out / "demo"), "--adopt", "--from", "0.2.0"],
        capture_output=True,
        text=True,
    )
    assert adopted.returncode in (0, 1), adopted.stderr  # 1: conflicts with 0.2.0's files
    assert "template 0.2.0 -> " in adopted.stdout
