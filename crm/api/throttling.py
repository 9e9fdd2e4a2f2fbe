"""Rate limits as fixed-window counters.

DRF's stock throttles keep every request's timestamp of the last window in the cache and read, trim and
write that whole list back on each request: at the ERP's all-night rates that is thousands of floats pickled
per call. A counter per window costs one `add` and one `incr` whatever the rate, and is atomic in Redis. The
price is the usual fixed-window one: a client may burst up to twice the rate across a window boundary."""

import time

from django.core.cache import cache as default_cache
from rest_framework import throttling


class FixedWindowMixin:
    cache = default_cache

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
        self.cache.add(key, 0, timeout=self.duration + 1)
        try:
            count = self.cache.incr(key)
        except ValueError:  # expired between add and incr
            self.cache.set(key, 1, timeout=self.duration + 1)
            count = 1
        return count <= self.num_requests

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
