from .schedulers import WarmupCosine, build_scheduler
from .trainer import Trainer, build_optimizer, use_channels_last

__all__ = ["Trainer", "WarmupCosine", "build_optimizer", "build_scheduler", "use_channels_last"]
