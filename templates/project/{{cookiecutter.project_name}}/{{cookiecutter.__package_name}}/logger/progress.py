import sys
import time


class Progress:
    """A one-line progress bar on a terminal; silent otherwise (the log has plain lines)."""

    def __init__(self, enabled: bool | None = None, min_interval: float = 0.1) -> None:
        self.enabled = sys.stderr.isatty() if enabled is None else enabled
        self.min_interval = min_interval
        self._last = 0.0
        self._total = 0
        self._label = ""
        self.status = ""

    def start(self, label: str, total: int) -> None:
        self._label, self._total, self.status = label, total, ""

    def update(self, done: int) -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        if now - self._last < self.min_interval and done < self._total:
            return
        self._last = now
        width = 30
        filled = width * done // max(self._total, 1)
        bar = "#" * filled + "." * (width - filled)
        sys.stderr.write(f"\r{self._label} [{bar}] {done}/{self._total} {self.status}\x1b[K")
        sys.stderr.flush()

    def close(self) -> None:
        if self.enabled:
            sys.stderr.write("\r\x1b[K")
            sys.stderr.flush()
