"""What administrators see on the Login locks page and in the API: current locks and slowdowns."""

from datetime import datetime

from axes.helpers import get_cool_off
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Max, Min, Sum
from django.utils import timezone

from . import services
from .models import LoginSlowdown


def login_lock_list(*, now: datetime | None = None) -> list[dict]:
    """axes' hard locks in force: username and address pairs at the failure limit within the cool-off. Each has
    the id of its first attempt row, which names the lock for lifting."""
    now = now or timezone.now()
    cool_off = get_cool_off()
    attempts = AccessAttempt.objects.all()
    if cool_off is not None:
        attempts = attempts.filter(attempt_time__gte=now - cool_off)
    rows = (
        attempts.values("username", "ip_address")
        .annotate(id=Min("pk"), failures=Sum("failures_since_start"), last_attempt_at=Max("attempt_time"))
        .filter(failures__gte=settings.AXES_FAILURE_LIMIT)
        .order_by("-last_attempt_at")
    )
    return [
        {**row, "locked_until": row["last_attempt_at"] + cool_off if cool_off is not None else None} for row in rows
    ]


def login_lock_get(*, lock_id: int) -> AccessAttempt | None:
    return AccessAttempt.objects.filter(pk=lock_id).first()


def login_slowdown_list(*, now: datetime | None = None) -> list[LoginSlowdown]:
    """Usernames being slowed down now (at or past AFTER_FAILURES within the window), latest failure first."""
    now = now or timezone.now()
    rows = LoginSlowdown.objects.filter(
        failures__gte=services.conf("AFTER_FAILURES"), last_failure_at__gte=services.window_start(now)
    )
    return list(rows.order_by("-last_failure_at"))


def login_slowdown_get(*, slowdown_id: int) -> LoginSlowdown | None:
    return LoginSlowdown.objects.filter(pk=slowdown_id).first()
