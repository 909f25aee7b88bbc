from . import distributed
from .checkpoint import (
    CheckpointError,
    link_checkpoint,
    load_checkpoint,
    load_weights,
    save_checkpoint,
)
from .device import autocast_dtype, select_device
from .rng import get_rng_state, seed_everything, set_rng_state
from .tracker import MetricTracker

__all__ = [
    "CheckpointError",
    "MetricTracker",
    "autocast_dtype",
    "distributed",
    "get_rng_state",
    "link_checkpoint",
    "load_checkpoint",
    "load_weights",
    "save_checkpoint",
    "seed_everything",
    "select_device",
    "set_rng_state",
]
