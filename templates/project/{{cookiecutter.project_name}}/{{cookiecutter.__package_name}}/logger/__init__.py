from .logger import setup_logging
from .metrics_writer import MetricsWriter
from .progress import Progress

__all__ = ["MetricsWriter", "Progress", "setup_logging"]
