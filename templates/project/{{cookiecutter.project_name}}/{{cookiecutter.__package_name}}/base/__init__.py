from .base_data_loader import BaseDataLoader, BatchStream, split_indices
from .base_model import BaseModel
from .base_trainer import BaseTrainer, TrainingStopped

__all__ = [
    "BaseDataLoader",
    "BaseModel",
    "BaseTrainer",
    "BatchStream",
    "TrainingStopped",
    "split_indices",
]
