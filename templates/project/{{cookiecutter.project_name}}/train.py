"""Train a model: `python train.py -c config.yaml`; resume with `python train.py -r CKPT`.

On several GPUs: `torchrun --standalone --nproc_per_node=N train.py -c config.yaml`.
"""

import argparse
import csv
import gc
import math
import shutil
import statistics
import sys
from pathlib import Path

import torch

import {{ cookiecutter.__package_name }}.data_loader as module_data
import {{ cookiecutter.__package_name }}.model.loss as module_loss
import {{ cookiecutter.__package_name }}.model.metric as module_metric
import {{ cookiecutter.__package_name }}.model.model as module_arch
from {{ cookiecutter.__package_name }}.base import (
    BaseDataLoader,
    TrainingStopped,
    check_resumable,
)
from {{ cookiecutter.__package_name }}.config import (
    ConfigError,
    ConfigParser,
    apply_overrides,
    load_yaml,
    parse_override,
    validate,
)
from {{ cookiecutter.__package_name }}.logger import setup_logging
from {{ cookiecutter.__package_name }}.logger.curves import best_epoch, read_columns
from {{ cookiecutter.__package_name }}.trainer import (
    Trainer,
    build_optimizer,
    build_scheduler,
    use_channels_last,
)
from {{ cookiecutter.__package_name }}.utils import (
    CheckpointError,
    distributed,
    load_checkpoint,
    load_weights,
    seed_everything,
)
from {{ cookiecutter.__package_name }}.utils.distributed import init_distributed
from {{ cookiecutter.__package_name }}.utils.run_folder import (
    RunFolderError,
    release_locks,
    resumes_in_place,
    same_run,
)

OUTPUT_ARGS = ("num_classes", "num_outputs")  # model arguments that must match the data
SHORTCUTS = {
    "lr": "optimizer.args.lr",
    "bs": "data_loader.args.batch_size",
    "epochs": "trainer.epochs",
}


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("-c", "--config", type=Path, help="config file (YAML)")
    parser.add_argument("-r", "--resume", type=Path, help="checkpoint to resume from")
    parser.add_argument("--finetune", type=Path, help="checkpoint to load weights from (new run)")
    parser.add_argument("-d", "--device", help="auto, cpu, cuda, cuda:N or mps (overrides config)")
    parser.add_argument(
        "--set",
        dest="sets",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="override a config value, e.g. --set optimizer.args.lr=0.01 (repeatable)",
    )
    parser.add_argument("--lr", type=float, help="shortcut for --set " + SHORTCUTS["lr"])
    parser.add_argument("--bs", type=int, help="shortcut for --set " + SHORTCUTS["bs"])
    parser.add_argument("--epochs", type=int, help="shortcut for --set " + SHORTCUTS["epochs"])
    parser.add_argument(
        "--folds",
        type=int,
        metavar="K",
        help="k-fold cross-validation: K runs, run k validating on fold k (stratified by "
        "class) of the non-test data; then the best monitored value's mean and std",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="show debug messages")
    args = parser.parse_args(argv)
    if args.folds is not None and (args.folds < 2 or args.resume):
        parser.error("--folds needs K >= 2 and a config (each fold's run resumes on its own)")
    if not args.config and not args.resume:
        parser.error("give a config (-c config.yaml) or a checkpoint to resume (-r CKPT)")
    if args.resume and args.finetune:
        parser.error("--resume and --finetune exclude each other")
    return args


def overrides(args: argparse.Namespace) -> dict[str, object]:
    result: dict[str, object] = dict(parse_override(pair) for pair in args.sets)
    for name, key in SHORTCUTS.items():
        if getattr(args, name) is not None:
            result[key] = getattr(args, name)
    if args.device:
        result["device"] = args.device
    return result


def fill_model_sizes(config: ConfigParser, loader: BaseDataLoader) -> None:
    """Model arguments set to `auto` take their value from the data; explicit ones must fit."""
    sizes = {
        "in_channels": loader.input_shape[0],
        "in_features": math.prod(loader.input_shape),
        "num_classes": len(loader.output_names),
        "num_outputs": len(loader.output_names),
    }
    args = config["arch"].get("args") or {}
    for key, value in args.items():
        if key in sizes and value == "auto":
            args[key] = sizes[key]
        elif key in OUTPUT_ARGS and value != sizes[key]:  # a model that cannot fit the data
            raise ConfigError(
                f"arch.args.{key} is {value!r} but the data has {sizes[key]} outputs "
                f"({', '.join(loader.output_names[:5])}, ...); use auto"
            )


def check_last_batch(model: torch.nn.Module, loader: BaseDataLoader) -> None:
    """BatchNorm cannot train on a batch of one sample: say so before the run starts."""
    samples, size = len(loader.sampler), loader.batch_size or 1  # this process's share
    norms = (torch.nn.modules.batchnorm._BatchNorm, torch.nn.SyncBatchNorm)
    if (
        samples % size == 1
        and not loader.drop_last
        and any(isinstance(m, norms) for m in model.modules())
    ):
        raise ConfigError(
            f"the last training batch would hold 1 sample ({samples} samples, batch_size "
            f"{size}), which BatchNorm cannot train on; set data_loader.args.drop_last: true "
            "or change batch_size"
        )


