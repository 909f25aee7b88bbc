from pathlib import Path

from torch.utils.tensorboard import SummaryWriter


class TensorboardWriter:
    """Epoch metrics as TensorBoard scalars: `tensorboard --logdir runs`."""

    def __init__(self, log_dir: Path) -> None:
        self.writer = SummaryWriter(log_dir=str(log_dir))

    def write(self, epoch: int, metrics: dict[str, float]) -> None:
        for name, value in metrics.items():
            self.writer.add_scalar(name, value, epoch)
        self.writer.flush()

    def close(self) -> None:
        self.writer.close()
