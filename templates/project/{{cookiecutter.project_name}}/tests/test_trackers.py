"""Trackers, offline: the values in their stores are those of metrics.csv, a resumed run
continues the same tracker run, and a failing tracker never stops training."""

import csv
{%- if cookiecutter.wandb %}
import json
{%- endif %}
from pathlib import Path

import pytest
from test_train import {% if cookiecutter.mlflow %}BATCHES, {% endif %}train_ok

import train
from {{ cookiecutter.__package_name }}.logger import metrics_writer


def epoch_values(run: Path, name: str) -> list[float]:
    with open(run / "metrics.csv", newline="") as f:
        return [float(row[name]) for row in csv.DictReader(f)]


def train_then_resume(tiny_args: list[str]) -> Path:
    """Two epochs, then a resume in the same folder for a third (a schedule without a fixed
    length, so that the run can be extended)."""
    run = train_ok([*tiny_args, "--epochs", "2", "--set", "lr_scheduler=null"])
    assert train.main(["-r", str(run / "latest.pt"), "--epochs", "3", "--device", "cpu"]) == 0
    return run
{%- if cookiecutter.mlflow %}


def test_mlflow_local_store_holds_the_run_across_a_resume(tiny_args, monkeypatch):
    from mlflow.tracking import MlflowClient

    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    monkeypatch.setenv("WANDB_MODE", "disabled")  # (if W&B is on too)
    run = train_then_resume(tiny_args)
    save_dir = run.parent.parent
    client = MlflowClient(f"sqlite:///{save_dir / '.mlflow' / 'mlflow.db'}")
    (experiment,) = [e for e in client.search_experiments() if e.name == run.parent.name]
    (found,) = client.search_runs([experiment.experiment_id])  # one run, resumed
    history = client.get_metric_history(found.info.run_id, "val_loss")
    assert [m.step for m in history] == [1, 2, 3]
    assert [m.value for m in history] == pytest.approx(epoch_values(run, "val_loss"))
    steps = client.get_metric_history(found.info.run_id, "loss_step")
    assert steps and all(m.step <= 3 * BATCHES for m in steps)
    assert found.data.params["optimizer.type"] == "AdamW"
    artifacts = [a.path for a in client.list_artifacts(found.info.run_id)]
    assert "model_best.pt" in artifacts
{%- endif %}
{%- if cookiecutter.wandb %}


def wandb_records(path: Path) -> list[bytes]:
    """The records of a W&B offline run file (.wandb: LevelDB log blocks after a header)."""
    data, records, pending, i = path.read_bytes(), [], b"", 7
    assert data[:4] == b":W&B"
    while i + 7 <= len(data):
        left = 32768 - i % 32768
        if left < 7:  # block trailer
            i += left
            continue
        length, kind = int.from_bytes(data[i + 4 : i + 6], "little"), data[i + 6]
        pending += data[i + 7 : i + 7 + length]
        i += 7 + length
        if kind in (1, 4):  # a full record, or the last chunk of one
            records.append(pending)
            pending = b""
    return records


def wandb_history(run_file: Path) -> list[dict[str, object]]:
    from wandb.proto import wandb_internal_pb2

    rows = []
    for data in wandb_records(run_file):
        record = wandb_internal_pb2.Record()
        record.ParseFromString(data)
        if record.WhichOneof("record_type") == "history":
            rows.append(
                {
                    item.key or "/".join(item.nested_key): json.loads(item.value_json)
                    for item in record.history.item
                }
            )
    return rows


def test_wandb_offline_files_hold_the_run_across_a_resume(tiny_args, monkeypatch):
    for name in ("WANDB_API_KEY", "WANDB_MODE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("MLFLOW_TRACKING_URI", "")  # (if MLflow is on too: its default store)
    run = train_then_resume(tiny_args)
    files = sorted((run / "wandb").glob("offline-run-*/run-*.wandb"))
    assert len(files) == 2 and len({f.name for f in files}) == 1  # the same run id, resumed
    epochs = [row for f in files for row in wandb_history(f) if "epoch" in row]
    assert [row["epoch"] for row in epochs] == [1, 2, 3]
    assert [row["val_loss"] for row in epochs] == pytest.approx(epoch_values(run, "val_loss"))
    assert any("step" in row and "loss" in row for f in files for row in wandb_history(f))
{%- endif %}


def test_a_failing_tracker_is_reported_once_and_training_goes_on(tiny_args, monkeypatch, caplog):
    def broken(*args: object) -> None:
        raise ConnectionError("no route to tracker")

    for name in ("WandbTracker", "MlflowTracker"):
        if hasattr(metrics_writer, name):
            monkeypatch.setattr(getattr(metrics_writer, name), "log", broken)
    run = train_ok([*tiny_args, "--epochs", "2"])
    assert len(epoch_values(run, "val_loss")) == 2
    warnings = [r.getMessage() for r in caplog.records if "switched off" in r.getMessage()]
    assert warnings and all("no route to tracker" in w for w in warnings)
    assert len(warnings) == len({w.split()[0] for w in warnings})  # once per tracker
