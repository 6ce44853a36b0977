"""A one-line text progress bar on stderr for folders, videos and datasets."""

import sys
import time
from typing import Optional, TextIO


class ProgressBar:
    """`label [#######.............]  35/100  12.3 it/s`; `total=None` counts without a bar.

    Redraws at most every `min_interval` seconds (and at the end) so that writing the line
    never costs more than the work it reports.
    """

    def __init__(self, total: Optional[int], label: str = "", stream: Optional[TextIO] = None, width: int = 30,
                 min_interval: float = 0.2):
        self.total = total
        self.label = label
        self.stream = stream if stream is not None else sys.stderr
        self.width = width
        self.min_interval = min_interval
        self.count = 0
        self._start = time.perf_counter()
        self._last_draw = 0.0

    def update(self, amount: int = 1) -> None:
        self.count += amount
        now = time.perf_counter()
        if now - self._last_draw >= self.min_interval or (self.total is not None and self.count >= self.total):
            self._last_draw = now
            self._draw(now)

    def _draw(self, now: float) -> None:
        rate = self.count / max(now - self._start, 1e-9)
        if self.total:
            filled = int(self.width * min(self.count / self.total, 1.0))
            bar = "#" * filled + "." * (self.width - filled)
            text = f"{self.label} [{bar}] {self.count:>{len(str(self.total))}}/{self.total} {rate:6.1f} it/s"
        else:
            text = f"{self.label} {self.count} {rate:6.1f} it/s"
        self.stream.write("\r" + text)
        self.stream.flush()

    def close(self) -> None:
        self._draw(time.perf_counter())
        self.stream.write("\n")
        self.stream.flush()
