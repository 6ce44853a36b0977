"""The console progress line: step, loss, throughput and time left."""

import time
from typing import Callable, Optional


def format_duration(seconds: float) -> str:
    """3725 -> '1h02m05s'; 65 -> '1m05s'; 7 -> '7s'."""
    seconds = int(round(max(seconds, 0.0)))
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    if hours:
        return f"{hours}h{minutes:02d}m{seconds:02d}s"
    if minutes:
        return f"{minutes}m{seconds:02d}s"
    return f"{seconds}s"


class Throughput:
    """Wall time and images between two marks (step time, images/s)."""

    def __init__(self, clock: Callable[[], float] = time.perf_counter):
        self._clock = clock
        self._start = clock()
        self._steps = 0

    def tick(self) -> None:
        self._steps += 1

    def read(self, images_per_step: int) -> tuple[float, float]:
        """(seconds per step, images per second) since the last read; resets."""
        now = self._clock()
        elapsed, steps = now - self._start, self._steps
        self._start, self._steps = now, 0
        if steps == 0 or elapsed <= 0:
            return 0.0, 0.0
        return elapsed / steps, images_per_step * steps / elapsed


class Progress:
    """Formats `step 120/200000 | loss 0.4213 | 9.8 img/s | 0.41 s/step | ETA 22h47m` lines."""

    def __init__(self, max_steps: int, images_per_step: int, clock: Callable[[], float] = time.perf_counter):
        self.max_steps = max_steps
        self.images_per_step = images_per_step
        self._throughput = Throughput(clock)

    def tick(self) -> None:
        self._throughput.tick()

    def line(self, step: int, loss: float, extra: Optional[dict] = None) -> str:
        seconds_per_step, images_per_second = self._throughput.read(self.images_per_step)
        eta = format_duration(seconds_per_step * (self.max_steps - step)) if seconds_per_step else "?"
        parts = [
            f"step {step}/{self.max_steps}",
            f"loss {loss:.4f}",
            f"{images_per_second:.1f} img/s",
            f"{seconds_per_step:.3f} s/step",
            f"ETA {eta}",
        ]
        parts += [f"{name} {value:.4g}" for name, value in (extra or {}).items()]
        return " | ".join(parts)
