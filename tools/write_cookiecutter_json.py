"""Write templates/project/cookiecutter.json from ptgen's options table and presets.

    python tools/write_cookiecutter_json.py

Run after changing src/ptgen/options.py or src/ptgen/presets.py; a test fails until the file
is in step.
"""

import json
from pathlib import Path

from ptgen.options import cookiecutter_json

TARGET = Path(__file__).resolve().parents[1] / "templates" / "project" / "cookiecutter.json"


def render() -> str:
    return json.dumps(cookiecutter_json(), indent=2, ensure_ascii=False) + "\n"


if __name__ == "__main__":
    TARGET.write_text(render(), encoding="utf-8")
    print(f"wrote {TARGET}")
