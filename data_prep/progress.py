"""A one-line stderr progress report (count, rate, ETA) for long data-preparation runs."""

import sys
import time


class Progress:
    """Prints `label: done/total (pct) rate/s ETA` to stderr, at most every `interval` seconds."""

    def __init__(self, total: int, label: str = "snippets", stream=None, interval: float = 0.5):
        self.total = total
        self.label = label
        self.stream = stream if stream is not None else sys.stderr
        self.interval = interval
        self.done = 0
        self._start = time.monotonic()
        self._last = 0.0
        self._printed = -1

    def update(self, count: int = 1) -> None:
        self.done += count
        now = time.monotonic()
        if now - self._last >= self.interval or self.done >= self.total:
            self._last = now
            self._print(now, end="")

    def close(self) -> None:
        if self._printed == self.done:
            self.stream.write("\n")
        else:
            self._print(time.monotonic(), end="\n")
        self.stream.flush()

    def _print(self, now: float, end: str) -> None:
        self._printed = self.done
        elapsed = max(now - self._start, 1e-9)
        rate = self.done / elapsed
        remaining = (self.total - self.done) / rate if rate > 0 else float("inf")
        eta = f"{remaining:.0f}s" if remaining != float("inf") else "?"
        percent = 100.0 * self.done / self.total if self.total else 100.0
        self.stream.write(
            f"\r{self.label}: {self.done}/{self.total} ({percent:.0f}%) {rate:.1f}/s ETA {eta}   {end}"
        )
        self.stream.flush()
