"""Login protection that a third party cannot turn against a user.

- The hard lock stays django-axes': 5 failures for one username from one address lock that pair (the address
  being crm.client_ip's, so the real client's, never the proxy's or one the client wrote).
- Per username, from any addresses: after LOGIN_SLOWDOWN["AFTER_FAILURES"] failures within WINDOW_SECONDS of
  each other, attempts are slowed down, never locked: each must wait BASE_DELAY_SECONDS, doubling per further
  failure up to MAX_DELAY_SECONDS. Nothing sleeps: an early attempt is refused with the seconds left, before
  its password is checked, and counts toward no delay (only checked passwords do), so the correct password
  after the delay still works. An address the user logged in from within KNOWN_ADDRESS_DAYS is not slowed
  down at all, so many addresses guessing at an administrator's password cannot delay the administrator at
  their usual desk.
- The user is told once per episode (lock or slowdown), through the staff notification path (in-app inbox and
  email to their own address).
- Administrators list and lift both (selectors.py, the Login locks page and /api/v1/login-locks/ and
  /api/v1/login-slowdowns/)."""

import logging
import math
from datetime import datetime, timedelta

from axes.helpers import get_cool_off
from axes.models import AccessAttempt, AccessLog
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy

from crm.exceptions import ApplicationError
from crm.notifications import services as notification_services
from crm.roles import Role, has_role

from .models import LoginSlowdown

log = logging.getLogger(__name__)

SLOWDOWN_EVENT = "login_slowdown"
LOCK_EVENT = "login_lock"


def conf(name: str) -> int:
    return settings.LOGIN_SLOWDOWN[name]


def slowdown_delay(failures: int) -> int:
    """Seconds between attempts after `failures` failures: none before AFTER_FAILURES, then BASE_DELAY_SECONDS,
    doubling with each further failure, never more than MAX_DELAY_SECONDS."""
    over = failures - conf("AFTER_FAILURES")
    if over < 0:
        return 0
    return min(conf("BASE_DELAY_SECONDS") * 2 ** min(over, 32), conf("MAX_DELAY_SECONDS"))


def window_start(now: datetime) -> datetime:
    return now - timedelta(seconds=conf("WINDOW_SECONDS"))


def known_address(*, username: str, address: str, now: datetime) -> bool:
    """Did `username` log in successfully from `address` lately (axes' access log of page logins)?"""
    days = conf("KNOWN_ADDRESS_DAYS")
    if not days or not address:
        return False
    since = now - timedelta(days=days)
    return AccessLog.objects.filter(username=username, ip_address=address, attempt_time__gte=since).exists()


def login_attempt_wait(*, username: str, address: str, now: datetime | None = None) -> int:
    """0 when an attempt to log in as `username` from `address` may have its password checked now, else the
    seconds to wait. An attempt let through during a slowdown takes the slot, so the next one waits the delay
    again however many arrive at the same moment."""
    now = now or timezone.now()
    row = LoginSlowdown.objects.filter(username=username[:150], last_failure_at__gte=window_start(now)).first()
    if row is None or row.failures < conf("AFTER_FAILURES"):
        return 0
    if known_address(username=row.username, address=address, now=now):
        return 0
    slot_free = Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)
    claimed = LoginSlowdown.objects.filter(slot_free, pk=row.pk).update(
        next_attempt_at=now + timedelta(seconds=slowdown_delay(row.failures))
    )
    if claimed:
        return 0
    next_at = LoginSlowdown.objects.filter(pk=row.pk).values_list("next_attempt_at", flat=True).first()
    if next_at is None:  # lifted meanwhile
        return 0
    return max(1, math.ceil((next_at - now).total_seconds()))


@transaction.atomic
def login_failure_record(*, username: str, address: str, now: datetime | None = None) -> LoginSlowdown:
    """A password was checked and was wrong: count it for the username and, from AFTER_FAILURES on, set when
    the next attempt may come. A failure after a quiet WINDOW_SECONDS starts a new episode."""
    now = now or timezone.now()
    row, created = LoginSlowdown.objects.select_for_update().get_or_create(
        username=username[:150], defaults={"first_failure_at": now, "last_failure_at": now}
    )
    if not created and row.last_failure_at < window_start(now):
        row.failures, row.first_failure_at, row.next_attempt_at, row.notified_at = 0, now, None, None
    row.failures += 1
    row.last_failure_at = now
    row.last_address = address or None
    delay = slowdown_delay(row.failures)
    if delay:
        row.next_attempt_at = now + timedelta(seconds=delay)
    tell = bool(delay) and row.notified_at is None
    if tell:
        row.notified_at = now
    row.save()
    if tell:
        log.warning("Logins as %r slowed down after %d failures (latest from %s)", row.username, row.failures, address)
        _tell_user_slowed_down(row)
    return row


