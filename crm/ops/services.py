"""Alerts to administrators, through the outbox: one staff notification per crossed threshold per hour."""

from datetime import UTC, datetime

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext

from crm.notifications import services as notification_services

from . import selectors

ALERT_EVENT = "ops_alert"


def _body(alert: dict, snapshot: dict) -> str:
    lines = [f"{alert['label']}: {alert['value']} (limit {alert['limit']})."]
    if alert["key"] == "failed_deliveries":
        lines.append(f"Failed deliveries: {settings.SITE_URL}{snapshot['outbox']['failed_url']}")
    lines.append(f"Operations page: {settings.SITE_URL}{reverse('ops:index')}")
    return "\n".join(lines)


def ops_alerts_send(*, now: datetime | None = None) -> list[str]:
    """Read the operations snapshot and tell every active administrator about each threshold it crosses.
    The dedup key names the threshold and the hour (UTC), so a check every few minutes alerts once an hour
    per threshold while it stays crossed, and a repeat within the hour writes nothing. Returns the keys of
    the crossed thresholds.

    The snapshot is read before the transaction: its broker check may wait seconds, and a write transaction
    must not be held open (on SQLite it holds the one write lock) while it does."""
    now = now or timezone.now()
    snapshot = selectors.ops_snapshot(now=now)
    crossed = [alert for alert in snapshot["alerts"] if alert["crossed"]]
    if not crossed:
        return []
    hour = now.astimezone(UTC).strftime("%Y%m%d%H")
    with transaction.atomic():
        recipients = list(selectors.alert_recipients())
        for alert in crossed:
            for user in recipients:
                with notification_services.in_user_language(user):
                    notification_services.notification_enqueue_for_user(
                        user=user,
                        event=ALERT_EVENT,
                        dedup_key=f"{ALERT_EVENT}:{alert['key']}:{hour}",
                        subject=gettext("Operations alert: %(alert)s at %(alert2)s (limit %(alert3)s)")
                        % {"alert": alert["label"], "alert2": alert["value"], "alert3": alert["limit"]},
                        body=_body(alert, snapshot),
                        context={"alert": alert["key"], "value": alert["value"], "limit": alert["limit"]},
                    )
    return [alert["key"] for alert in crossed]
