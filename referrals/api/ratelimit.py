"""Per-client call counting in Redis (fixed one-minute windows).

A Redis outage must not turn every API call into a 500: the limiter then lets calls through
and logs that it could not count (no client data in the line beyond the client's id).
"""

from __future__ import annotations

import logging
import time

from django.core.cache import cache

from referrals.api.models import ApiClient

log = logging.getLogger(__name__)
WINDOW_SECONDS = 60


def seconds_to_next_window(now: float | None = None) -> int:
    now = time.time() if now is None else now
    return WINDOW_SECONDS - int(now) % WINDOW_SECONDS


def call_allowed(client: ApiClient, now: float | None = None) -> bool:
    """Count this call in the client's current window; False once the window's limit is passed."""
    now = time.time() if now is None else now
    key = f"api:rate:{client.pk}:{int(now) // WINDOW_SECONDS}"
    try:
        cache.add(key, 0, WINDOW_SECONDS + 5)
        count = cache.incr(key)
    except Exception:  # noqa: BLE001  any cache failure: fail open, the call is still authenticated and audited
        log.warning("api rate limiter unavailable; client %s not counted", client.pk)
        return True
    return count <= client.rate_limit_per_minute