def train(args: argparse.Namespace) -> None:
    """Build everything from the config (or checkpoint) and train."""
    checkpoint = load_checkpoint(args.resume, for_resume=True) if args.resume else None
    weights = load_weights(args.finetune) if args.finetune else None
    # The whole config is checked before anything is built or written.
    config_dict = load_yaml(args.config) if args.config else validate(checkpoint["config"])
    config = ConfigParser(apply_overrides(config_dict, overrides(args)))
    device, rank, _ = init_distributed(str(config["device"]))
    logger = setup_logging(verbose=args.verbose, rank=rank)

    cfg, seed = config["trainer"], config["seed"]
    seed_everything(seed + rank, cfg["deterministic"])  # per process: different dropout masks

    loader_args = {"seed": seed}  # the same data order on every process
    data_loader = config.init_obj("data_loader", module_data, split="train", **loader_args)
    valid_data_loader = config.init_obj("data_loader", module_data, split="val", **loader_args)

    fill_model_sizes(config, data_loader)
    model = config.init_obj("arch", module_arch)
    check_last_batch(model, data_loader)
    channels_last = use_channels_last(cfg["channels_last"], model, device)
    memory_format = torch.channels_last if channels_last else torch.preserve_format
    model = model.to(device, memory_format=memory_format)
    criterion = config.lookup("loss", module_loss)
    metrics = dict(zip(config["metrics"], config.lookup("metrics", module_metric), strict=True))

    optimizer = build_optimizer(config, model, device)
    steps_per_epoch = -(-(cfg["len_epoch"] or len(data_loader)) // cfg["accum_steps"])
    lr_scheduler, lr_interval = build_scheduler(config, optimizer, steps_per_epoch)

    # Resuming continues in the run's own folder only from its latest.pt with the same
    # config (epochs and device may change); anything else starts a new run folder.
    in_place = checkpoint is not None and resumes_in_place(args.resume, checkpoint, config)
    if checkpoint is not None:
        check_resumable(checkpoint, config)

    # Everything is built and checked: only now create (or reopen) the run folder, on rank 0.
    run_dir = None
    if rank == 0:
        source = args.resume.parent if checkpoint is not None else None
        history = source if source is not None and same_run(source, checkpoint) else None
        run_dir = config.start_run(source if in_place else None, history=history)
    config.run_dir = run_dir = distributed.broadcast(run_dir)
    try:
        logger = setup_logging(run_dir / "train.log", args.verbose, rank)
        logger.info(f"run folder: {run_dir}")
        logger.debug(str(model))
        trainer = Trainer(
            model,
            criterion,
            metrics,
            optimizer,
            config,
            device,
            data_loader=data_loader,
            valid_data_loader=valid_data_loader,
            lr_scheduler=lr_scheduler,
            lr_interval=lr_interval,
            channels_last=channels_last,
        )
        trainer.epoch_callbacks = list(getattr(args, "epoch_callbacks", []))
        if checkpoint is not None:
            trainer.resume(checkpoint, origin=None if in_place else args.resume)
        elif weights is not None:
            trainer.load_weights(weights)
        if rank == 0:
            config.save()
    except BaseException:
        if rank == 0 and not in_place:  # a new folder that holds nothing of value yet
            setup_logging(verbose=args.verbose, rank=rank)  # closes the log file
            shutil.rmtree(run_dir, ignore_errors=True)
        raise
    trainer.train()
    distributed.barrier()  # every process finished before any leaves the process group
    logger.info(f"done: checkpoints in {run_dir}")
    args.run_dir = run_dir


def cross_validate(args: argparse.Namespace) -> int:
    """Train once per fold (each run in its own folder), then summarize the best value of
    the monitored metric: printed, and written to kfold-<first run>.csv beside the runs."""
    runs = []
    for k in range(args.folds):
        fold = argparse.Namespace(**vars(args))
        fold.sets = [*args.sets, f"data_loader.args.fold=[{k}, {args.folds}]"]
        code = run(fold)
        if code != 0:
            return code
        runs.append(fold.run_dir)
    if not distributed.is_main():
        return 0
    mode, _, metric = str(load_yaml(runs[0] / "config.yaml")["trainer"]["monitor"]).partition(" ")
    best = [best_epoch(read_columns(r / "metrics.csv"), metric, mode)[0] for r in runs]
    mean, std = statistics.mean(best), statistics.stdev(best)
    summary = runs[0].parent / f"kfold-{runs[0].name}.csv"
    with open(summary, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["fold", "run", f"best {metric}"])
        for k, (run_dir, value) in enumerate(zip(runs, best, strict=True)):
            writer.writerow([k, run_dir.name, repr(value)])
        writer.writerows([["mean", "", repr(mean)], ["std", "", repr(std)]])
    print(f"{args.folds}-fold {metric}: {mean:.4g} ± {std:.4g} (sample std); {summary}")
    return 0


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    return cross_validate(args) if args.folds else run(args)


def run(args: argparse.Namespace) -> int:
    """One training run; the exit status."""
    try:
        train(args)
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except (CheckpointError, RunFolderError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:  # disk full, read-only folder, ...: the files saved so far are intact
        where = f" '{exc.filename}'" if exc.filename else ""
        print(f"error: cannot write or read{where}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    except TrainingStopped as exc:  # all processes stop together (the decision is shared)
        distributed.barrier()
        if distributed.is_main():
            print(str(exc), file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:  # a second Ctrl-C: stop at once, without saving
        print("aborted; the last checkpoint saved is still valid", file=sys.stderr)
        return 130
    finally:
        # Free the model and its DDP wrapper (reference cycles) while the process group is
        # still alive, then leave it: Gloo aborts if they die during interpreter shutdown.
        gc.collect()
        distributed.cleanup()
        release_locks()
    return 0


if __name__ == "__main__":
    sys.exit(main())
