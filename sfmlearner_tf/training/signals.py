"""SIGINT / SIGTERM turn into a flag that the training loop checks, so that it saves and exits."""

import signal
import threading


class StopRequest:
    """Context manager: while active, SIGINT and SIGTERM set `requested` instead of killing.

    The loop finishes its current step, saves a checkpoint and returns. A second SIGINT while a
    stop is already pending raises KeyboardInterrupt, so an impatient user still gets out.
    Outside the main thread (where Python cannot install handlers) it does nothing.
    """

    SIGNALS = (signal.SIGINT, signal.SIGTERM)

    def __init__(self):
        self.requested = False
        self.signal_name = ""
        self._previous = {}

    def _handle(self, signum, frame):
        if self.requested and signum == signal.SIGINT:
            raise KeyboardInterrupt
        self.requested = True
        self.signal_name = signal.Signals(signum).name

    def __enter__(self) -> "StopRequest":
        if threading.current_thread() is threading.main_thread():
            for signum in self.SIGNALS:
                self._previous[signum] = signal.signal(signum, self._handle)
        return self

    def __exit__(self, *exc_info) -> None:
        for signum, handler in self._previous.items():
            signal.signal(signum, handler)
        self._previous = {}
