"""Weights & Biases: the config as hyperparameters, epoch and step metrics, and the best
checkpoint as a model artifact.

Offline unless you say otherwise: without WANDB_API_KEY (or WANDB_MODE=online after
`wandb login`) the run is written under `<run folder>/wandb/`, and `wandb sync <that folder>`
uploads it later. A run resumed in its folder continues the same W&B run: its id is saved in
the checkpoints.
"""

import os
from pathlib import Path
from typing import Any

import wandb


class WandbTracker:
    name = "wandb"

    def __init__(self, run_dir: Path, project: str, hyperparameters: dict[str, Any]) -> None:
        self.run_dir, self.project, self.hyperparameters = run_dir, project, hyperparameters
        self.run: Any = None
        self.resume_id: str | None = None  # set before the first log to continue that run

    @property
    def run_id(self) -> str | None:
        return self.run.id if self.run is not None else self.resume_id

    def _start(self) -> Any:
        if self.run is None:
            online = bool(os.environ.get("WANDB_API_KEY"))
            self.run = wandb.init(
                project=self.project,
                name=self.run_dir.name,
                dir=str(self.run_dir),
                config=self.hyperparameters,
                mode=os.environ.get("WANDB_MODE") or ("online" if online else "offline"),
                id=self.resume_id,
                resume="allow" if self.resume_id else None,
            )
        return self.run

    def log(self, metrics: dict[str, float], step: int, kind: str) -> None:
        """`kind` epoch: metrics of epoch `step`; step: training loss at optimizer step `step`."""
        self._start().log({**metrics, kind: step})

    def log_artifact(self, path: Path) -> None:
        artifact = wandb.Artifact(f"{self.project}-{self.run_dir.name}", type="model")
        artifact.add_file(str(path), name=path.name)
        self._start().log_artifact(artifact)

    def close(self) -> None:
        if self.run is not None:
            self.run.finish()
            self.run = None
