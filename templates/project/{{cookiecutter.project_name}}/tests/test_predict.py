"""predict.py: one prediction per input, with the names the checkpoint carries."""

import csv
import math
from pathlib import Path

from test_train import train_ok

import predict
from {{ cookiecutter.__package_name }}.utils import load_checkpoint


def make_inputs(state: dict, tmp_path: Path) -> tuple[list[str], int]:
    """New inputs of the kind the model was trained on: image files, or CSV rows."""
    if "image" in state["preprocessing"]:
        from PIL import Image

        folder = tmp_path / "new-images"
        folder.mkdir()
        for i in range(3):
            Image.new("RGB", (20, 24), color=(80 * i, 40, 200)).save(folder / f"{i}.png")
        Image.new("L", (8, 8), color=255).save(tmp_path / "single.jpg")
        return [str(folder), str(tmp_path / "single.jpg")], 4
    args = state["config"]["data_loader"]["args"]
    source = Path(args["data_dir"]) / args["file"]
    table = tmp_path / "new-rows.csv"
    table.write_text("".join(source.read_text().splitlines(keepends=True)[:6]))
    return [str(table)], 5


def test_predict_writes_one_row_per_input(tiny_args, tmp_path, capsys):
    run = train_ok([*tiny_args, "--epochs", "1"])
    state = load_checkpoint(run / "model_best.pt")
    inputs, expected = make_inputs(state, tmp_path)
    out = tmp_path / "predictions.csv"
    args = ["-r", str(run / "model_best.pt"), *inputs, "-o", str(out), "-d", "cpu"]
    assert predict.main(args) == 0
    with open(out, newline="") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == expected
    if "probability" in rows[0]:
        assert {row["prediction"] for row in rows} <= set(state["output_names"])
        assert all(0 < float(row["probability"]) <= 1 for row in rows)
    else:
        target = state["output_names"][0]
        assert all(math.isfinite(float(row[target])) for row in rows)
    # An existing file is not replaced without --force.
    assert predict.main(args) == 1
    assert "exists" in capsys.readouterr().err
    assert predict.main([*args, "--force"]) == 0
