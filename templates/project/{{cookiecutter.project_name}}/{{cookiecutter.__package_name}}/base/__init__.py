from .base_data_loader import (
    BaseDataLoader,
    BatchStream,
    check_fractions,
    fold_split,
    split_indices,
    three_way_split,
)
from .base_model import BaseModel, check_positive_int
from .base_trainer import BaseTrainer, TrainingStopped, check_resumable

__all__ = [
    "BaseDataLoader",
    "BaseModel",
    "BaseTrainer",
    "BatchStream",
    "TrainingStopped",
    "check_fractions",
    "check_resumable",
    "check_positive_int",
    "fold_split",
    "split_indices",
    "three_way_split",
]
