"""MLflow: the config as parameters, epoch and step metrics, and the best checkpoint as an
artifact.

Local by default: a SQLite store beside the runs (`<save_dir>/.mlflow/mlflow.db`, artifacts
in `<save_dir>/.mlflow/artifacts/`; browse with
`mlflow ui --backend-store-uri sqlite:///runs/.mlflow/mlflow.db`); set MLFLOW_TRACKING_URI to
log to a server instead. A run resumed in its folder continues the
same MLflow run: its id is saved in the checkpoints.
"""

import os
import time
from pathlib import Path
from typing import Any

from mlflow.entities import Metric, Param, RunStatus
from mlflow.tracking import MlflowClient

MAX_PARAM = 6000  # characters MLflow keeps of a parameter value


class MlflowTracker:
    name = "mlflow"

    def __init__(self, run_dir: Path, project: str, hyperparameters: dict[str, Any]) -> None:
        self.run_dir, self.project, self.hyperparameters = run_dir, project, hyperparameters
        self.client: MlflowClient | None = None
        self.resume_id: str | None = None  # set before the first log to continue that run
        self._run_id: str | None = None

    @property
    def run_id(self) -> str | None:
        return self._run_id or self.resume_id

    def _start(self) -> tuple[MlflowClient, str]:
        if self.client is None or self._run_id is None:
            store = self.run_dir.parent.parent.resolve() / ".mlflow"
            uri = os.environ.get("MLFLOW_TRACKING_URI")
            if not uri:
                store.mkdir(exist_ok=True)
                uri = f"sqlite:///{store / 'mlflow.db'}"
            client = MlflowClient(uri)
            if self.resume_id:
                client.update_run(self.resume_id, status=RunStatus.to_string(RunStatus.RUNNING))
                run_id = self.resume_id
            else:
                experiment = client.get_experiment_by_name(self.project)
                experiment_id = (
                    experiment.experiment_id
                    if experiment is not None
                    else client.create_experiment(
                        self.project, artifact_location=(store / "artifacts").as_uri()
                    )
                )
                run_id = client.create_run(experiment_id, run_name=self.run_dir.name).info.run_id
                params = [
                    Param(key[:250], str(value)[:MAX_PARAM])
                    for key, value in self.hyperparameters.items()
                ]
                client.log_batch(run_id, params=params)
            self.client, self._run_id = client, run_id
        return self.client, self._run_id

    def log(self, metrics: dict[str, float], step: int, kind: str) -> None:
        """`kind` epoch: metrics of epoch `step`; step: training loss at optimizer step `step`."""
        client, run_id = self._start()
        now = int(time.time() * 1000)
        suffix = "" if kind == "epoch" else "_step"
        batch = [Metric(f"{k}{suffix}", float(v), now, step) for k, v in metrics.items()]
        client.log_batch(run_id, metrics=batch)

    def log_artifact(self, path: Path) -> None:
        client, run_id = self._start()
        client.log_artifact(run_id, str(path))

    def close(self) -> None:
        if self.client is not None and self._run_id is not None:
            self.client.set_terminated(self._run_id)
        self.client = None
