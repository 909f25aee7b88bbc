"""Evaluate a checkpoint on the test split: `python test.py -r runs/.../model_best.pt`."""

import argparse
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


@torch.inference_mode()
def evaluate(
    checkpoint_path: Path, device_spec: str | None = None, batch_size: int | None = None
) -> dict[str, float]:
    """Loss and metrics of the checkpoint's model over the test split of its config."""
    checkpoint = load_checkpoint(checkpoint_path)
    config = ConfigParser(validate(checkpoint["config"]), checkpoint_path.parent)
    device = select_device(device_spec or config["device"])

    overrides = {"batch_size": batch_size} if batch_size else {}
    loader = config.init_obj(
        "data_loader",
        module_data,
        split="test",
        seed=config["seed"],
        pin_memory=device.type == "cuda",
        **overrides,
    )
    model = config.init_obj("arch", module_arch)
    model.load_state_dict(checkpoint["model"])
    model.to(device).eval()

    criterion = config.lookup("loss", module_loss)
    metric_ftns = config.lookup("metrics", module_metric)
    tracker = MetricTracker(["loss", *(m.__name__ for m in metric_ftns)], device)
    amp_dtype = autocast_dtype(config["trainer"]["amp"], device)
    for data, target in loader:
        data, target = data.to(device, non_blocking=True), target.to(device, non_blocking=True)
        with torch.autocast(device.type, dtype=amp_dtype, enabled=amp_dtype is not None):
            output = model(data)
            loss = criterion(output, target)
        values = torch.stack([loss, *(m(output, target) for m in metric_ftns)])
        tracker.update(values, target.shape[0])
    return tracker.result()  # sync point: once, at the end


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("-r", "--resume", type=Path, required=True, help="checkpoint to evaluate")
    parser.add_argument("-d", "--device", help="auto, cpu, cuda, cuda:N or mps")
    parser.add_argument("--bs", type=int, help="batch size for evaluation")
    args = parser.parse_args(argv)
    try:
        results = evaluate(args.resume, args.device, args.bs)
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
