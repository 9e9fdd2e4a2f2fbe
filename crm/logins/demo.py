"""Demo: someone guessing at the administrator's password from many addresses, slowed down (not locked)."""

from datetime import timedelta

from django.utils import timezone

from . import services
from .models import LoginSlowdown


def seed(*, rng, stdout) -> None:
    if LoginSlowdown.objects.exists():
        return
    now = timezone.now()
    failures = services.conf("AFTER_FAILURES") + 4
    LoginSlowdown.objects.create(
        username="admin",
        failures=failures,
        first_failure_at=now - timedelta(minutes=20),
        last_failure_at=now - timedelta(minutes=1),
        next_attempt_at=now - timedelta(minutes=1) + timedelta(seconds=services.slowdown_delay(failures)),
        last_address="203.0.113.77",
        notified_at=now - timedelta(minutes=15),
    )
