"""Crafted rows for the operations snapshot: outbox rows, heartbeats, imports, news and periodic jobs, each
placed in time relative to now (auto_now fields are moved with update())."""

import itertools
from datetime import timedelta

import pytest
from django.utils import timezone
from django_celery_beat.models import CrontabSchedule, IntervalSchedule, PeriodicTask

from clients.models import ImportJob, News
from crm.models import WorkerHeartbeat
from crm.notifications.models import Notification

_seq = itertools.count(1)


@pytest.fixture(autouse=True)
def ops_thresholds(settings):
    """The documented defaults, whatever the environment says."""
    settings.OPS_ALERTS = {
        "OUTBOX_OLDEST_PENDING_SECONDS": 600,
        "FAILED_DELIVERIES": 10,
        "WORKER_STALE_SECONDS": 180,
        "JOB_STUCK_SECONDS": 1800,
        "PERIODIC_GRACE_SECONDS": 300,
    }
    return settings.OPS_ALERTS


def ago(**kwargs):
    return timezone.now() - timedelta(**kwargs)


def outbox_row(*, status=Notification.Status.PENDING, created=None, due=None, event="tier_upgrade", **extra):
    row = Notification.objects.create(
        event=event,
        channel=Notification.Channel.EMAIL,
        status=status,
        dedup_key=f"ops-test:{next(_seq)}",
        next_attempt_at=due if due is not None else timezone.now(),
        **extra,
    )
    if created is not None:
        Notification.objects.filter(pk=row.pk).update(created_at=created)
        row.refresh_from_db()
    return row


def failed_rows(count: int) -> list[Notification]:
    return [outbox_row(status=Notification.Status.FAILED, last_error="550 no such user") for _ in range(count)]


def heartbeat(worker: str, seen_at) -> WorkerHeartbeat:
    return WorkerHeartbeat.objects.create(worker=worker, seen_at=seen_at)


def import_job(*, status, created, by, filename="clients.csv") -> ImportJob:
    job = ImportJob.objects.create(filename=filename, status=status, created_by=by, total=100, processed=40)
    ImportJob.objects.filter(pk=job.pk).update(created_at=created)
    return job


def news_item(*, status, moved, title="Spring catalogue") -> News:
    item = News.objects.create(
        title=title, subject=title, body="Hello", scheduled_at=ago(hours=1), status=status, total=10, processed=3
    )
    News.objects.filter(pk=item.pk).update(updated_at=moved)
    return item


def periodic(name: str, *, last_run_at=None, minute="*", every_days=None, changed=None, enabled=True) -> PeriodicTask:
    if every_days is not None:
        interval, _ = IntervalSchedule.objects.get_or_create(every=every_days, period=IntervalSchedule.DAYS)
        schedule = {"interval": interval}
    else:
        crontab, _ = CrontabSchedule.objects.get_or_create(
            minute=minute, hour="*", day_of_week="*", day_of_month="*", month_of_year="*", timezone="UTC"
        )
        schedule = {"crontab": crontab}
    task = PeriodicTask.objects.create(name=name, task="crm.tasks.record_worker_heartbeat", enabled=enabled, **schedule)
    PeriodicTask.objects.filter(pk=task.pk).update(last_run_at=last_run_at, date_changed=changed or timezone.now())
    return task
