"""A per-process circuit breaker for Redis: after a failure, stop trying for a few seconds.

A stopped Redis refuses a connection at once, but the clients retry (the broker's for about two
seconds), so without this every request during an outage would pay that wait. While a circuit is
open the caller skips Redis and takes its fallback: a cache miss, or an outbox row left pending
for the relay. It also rate-limits the warning, which names only the error's type: never a key,
a value or a task argument (SECURITY.md 12).
"""

from __future__ import annotations

import logging
import threading
import time

logger = logging.getLogger(__name__)


class Circuit:
    """Shared by every thread of one process; each process (gunicorn worker, Celery worker) has its own."""

    def __init__(self, name: str, *, retry_after: float = 5.0, warn_every: float = 60.0) -> None:
        self.name = name
        self.retry_after = retry_after
        self.warn_every = warn_every
        self._lock = threading.Lock()
        self._open_until = 0.0
        self._last_warning = 0.0
        self._failures_since_warning = 0

    def is_open(self) -> bool:
        return time.monotonic() < self._open_until

    def record_failure(self, exc: BaseException) -> None:
        now = time.monotonic()
        with self._lock:
            self._open_until = now + self.retry_after
            self._failures_since_warning += 1
            if self._last_warning and now - self._last_warning < self.warn_every:
                return
            count, self._failures_since_warning = self._failures_since_warning, 0
            self._last_warning = now
        logger.warning(
            "%s: Redis unreachable (%s); carrying on without it (%d failure(s) since the last warning)",
            self.name,
            type(exc).__name__,
            count,
        )

    def reset(self) -> None:
        with self._lock:
            self._open_until = 0.0
            self._last_warning = 0.0
            self._failures_since_warning = 0
