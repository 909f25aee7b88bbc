"""Generated Trainer vs. an equivalent hand-written PyTorch loop, measured side by side.

    python benchmarks/bench_trainer.py                    # CPU, default digits project
    python benchmarks/bench_trainer.py --device cuda      # GPU mode (AMP etc. as configured)

One process generates a project with ptgen, builds the same model, data, batch size,
optimizer, LR schedule, gradient clipping, logging cadence and per-epoch checkpoint for both
sides, then alternates them epoch by epoch (A B B A ...) so that machine noise hits both
alike. It prints the median per-step time of each side and their ratio. Peak memory is
measured separately: on CUDA with the allocator's peak counter, on CPU as the peak RSS of a
fresh child process per side (identical imports and setup, so the ratio compares the runs).
"""

from __future__ import annotations

import argparse
import importlib
import json
import multiprocessing as mp
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]


def generate(out: Path, preset: str) -> Path:
    subprocess.run(
        [
            sys.executable,
            "-m",
            "ptgen",
            "new",
            "bench",
            "-o",
            str(out),
            "--no-input",
            "--set",
            f"dataset={preset}",
        ],
        check=True,
        capture_output=True,
        stdin=subprocess.DEVNULL,
    )
    return out / "bench"


class Job:
    """Everything both sides share: the generated project's config, data and model."""

    def __init__(self, project: Path, device: str, overrides: dict[str, Any], run_root: Path):
        sys.path.insert(0, str(project))
        import torch

        self.torch = torch
        package = next(project.glob("*/trainer/trainer.py")).parent.parent.name
        parser = importlib.import_module(f"{package}.config.parser")
        self.pkg = {
            name: importlib.import_module(f"{package}.{name}")
            for name in (
                "data_loader",
                "model.model",
                "model.loss",
                "model.metric",
                "trainer",
                "utils",
                "logger",
            )
        }
        config = parser.load_yaml(project / "config.yaml")
        self.config_dict = parser.apply_overrides(config, {"device": device, **overrides})
        self.parser = parser
        self.device = self.pkg["utils"].select_device(device)
        self.run_root = run_root
        # `auto` model sizes come from the data, as train.py fills them.
        train_script = importlib.import_module("train")
        train_script.fill_model_sizes(parser.ConfigParser(self.config_dict), self.loaders()[0])

    def loaders(self):
        cfg = self.parser.ConfigParser(self.config_dict)
        args = {"seed": 0}
        return (
            cfg.init_obj("data_loader", self.pkg["data_loader"], split="train", **args),
            cfg.init_obj("data_loader", self.pkg["data_loader"], split="val", **args),
        )

    def model(self):
        cfg = self.parser.ConfigParser(self.config_dict)
        self.torch.manual_seed(0)
        return cfg.init_obj("arch", self.pkg["model.model"])


