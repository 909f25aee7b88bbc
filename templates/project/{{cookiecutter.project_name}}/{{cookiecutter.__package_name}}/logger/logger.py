import logging
import sys
from pathlib import Path

FORMAT = "%(asctime)s %(levelname)s %(message)s"


class LogFileHandler(logging.FileHandler):
    """A log file whose write errors (disk full, read-only folder) stop the run with one line,
    instead of logging's "--- Logging error ---" report after every message."""

    def handleError(self, record: logging.LogRecord) -> None:  # noqa: N802 (logging's name)
        if isinstance(sys.exc_info()[1], OSError):
            raise  # train.py reports it in one line
        super().handleError(record)


def setup_logging(
    log_file: Path | None = None, verbose: bool = False, rank: int = 0
) -> logging.Logger:
    """Console (stderr) at INFO, or DEBUG when verbose; the log file always at DEBUG.

    Under torchrun only rank 0 logs; the other processes report warnings and errors only.
    """
    logger = logging.getLogger("train")
    logger.setLevel(logging.DEBUG)
    logger.propagate = False
    for handler in list(logger.handlers):
        logger.removeHandler(handler)
        handler.close()
    console = logging.StreamHandler(sys.stderr)
    console.setLevel(logging.DEBUG if verbose else logging.INFO)
    console.setFormatter(logging.Formatter("%(message)s"))
    if rank != 0:
        console.setLevel(logging.WARNING)
        console.setFormatter(logging.Formatter(f"[rank {rank}] %(message)s"))
    logger.addHandler(console)
    if log_file is not None and rank == 0:
        file_handler = LogFileHandler(log_file, encoding="utf-8")
        file_handler.setFormatter(logging.Formatter(FORMAT))
        logger.addHandler(file_handler)
    return logger
