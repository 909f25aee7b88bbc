"""Predict with a trained model: `python predict.py -r runs/.../model_best.pt INPUT...`.

INPUT: image files or folders of them (image datasets), or CSV files with the feature columns
(tabular datasets). Writes one row per input to a CSV file: the prediction (the class name,
with its probability; or the predicted value) beside the input's name.
"""

import argparse
import csv
import sys
from pathlib import Path

import torch
from torch.utils.data import DataLoader

import {{ cookiecutter.__package_name }}.data_loader as module_data
import {{ cookiecutter.__package_name }}.model.model as module_arch
from {{ cookiecutter.__package_name }}.config import ConfigError, ConfigParser, validate
from {{ cookiecutter.__package_name }}.utils import (
    CheckpointError,
    autocast_dtype,
    load_checkpoint,
    select_device,
)


@torch.inference_mode()
def predict(
    checkpoint_path: Path,
    inputs: list[Path],
    device_spec: str | None = None,
    batch_size: int = 64,
) -> tuple[list[str], list[list[object]]]:
    """(header, rows): one row per input, in input order."""
    checkpoint = load_checkpoint(checkpoint_path)
    config = ConfigParser(validate(checkpoint["config"]))
    device = select_device(device_spec or config["device"])
    loader_class = getattr(module_data, config["data_loader"]["type"])
    data = loader_class.prediction_data(inputs, checkpoint["preprocessing"])
    if len(data) == 0:
        raise ValueError("no inputs found (image files, folders of them, or CSV files)")

    model = config.init_obj("arch", module_arch)
    model.load_state_dict(checkpoint["model"])
    model.to(device).eval()
    amp_dtype = autocast_dtype(config["trainer"]["amp"], device)

    names = checkpoint["output_names"]
    classification = config["data_loader"]["args"].get("task", "classification") != "regression"
    header = ["input", "prediction", "probability"] if classification else ["input", *names]
    rows: list[list[object]] = []
    for batch, ids in DataLoader(data, batch_size=batch_size):
        with torch.autocast(device.type, dtype=amp_dtype, enabled=amp_dtype is not None):
            output = model(batch.to(device, non_blocking=True)).float()
        if classification:
            probability, index = output.softmax(dim=1).max(dim=1)
            found = zip(index.tolist(), probability.tolist(), strict=True)  # sync point
            rows += [[i, names[k], round(p, 6)] for i, (k, p) in zip(ids, found, strict=True)]
        else:
            rows += [[i, *values] for i, values in zip(ids, output.tolist(), strict=True)]
    return header, rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("-r", "--resume", type=Path, required=True, help="checkpoint to use")
    parser.add_argument("inputs", type=Path, nargs="+", help="image files, folders or CSVs")
    parser.add_argument("-o", "--out", type=Path, default=Path("predictions.csv"))
    parser.add_argument("--force", action="store_true", help="replace an existing --out file")
    parser.add_argument("-d", "--device", help="auto, cpu, cuda, cuda:N or mps")
    parser.add_argument("--bs", type=int, default=64, help="batch size")
    args = parser.parse_args(argv)
    if args.out.exists() and not args.force:
        print(f"error: {args.out} exists; choose another --out or add --force", file=sys.stderr)
        return 1
    try:
        header, rows = predict(args.resume, args.inputs, args.device, args.bs)
        tmp = args.out.with_name(f".{args.out.name}.tmp")
        with open(tmp, "w", newline="", encoding="utf-8") as f:
            csv.writer(f).writerows([header, *rows])
        tmp.replace(args.out)  # complete or not at all
    except (ConfigError, CheckpointError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:
        where = f" '{exc.filename}'" if exc.filename else ""
        print(f"error: cannot read or write{where}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    print(f"{len(rows)} predictions -> {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
