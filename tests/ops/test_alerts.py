"""Alerts: one staff notification per crossed threshold per hour to each active administrator, none when all is
fine; the check runs every five minutes on the default queue."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django_celery_beat.models import PeriodicTask

from crm.celery import app as celery_app
from crm.notifications.models import Notification
from crm.ops import services, tasks
from tests.conftest import make_user

from .conftest import ago, failed_rows, heartbeat

pytestmark = pytest.mark.django_db


def _alerts():
    return Notification.objects.filter(event=services.ALERT_EVENT)


@pytest.fixture
def admins(administrator, sales_manager, accountant):
    retired = make_user("old-admin", "Administrator")
    retired.is_active = False
    retired.save(update_fields=["is_active"])
    return [administrator, make_user("adm2", "Administrator")]


def test_each_crossed_threshold_alerts_each_active_administrator_once(admins):
    failed_rows(10)
    heartbeat("bulk@host-b", ago(minutes=30))

    crossed = services.ops_alerts_send()

    assert crossed == ["failed_deliveries", "workers_stale"]
    rows = list(_alerts().order_by("user_id", "dedup_key"))
    assert [(r.user, r.context["alert"]) for r in rows] == [
        (admins[0], "failed_deliveries"),
        (admins[0], "workers_stale"),
        (admins[1], "failed_deliveries"),
        (admins[1], "workers_stale"),
    ]
    first = rows[0]
    assert first.channel == Notification.Channel.STAFF and first.status == Notification.Status.PENDING
    assert first.subject == "Operations alert: Failed deliveries at 10 (limit 10)"
    assert "/notifications/?status=failed" in first.body and "/ops/" in first.body


def test_a_check_repeated_within_the_hour_alerts_nothing_more_and_the_next_hour_alerts_again(admins):
    failed_rows(12)
    now = ago(seconds=0).replace(minute=5)

    for later in (0, 5, 50):
        assert services.ops_alerts_send(now=now + timedelta(minutes=later)) == ["failed_deliveries"]
        _alerts().update(status=Notification.Status.SENT)  # the relay delivered them
    assert _alerts().count() == len(admins)

    services.ops_alerts_send(now=now + timedelta(hours=1))
    assert _alerts().count() == 2 * len(admins)
    assert _alerts().values("dedup_key").distinct().count() == 2 * len(admins)


def test_no_alert_when_all_is_fine(admins):
    heartbeat("celery@host-a", ago(seconds=20))
    failed_rows(3)

    assert services.ops_alerts_send() == []
    assert not _alerts().exists()


def test_the_check_thresholds_task_sends_the_alerts(admins):
    failed_rows(10)

    result = tasks.check_thresholds.delay()

    assert result.get() == ["failed_deliveries"]
    assert _alerts().count() == len(admins)


def test_the_check_runs_every_five_minutes_on_the_default_queue():
    call_command("setup_schedules")

    job = PeriodicTask.objects.get(task="crm.ops.tasks.check_thresholds")
    assert job.crontab.minute == "*/5" and job.crontab.hour == "*"
    assert celery_app.amqp.router.route({}, "crm.ops.tasks.check_thresholds")["queue"].name == "celery"
