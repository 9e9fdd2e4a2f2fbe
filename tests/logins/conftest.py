from datetime import timedelta

import pytest
from django.utils import timezone


@pytest.fixture(autouse=True)
def small_slowdown(settings):
    """3 failures start the slowdown; then 2, 4, 8 ... seconds, at most 60."""
    settings.LOGIN_SLOWDOWN = {
        "AFTER_FAILURES": 3,
        "WINDOW_SECONDS": 3600,
        "BASE_DELAY_SECONDS": 2,
        "MAX_DELAY_SECONDS": 60,
        "KNOWN_ADDRESS_DAYS": 30,
    }
    settings.TRUSTED_PROXY_COUNT = 0
    settings.TRUSTED_PROXY_NETWORKS = []


class Clock:
    def __init__(self):
        self.now = timezone.now()

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def clock(monkeypatch):
    """Every `timezone.now()` (ours, axes', the outbox's) reads this clock, so a test can wait without sleeping."""
    clock = Clock()
    monkeypatch.setattr(timezone, "now", lambda: clock.now)
    return clock