class GeneratedSide:
    name = "trainer"

    def __init__(self, job: Job):
        torch, pkg = job.torch, job.pkg
        config = job.parser.ConfigParser(json.loads(json.dumps(job.config_dict)))
        config.start_run(Path(tempfile.mkdtemp(dir=job.run_root)))
        cfg = config["trainer"]
        logger = pkg["logger"].setup_logging(config.run_dir / "train.log")
        logger.handlers[0].setLevel("WARNING")  # console off: both sides log to a file only
        train, valid = job.loaders()
        model = job.model()
        channels_last = pkg["trainer"].use_channels_last(cfg["channels_last"], model, job.device)
        fmt = torch.channels_last if channels_last else torch.preserve_format
        model = model.to(job.device, memory_format=fmt)
        optimizer = pkg["trainer"].build_optimizer(config, model, job.device)
        steps = -(-(cfg["len_epoch"] or len(train)) // cfg["accum_steps"])
        scheduler, interval = pkg["trainer"].build_scheduler(config, optimizer, steps)
        self.trainer = pkg["trainer"].Trainer(
            model,
            config.lookup("loss", pkg["model.loss"]),
            dict(
                zip(config["metrics"], config.lookup("metrics", pkg["model.metric"]), strict=True)
            ),
            optimizer,
            config,
            job.device,
            data_loader=train,
            valid_data_loader=valid,
            lr_scheduler=scheduler,
            lr_interval=interval,
            channels_last=channels_last,
            progress=pkg["logger"].Progress(enabled=False),
        )
        self.steps_per_epoch = self.trainer.len_epoch
        self.epoch = 0
        self.last_log: dict[str, float] = {}

    def run_epoch(self) -> None:
        self.epoch += 1
        self.trainer.start_epoch = self.trainer.epochs = self.epoch
        self.last_log = self.trainer.train()


class HandWrittenSide:
    """The loop an expert writes by hand for the same job."""

    name = "hand-written"

    def __init__(self, job: Job):
        import logging

        torch, pkg = job.torch, job.pkg
        cfg = job.config_dict["trainer"]
        self.torch, self.device = torch, job.device
        self.train_loader, self.valid_loader = job.loaders()
        model = job.model()
        self.channels_last = pkg["trainer"].use_channels_last(
            cfg["channels_last"], model, job.device
        )
        self.fmt = torch.channels_last if self.channels_last else torch.preserve_format
        self.model = model.to(job.device, memory_format=self.fmt)
        self.forward = torch.compile(self.model) if cfg["compile"] else self.model
        opt_cfg = job.config_dict["optimizer"]
        fused = {"fused": True} if job.device.type == "cuda" else {}
        self.optimizer = getattr(torch.optim, opt_cfg["type"])(
            self.model.parameters(), **opt_cfg["args"], **fused
        )
        sched = job.config_dict["lr_scheduler"]
        if sched["type"] != "OneCycleLR" or sched.get("interval") != "step":
            raise SystemExit("the hand-written loop mirrors the default per-step OneCycleLR only")
        total = cfg["epochs"] * len(self.train_loader)
        max_lr = sched["args"]["max_lr"]  # `auto`: the optimizer's lr, as the trainer reads it
        self.scheduler = torch.optim.lr_scheduler.OneCycleLR(
            self.optimizer,
            max_lr=opt_cfg["args"]["lr"] if max_lr == "auto" else max_lr,
            total_steps=total,
        )
        self.amp_dtype = pkg["utils"].autocast_dtype(cfg["amp"], job.device)
        self.clip = cfg["grad_clip"]
        self.log_step = cfg["log_step"]
        self.dir = Path(tempfile.mkdtemp(dir=job.run_root))
        self.log = logging.getLogger("hand")
        handler = logging.FileHandler(self.dir / "train.log")
        self.log.addHandler(handler)
        self.log.setLevel(logging.INFO)
        self.steps_per_epoch = len(self.train_loader)
        self.epoch = 0

    def _forward(self, x, y):
        torch = self.torch
        x = x.to(self.device, non_blocking=True, memory_format=self.fmt)
        y = y.to(self.device, non_blocking=True)
        with torch.autocast(
            self.device.type, dtype=self.amp_dtype, enabled=self.amp_dtype is not None
        ):
            out = self.forward(x)
            return out, torch.nn.functional.cross_entropy(out, y), y

    def run_epoch(self) -> None:
        torch = self.torch
        self.epoch += 1
        self.model.train()
        totals = torch.zeros(2, device=self.device)
        window = torch.zeros((), device=self.device)
        for i, (x, y) in enumerate(self.train_loader, 1):
            out, loss, y = self._forward(x, y)
            loss.backward()
            if self.clip:
                torch.nn.utils.clip_grad_norm_(self.model.parameters(), self.clip, foreach=True)
            self.optimizer.step()
            self.optimizer.zero_grad(set_to_none=True)
            self.scheduler.step()
            acc = (out.detach().argmax(1) == y).float().mean()
            totals += torch.stack([loss.detach(), acc]) * y.shape[0]
            window += loss.detach()
            if i % self.log_step == 0:
                self.log.info(
                    "epoch %d [%d] loss %.6f", self.epoch, i, window.item() / self.log_step
                )
                window.zero_()
        train_loss, train_acc = (totals / len(self.train_loader.dataset)).tolist()
        self.model.eval()
        val = torch.zeros(2, device=self.device)
        with torch.inference_mode():
            for x, y in self.valid_loader:
                out, loss, y = self._forward(x, y)
                val += torch.stack([loss, (out.argmax(1) == y).float().mean()]) * y.shape[0]
        val_loss, val_acc = (val / len(self.valid_loader.dataset)).tolist()
        self.log.info(
            "epoch %d loss %.4f acc %.4f val_loss %.4f val_acc %.4f",
            self.epoch,
            train_loss,
            train_acc,
            val_loss,
            val_acc,
        )
        state = {
            "model": self.model.state_dict(),
            "optimizer": self.optimizer.state_dict(),
            "scheduler": self.scheduler.state_dict(),
            "epoch": self.epoch,
        }
        tmp = self.dir / "latest.pt.tmp"  # the same crash safety as the trainer's checkpoints
        with open(tmp, "wb") as f:
            torch.save(state, f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, self.dir / "latest.pt")


def sync(job: Job) -> None:
    if job.device.type == "cuda":
        job.torch.cuda.synchronize()


def time_sides(project: Path, args: argparse.Namespace, overrides: dict[str, Any]) -> dict:
    with tempfile.TemporaryDirectory() as runs:
        job = Job(project, args.device, overrides, Path(runs))
        sides = [GeneratedSide(job), HandWrittenSide(job)]
        for side in sides:  # warm-up (and compilation, if enabled)
            for _ in range(args.warmup):
                side.run_epoch()
        per_step: dict[str, list[float]] = {s.name: [] for s in sides}
        for r in range(args.rounds):
            for side in sides if r % 2 == 0 else sides[::-1]:
                sync(job)
                start = time.perf_counter()
                side.run_epoch()
                sync(job)
                per_step[side.name].append((time.perf_counter() - start) / side.steps_per_epoch)
        trainer_log = sides[0].last_log
        batch = job.config_dict["data_loader"]["args"]["batch_size"]
        return {
            "per_step": per_step,
            "data_wait": trainer_log.get("data_wait", float("nan")),
            "batch_size": batch,
            "device": str(job.device),
            "amp": str(sides[0].trainer.amp_dtype or "off"),
        }


def _peak_child(project: str, side_name: str, args: argparse.Namespace, overrides, queue) -> None:
    with tempfile.TemporaryDirectory() as runs:
        job = Job(Path(project), args.device, overrides, Path(runs))
        side = (GeneratedSide if side_name == "trainer" else HandWrittenSide)(job)
        if job.device.type == "cuda":
            job.torch.cuda.reset_peak_memory_stats()
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
        for _ in range(args.memory_epochs):
            side.run_epoch()
        if job.device.type == "cuda":
            queue.put((job.torch.cuda.max_memory_allocated(), 0))
        else:
            peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
            queue.put((peak, peak - before))


def peak_memory(project: Path, args: argparse.Namespace, overrides) -> dict[str, tuple[int, int]]:
    """(peak, growth of the peak during training) per side, each in a fresh process."""
    ctx = mp.get_context("spawn")
    result: dict[str, tuple[int, int]] = {}
    for name in ("trainer", "hand-written"):
        queue = ctx.Queue()
        proc = ctx.Process(target=_peak_child, args=(str(project), name, args, overrides, queue))
        proc.start()
        result[name] = queue.get()
        proc.join()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--preset", default="digits", choices=("digits", "mnist"))
    parser.add_argument("--project", type=Path, help="use this generated project")
    parser.add_argument("--rounds", type=int, default=21, help="timed epochs per side")
    parser.add_argument("--warmup", type=int, default=1)
    parser.add_argument("--memory-epochs", type=int, default=2)
    parser.add_argument("--compile", action="store_true", help="torch.compile both sides")
    parser.add_argument("--set", dest="sets", action="append", default=[], metavar="KEY=VALUE")
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args()

    import yaml

    overrides: dict[str, Any] = {
        "trainer.epochs": args.warmup + args.rounds + 1,
        "trainer.early_stop": None,
        "trainer.compile": args.compile,
    }
    if args.preset == "mnist":
        overrides["data_loader.args.download"] = False
    overrides.update({k: yaml.safe_load(v) for k, v in (s.split("=", 1) for s in args.sets)})

    with tempfile.TemporaryDirectory() as tmp:
        project = args.project or generate(Path(tmp), args.preset)
        timing = time_sides(project, args, overrides)
        memory = peak_memory(project, args, overrides)

    t = {name: statistics.median(v) for name, v in timing["per_step"].items()}
    ratio = t["trainer"] / t["hand-written"]
    mem_ratio = memory["trainer"][0] / memory["hand-written"][0]
    kind = "peak CUDA memory" if timing["device"].startswith("cuda") else "peak RSS"
    print(
        f"device {timing['device']}, amp {timing['amp']}, batch {timing['batch_size']}, "
        f"{args.rounds} interleaved epochs per side"
    )
    for name, value in t.items():
        rate = timing["batch_size"] / value
        print(
            f"  {name:13s} median step {value * 1e3:8.3f} ms  ({rate:,.0f} samples/s)  "
            f"{kind} {memory[name][0] / 2**20:,.1f} MiB"
            + (f" (+{memory[name][1] / 2**20:,.1f} MiB while training)" if memory[name][1] else "")
        )
    print(f"  trainer data-wait share of step time: {timing['data_wait']:.1%}")
    print(f"step-time ratio (trainer / hand-written): {ratio:.3f}")
    print(f"peak-memory ratio (trainer / hand-written): {mem_ratio:.3f}")
    if args.json:
        args.json.write_text(
            json.dumps(
                {
                    "step_ratio": ratio,
                    "memory_ratio": mem_ratio,
                    "median_step_s": t,
                    "peak_memory": memory,
                    **timing,
                },
                indent=2,
            )
        )


if __name__ == "__main__":
    main()