def _active_user(username: str):
    return get_user_model().objects.filter(username=username, is_active=True).first()


def _tell_user_slowed_down(row: LoginSlowdown) -> None:
    user = _active_user(row.username)
    if user is None:
        return
    cap = conf("MAX_DELAY_SECONDS")
    body = (
        f"There were {row.failures} failed attempts to log in to the CRM as {row.username} since "
        f"{timezone.localtime(row.first_failure_at):%Y-%m-%d %H:%M}, the latest from {row.last_address}.\n\n"
        f"Your account is not locked and your password still works. Until the attempts stop, logins from "
        f"addresses you have not used lately must wait between tries (up to {math.ceil(cap / 60)} minutes); "
        f"logins from the addresses you usually use are not delayed.\n\n"
        f"If this was not you, tell an administrator and consider changing your password: "
        f"{settings.SITE_URL}{reverse('password_change')}"
    )
    _tell(
        user,
        event=SLOWDOWN_EVENT,
        dedup_key=f"{SLOWDOWN_EVENT}:{row.pk}:{row.first_failure_at:%Y%m%d%H%M%S%f}",
        subject=gettext_lazy("Failed logins to your CRM account"),
        body=body,
        context={"username": row.username, "failures": row.failures, "address": row.last_address},
    )


def login_lock_notify(*, username: str, address: str) -> None:
    """axes locked `username` for `address`: tell the user once for this lock (the lock's first attempt row
    names the episode; a lifted or expired lock starts a new one)."""
    first = (
        AccessAttempt.objects.filter(username=username, ip_address=address)
        .order_by("pk")
        .values_list("pk", flat=True)
        .first()
    )
    user = _active_user(username)
    if first is None or user is None:
        return
    log.warning("Logins as %r from %s locked after repeated failures", username, address)
    cool_off = get_cool_off()
    hours = f"for {cool_off.total_seconds() / 3600:g} hour(s)" if cool_off else "until an administrator lifts it"
    body = (
        f"After {settings.AXES_FAILURE_LIMIT} failed attempts to log in to the CRM as {username} from the address "
        f"{address}, logins as {username} from that address are refused {hours}.\n\n"
        f"Logins from your other addresses still work. If this was not you, tell an administrator (they can "
        f"lift the lock) and consider changing your password: {settings.SITE_URL}{reverse('password_change')}"
    )
    _tell(
        user,
        event=LOCK_EVENT,
        dedup_key=f"{LOCK_EVENT}:{first}",
        subject=gettext_lazy("Logins to your CRM account locked for one address"),
        body=body,
        context={"username": username, "address": address},
    )


def _tell(user, *, event: str, dedup_key: str, subject, body: str, context: dict) -> None:
    """One message to the person the logins were for, its subject (a lazy text) in their language."""
    with notification_services.in_user_language(user):
        notification_services.notification_enqueue_for_user(
            user=user, event=event, dedup_key=dedup_key, subject=str(subject), body=body, context=context
        )


def _require_administrator(by) -> None:
    if not has_role(by, Role.ADMINISTRATOR):
        raise ApplicationError(gettext("Only administrators may lift login locks."), code="forbidden")


@transaction.atomic
def login_lock_lift(*, username: str, ip_address: str | None, by) -> int:
    """Lift axes' lock on `username` from `ip_address`; returns how many attempt rows went."""
    _require_administrator(by)
    deleted, _ = AccessAttempt.objects.filter(username=username, ip_address=ip_address).delete()
    log.warning("Login lock on %r from %s lifted by %s", username, ip_address, by.get_username())
    return deleted


@transaction.atomic
def login_slowdown_lift(*, slowdown: LoginSlowdown, by) -> None:
    """End the slowdown for the username: its failures are forgotten."""
    _require_administrator(by)
    LoginSlowdown.objects.filter(pk=slowdown.pk).delete()
    log.warning("Login slowdown on %r lifted by %s", slowdown.username, by.get_username())


def login_slowdowns_prune(*, now: datetime | None = None) -> int:
    """Forget episodes that ended (no failure for WINDOW_SECONDS): a row exists for any username typed."""
    now = now or timezone.now()
    deleted, _ = LoginSlowdown.objects.filter(last_failure_at__lt=window_start(now)).delete()
    return deleted
