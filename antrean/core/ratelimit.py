"""Fixed-window attempt counters in the shared cache, for limits on anonymous requests.

The count lives in Django's cache (Redis in production, so every app process shares it). A
window's counter starts at its first attempt and expires with the window; a burst can reach
twice the limit across a window boundary, which is fine for telling a person from a bot. If
the cache is down the request is let through: an outage of Redis must not stop bookings.
"""

import logging
import time

from django.core.cache import cache

from antrean.core.personal_data import lookup_hash

log = logging.getLogger(__name__)


def rate_limit_take(*, scope: str, key: str | None, limit: int, window: int) -> bool:
    """Count one attempt of `key` in `scope`; False when it goes over `limit` per `window` s."""
    if limit <= 0 or not key:
        return True
    bucket = int(time.time() // window)
    # Keyed hash: client addresses are personal data, and the cache is not encrypted.
    cache_key = f"rl:{scope}:{lookup_hash(key, purpose='rate')[:32]}:{bucket}"
    try:
        cache.add(cache_key, 0, timeout=window + 1)
        try:
            count = cache.incr(cache_key)
        except ValueError:  # expired between add and incr
            cache.set(cache_key, 1, timeout=window + 1)
            count = 1
    except Exception:
        log.warning("rate limit cache unavailable; %s not limited", scope, exc_info=True)
        return True
    return count <= limit
