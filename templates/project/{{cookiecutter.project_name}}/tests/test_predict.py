"""predict.py: one prediction per input, with the names the checkpoint carries."""

import csv
import math
from pathlib import Path

import pytest
import torch
from conftest import build_loader
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


def test_new_images_are_prepared_like_the_evaluation_images(data_args, tmp_path):
    """predict.py's preparation (from the checkpoint's plain numbers) matches the test split's
    transform: resizing, centre crop and normalization."""
    loader = build_loader(data_args, "test")
    dataset = getattr(loader.dataset, "dataset", loader.dataset)  # inside a Subset
    transform = getattr(dataset, "transform", None)
    if transform is None or "image" not in loader.preprocessing:
        pytest.skip("this dataset does not read image files")
    from PIL import Image

    spec = loader.preprocessing["image"]
    size, mode = spec["size"], "L" if spec["channels"] == 1 else "RGB"
    shapes = [(size, size)]
    if spec["resize"] is not None or getattr(loader, "stored_size", None) != size:
        shapes += [(size + 9, size + 4), (size + 3, size + 20)]  # resized, then centre-cropped
    generator = torch.Generator().manual_seed(0)
    for i, (width, height) in enumerate(shapes):
        pixels = torch.randint(0, 256, (height, width, len(mode)), generator=generator)
        image = Image.fromarray(pixels.to(torch.uint8).squeeze(-1).numpy(), mode)
        image.save(tmp_path / f"{i}.png")
        prepared = loader.prediction_data([tmp_path / f"{i}.png"], loader.preprocessing)[0][0]
        assert prepared.shape == (spec["channels"], size, size)
        torch.testing.assert_close(prepared, transform(image), atol=1e-5, rtol=0)
