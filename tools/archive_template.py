"""Ship a released template with ptgen, so `ptgen update` can re-render it offline.

    python tools/archive_template.py                      # the template as it is, this version
    python tools/archive_template.py --source DIR --version 0.2.0

Run once per release, when the version in pyproject.toml is bumped past the template that
went out: src/ptgen/template_history/<version>.tar.gz. The archive is byte-for-byte
reproducible (sorted entries, no owners, times or modes beyond the executable bit).
"""

import argparse
import gzip
import io
import tarfile
from pathlib import Path

from ptgen import __version__

REPO = Path(__file__).resolve().parents[1]
HISTORY = REPO / "src" / "ptgen" / "template_history"


def archive(source: Path, version: str) -> Path:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for path in sorted(p for p in source.rglob("*") if p.is_file()):
            rel = path.relative_to(source).as_posix()
            if "__pycache__" in rel.split("/") or path.suffix == ".pyc":
                continue
            info = tarfile.TarInfo(f"project/{rel}")
            data = path.read_bytes()
            info.size, info.mode = len(data), 0o755 if path.stat().st_mode & 0o100 else 0o644
            tar.addfile(info, io.BytesIO(data))
    HISTORY.mkdir(parents=True, exist_ok=True)
    target = HISTORY / f"{version}.tar.gz"
    with open(target, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as gz:
        gz.write(buffer.getvalue())
    return target


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--source", type=Path, default=REPO / "templates" / "project")
    parser.add_argument("--version", default=__version__)
    args = parser.parse_args()
    print(f"wrote {archive(args.source, args.version)}")
