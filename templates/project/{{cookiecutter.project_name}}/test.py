"""Evaluate a checkpoint on the test split: `python test.py -r runs/.../model_best.pt`."""

import argparse
import csv
import sys
from pathlib import Path

import torch

import {{ cookiecutter.__package_name }}.data_loader as module_data
import {{ cookiecutter.__package_name }}.model.loss as module_loss
import {{ cookiecutter.__package_name }}.model.metric as module_metric
import {{ cookiecutter.__package_name }}.model.model as module_arch
from {{ cookiecutter.__package_name }}.config import (
    ConfigError,
    ConfigParser,
    validate,
)
from {{ cookiecutter.__package_name }}.utils import (
    CheckpointError,
    MetricTracker,
    autocast_dtype,
    load_checkpoint,
    select_device,
)
from {{ cookiecutter.__package_name }}.utils.plots import write_confusion_png


@torch.inference_mode()
def evaluate(
    checkpoint_path: Path, device_spec: str | None = None, batch_size: int | None = None
) -> tuple[dict[str, float], MetricTracker, list[str]]:
    """Loss and metrics of the checkpoint's model over the test split of its config; also the
    tracker (for the confusion counts) and the names of the outputs."""
    checkpoint = load_checkpoint(checkpoint_path)
    config = ConfigParser(validate(checkpoint["config"]), checkpoint_path.parent)
    device = select_device(device_spec or config["device"])

    overrides = {"batch_size": batch_size} if batch_size else {}
    loader = config.init_obj(
        "data_loader",
        module_data,
        split="test",
        seed=config["seed"],
        **overrides,
    )
    model = config.init_obj("arch", module_arch)
    model.load_state_dict(checkpoint["model"])
    model.to(device).eval()

    criterion = config.lookup("loss", module_loss)
    metrics = dict(zip(config["metrics"], config.lookup("metrics", module_metric), strict=True))
    names = checkpoint["output_names"]
    if loader.task == "classification":
        metrics["confusion_matrix"] = module_metric.confusion_matrix
    tracker = MetricTracker(metrics, len(names), device)
    amp_dtype = autocast_dtype(config["trainer"]["amp"], device)
    for data, target in loader:
        data, target = data.to(device, non_blocking=True), target.to(device, non_blocking=True)
        with torch.autocast(device.type, dtype=amp_dtype, enabled=amp_dtype is not None):
            output = model(data)
            loss = criterion(output, target)
        tracker.update(loss, output, target)
    results = tracker.result()  # sync point: once, at the end
    results.pop("confusion_matrix", None)  # (the accuracy again)
    return results, tracker, names


def write_confusion_matrix(folder: Path, totals: list[float], names: list[str]) -> None:
    """confusion_matrix.csv (rows: true class, columns: predicted) and a PNG heat map."""
    matrix = module_metric.ConfusionMatrix.matrix(totals)
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / "confusion_matrix.csv", "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["true \\ predicted", *names])
        writer.writerows([name, *row] for name, row in zip(names, matrix, strict=True))
    write_confusion_png(folder / "confusion_matrix.png", matrix)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("-r", "--resume", type=Path, required=True, help="checkpoint to evaluate")
    parser.add_argument("-d", "--device", help="auto, cpu, cuda, cuda:N or mps")
    parser.add_argument("--bs", type=int, help="batch size for evaluation")
    parser.add_argument(
        "-o", "--out", type=Path, help="folder for the confusion matrix (default: beside -r)"
    )
    args = parser.parse_args(argv)
    try:
        results, tracker, names = evaluate(args.resume, args.device, args.bs)
        if "confusion_matrix" in tracker.totals:
            out = args.out or args.resume.parent / f"test-{args.resume.stem}"
            write_confusion_matrix(out, tracker.totals["confusion_matrix"], names)
    except (ConfigError, CheckpointError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:
        where = f" '{exc.filename}'" if exc.filename else ""
        print(f"error: cannot read{where}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    for name, value in results.items():
        print(f"{name}: {value:.6f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
