"""The one-line stderr progress bar of the long loops: evaluation, inference and data preparation.

(Training reports progress differently, as log lines: `sfmlearner_tf/training/progress.py`.)
Callers that are told to be quiet (`show_progress=False`) make no bar at all.
"""

import sys
import time
from typing import Callable, Optional, TextIO


class ProgressBar:
    """`label [#######.............]  35/100 (35%)  12.3/s ETA 5s`; `total=None` counts without a bar.

    Draws at the first update, then at most every `min_interval` seconds (and when the total is
    reached) so that writing the line never costs more than the work it reports; `close` draws the
    final count once and ends the line. `clock` (seconds, monotonic) is injectable for tests.
    """

    def __init__(self, total: Optional[int], label: str = "", stream: Optional[TextIO] = None, width: int = 30,
                 min_interval: float = 0.2, clock: Callable[[], float] = time.monotonic):
        self.total = total
        self.label = label
        self.stream = stream if stream is not None else sys.stderr
        self.width = width
        self.min_interval = min_interval
        self.count = 0
        self._clock = clock
        self._start = clock()
        # Not 0.0: monotonic time starts near 0 at boot, so a 0.0 here would skip the first draw
        # on a machine that has been up for less than `min_interval`.
        self._last_draw = float("-inf")
        self._drawn = None

    def update(self, amount: int = 1) -> None:
        self.count += amount
        now = self._clock()
        if now - self._last_draw >= self.min_interval or (self.total and self.count >= self.total):
            self._last_draw = now
            self._draw(now)

    def line(self, now: float) -> str:
        """The text of the bar at time `now` (of `clock`)."""
        rate = self.count / max(now - self._start, 1e-9)
        if not self.total:
            return f"{self.label} {self.count} {rate:.1f}/s"
        filled = int(self.width * min(self.count / self.total, 1.0))
        bar = "#" * filled + "." * (self.width - filled)
        remaining = max(self.total - self.count, 0)
        eta = f"{remaining / rate:.0f}s" if rate > 0 else "?"
        return (f"{self.label} [{bar}] {self.count:>{len(str(self.total))}}/{self.total} "
                f"({100.0 * self.count / self.total:.0f}%) {rate:.1f}/s ETA {eta}")

    def _draw(self, now: float) -> None:
        self._drawn = self.count
        # Trailing blanks wipe the end of a longer earlier line (the ETA can shrink).
        self.stream.write("\r" + self.line(now) + "   ")
        self.stream.flush()

    def close(self) -> None:
        if self._drawn != self.count:
            self._draw(self._clock())
        self.stream.write("\n")
        self.stream.flush()
