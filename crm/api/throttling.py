"""Rate limits as fixed-window counters.

DRF's stock throttles keep every request's timestamp of the last window in the cache and read, trim and
write that whole list back on each request: at the ERP's all-night rates that is thousands of floats pickled
per call. A counter per window costs one `add` and one `incr` whatever the rate, and is atomic in Redis. The
price is the usual fixed-window one: a client may burst up to twice the rate across a window boundary."""

import time

from django.core.cache import DEFAULT_CACHE_ALIAS, caches
from django.core.cache.backends.redis import RedisCache
from rest_framework import throttling

from crm.client_ip import client_ip


def count_in_window(cache, key: str, timeout: int) -> int:
    """Add one to the window's counter and return it. On Redis one round trip (INCR and EXPIRE in a
    pipeline); on other caches add-then-incr (three round trips on Redis: SET NX, EXISTS, INCRBY)."""
    if isinstance(cache, RedisCache):
        full_key = cache.make_and_validate_key(key)
        pipe = cache._cache.get_client(full_key, write=True).pipeline(transaction=False)
        pipe.incr(full_key)
        pipe.expire(full_key, timeout, nx=True)
        return int(pipe.execute()[0])
    cache.add(key, 0, timeout=timeout)
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=timeout)
        return 1


class FixedWindowMixin:
    """Counts per window, keyed (for anonymous callers) on crm.client_ip: DRF's own `get_ident` reads the raw
    X-Forwarded-For, so a client writing a new one each time would never meet its limit."""

    @property
    def cache(self):
        # The backend itself, not `django.core.cache.cache`: that is a proxy, which is never a RedisCache, so
        # every request took count_in_window's three-round-trip path.
        return caches[DEFAULT_CACHE_ALIAS]

    def get_ident(self, request):
        return client_ip(request)

    def allow_request(self, request, view):
        if self.rate is None:
            return True
        self.key = self.get_cache_key(request, view)
        if self.key is None:
            return True
        now = self.timer()
        window = int(now // self.duration)
        key = f"{self.key}:{window}"
        self.wait_seconds = (window + 1) * self.duration - now
        return count_in_window(self.cache, key, self.duration + 1) <= self.num_requests

    def wait(self):
        return max(self.wait_seconds, 0)

    def timer(self):
        return time.time()


class AnonRateThrottle(FixedWindowMixin, throttling.AnonRateThrottle):
    pass


class UserRateThrottle(FixedWindowMixin, throttling.UserRateThrottle):
    pass


class ScopedRateThrottle(FixedWindowMixin, throttling.ScopedRateThrottle):
    def allow_request(self, request, view):
        # ScopedRateThrottle picks its rate from the view first, then counts like the others.
        self.scope = getattr(view, self.scope_attr, None)
        if not self.scope:
            return True
        self.rate = self.get_rate()
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return FixedWindowMixin.allow_request(self, request, view)
