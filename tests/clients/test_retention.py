"""Retention: the nightly job purges import rows, delivered message bodies (and SMS files) and login logs older
than the RETENTION_* settings, never anything younger, never the ledger, and records what it purged."""

import os
from datetime import timedelta

import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.utils import timezone

from clients import importing, tasks
from clients.models import ImportJob, PersonalDataAudit
from crm.notifications.models import Notification
from crm.registry import periodic_tasks
from tests.factories import ClientFactory

NOW = timezone.now()


@pytest.fixture(autouse=True)
def retention_settings(settings, tmp_path):
    settings.RETENTION_IMPORT_ROWS_DAYS = 30
    settings.RETENTION_DELIVERED_MESSAGE_BODIES_DAYS = 90
    settings.RETENTION_LOGS_DAYS = 180
    settings.NOTIFICATIONS = {**settings.NOTIFICATIONS, "SMS_BACKEND": "file", "SMS_FILE_DIR": str(tmp_path / "sms")}
    return settings


def _import(by, *, days_ago: int, status=ImportJob.Status.DONE) -> ImportJob:
    job = importing.import_job_create(filename="c.csv", content=b"name,email\nAnn,ann@example.org\n", by=by)
    at = NOW - timedelta(days=days_ago)
    ImportJob.objects.filter(pk=job.pk).update(
        status=status, created_at=at, finished_at=at if status != ImportJob.Status.PREVIEW else None
    )
    return job


def _message(client, *, days_ago: int, status=Notification.Status.SENT, key="") -> Notification:
    row = Notification.objects.create(
        event="news",
        client=client,
        channel="email",
        status=status,
        dedup_key=key or f"m:{days_ago}:{status}",
        subject="Spring offers",
        body="Dear Ann, ...",
        context={"client_name": "Ann"},
    )
    Notification.objects.filter(pk=row.pk).update(updated_at=NOW - timedelta(days=days_ago))
    return row


def test_import_rows_older_than_the_setting_are_purged_and_counts_kept(db, sales_manager):
    old, young = _import(sales_manager, days_ago=31), _import(sales_manager, days_ago=29)
    stale_preview = _import(sales_manager, days_ago=31, status=ImportJob.Status.PREVIEW)
    audit = tasks.personal_data_retention()
    old.refresh_from_db(), young.refresh_from_db(), stale_preview.refresh_from_db()
    assert old.rows == [] and old.filename == "c.csv" and old.total == 1
    assert young.rows != []
    assert stale_preview.rows == [] and stale_preview.status == ImportJob.Status.FAILED
    assert audit["clients.ImportJob"] == 2


def test_delivered_message_bodies_older_than_the_setting_are_blanked(db, settings, tmp_path):
    client = ClientFactory()
    old = _message(client, days_ago=91)
    young = _message(client, days_ago=89)
    failed = _message(client, days_ago=200, status=Notification.Status.FAILED)  # may still be retried
    sms = tmp_path / "sms"
    sms.mkdir()
    (sms / "old.json").write_text('{"to": "+442079460000"}')
    (sms / "new.json").write_text('{"to": "+442079460001"}')
    stamp = (NOW - timedelta(days=91)).timestamp()
    os.utime(sms / "old.json", (stamp, stamp))
    counts = tasks.personal_data_retention()
    old.refresh_from_db(), young.refresh_from_db(), failed.refresh_from_db()
    assert (old.body, old.context, old.subject) == ("", {}, "Spring offers")
    assert young.body and failed.body
    assert [p.name for p in sms.iterdir()] == ["new.json"]
    assert counts["notifications.Notification"] == 1 and counts["SMS files"] == 1


def test_login_logs_older_than_the_setting_are_deleted(db):
    def log(model, days_ago, **extra):
        row = model.objects.create(username="ann", ip_address="10.0.0.1", user_agent="x", **extra)
        model.objects.filter(pk=row.pk).update(attempt_time=NOW - timedelta(days=days_ago))

    log(AccessLog, 181), log(AccessLog, 179)
    log(AccessFailureLog, 181, locked_out=False)
    log(AccessAttempt, 181, failures_since_start=1)
    counts = tasks.personal_data_retention()
    assert AccessLog.objects.count() == 1 and not AccessFailureLog.objects.exists()
    assert not AccessAttempt.objects.exists()
    assert counts["axes.AccessLog"] == 1


def test_each_run_is_audited_and_the_job_runs_nightly(db):
    tasks.personal_data_retention()
    audit = PersonalDataAudit.objects.get()
    assert audit.action == "retention" and audit.client_id is None and "clients.ImportJob" in audit.counts
    name = "Personal data: retention (import rows, message bodies, logs)"
    assert periodic_tasks()[name] == ("clients.personal_data_retention", {"minute": "30", "hour": "3"})
