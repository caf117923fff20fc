"""A warning about an unreachable service, logged once a minute per process: while Redis is down,
every request that reaches for it fails the same way, and one line a minute says so as well as a
thousand."""

import logging
import threading
import time


class OutageWarning:
    def __init__(self, logger: logging.Logger, every_seconds: float = 60.0):
        self._logger = logger
        self._every = every_seconds
        self._last = float("-inf")
        self._lock = threading.Lock()

    def __call__(self, message: str, *args, exc_info=True) -> None:
        now = time.monotonic()
        with self._lock:
            if now - self._last < self._every:
                return
            self._last = now
        self._logger.warning(message, *args, exc_info=exc_info)

    def reset(self) -> None:
        """The next warning is logged whenever it comes (tests)."""
        with self._lock:
            self._last = float("-inf")
