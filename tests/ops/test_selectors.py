"""The operations snapshot on crafted data: each figure, each rule of the module docstring, each threshold."""

import uuid
from datetime import timedelta
from unittest import mock

import pytest
from django.conf import settings
from django_celery_beat.models import ClockedSchedule, PeriodicTask

from clients.models import ImportJob, News
from crm.celery import app as celery_app
from crm.notifications.models import Notification
from crm.ops import selectors

from .conftest import ago, failed_rows, heartbeat, import_job, news_item, outbox_row, periodic

pytestmark = pytest.mark.django_db


def _alert(snapshot, key):
    return next(a for a in snapshot["alerts"] if a["key"] == key)


def test_snapshot_of_a_quiet_system_is_ok_and_crosses_nothing():
    heartbeat("w1", ago(seconds=30))
    periodic("Heartbeat", last_run_at=ago(seconds=20))
    outbox_row(status=Notification.Status.SENT)

    snapshot = selectors.ops_snapshot()

    assert snapshot["status"] == "ok"
    assert snapshot["database"] == {"ok": True, "status": "ok"}
    assert snapshot["broker"]["ok"] is True
    assert [q["name"] for q in snapshot["queues"]] == ["celery", "bulk"]
    assert snapshot["outbox"]["oldest_pending"] is None
    assert [a["key"] for a in snapshot["alerts"]] == [
        "outbox_oldest_pending",
        "failed_deliveries",
        "workers_stale",
        "jobs_stuck",
        "periodic_late",
    ]
    assert not any(a["crossed"] for a in snapshot["alerts"])


def test_oldest_pending_is_the_due_row_waiting_longest_and_crosses_the_age_threshold():
    resting = outbox_row(created=ago(hours=3), due=ago(minutes=-30), attempts=3)  # between retries: not waiting
    oldest = outbox_row(created=ago(minutes=20), due=ago(minutes=15), event="invoice_issued")
    outbox_row(created=ago(minutes=2), due=ago(minutes=2))

    snapshot = selectors.ops_snapshot()

    outbox = snapshot["outbox"]
    assert outbox["pending"] == 3
    found = outbox["oldest_pending"]
    assert found["id"] == oldest.pk and found["id"] != resting.pk
    assert found["event"] == "invoice_issued" and found["channel"] == "email"
    assert 20 * 60 - 5 <= found["age_seconds"] <= 20 * 60 + 5
    assert 15 * 60 - 5 <= found["waiting_seconds"] <= 15 * 60 + 5
    alert = _alert(snapshot, "outbox_oldest_pending")
    assert alert["crossed"] and alert["limit"] == 600 and alert["value"] == found["waiting_seconds"]
    assert snapshot["status"] == "attention"


def test_rows_resting_between_retries_are_not_waiting():
    outbox_row(created=ago(hours=5), due=ago(minutes=-10), attempts=4)

    snapshot = selectors.ops_snapshot()

    assert snapshot["outbox"]["pending"] == 1
    assert snapshot["outbox"]["oldest_pending"] is None
    assert not _alert(snapshot, "outbox_oldest_pending")["crossed"]


def test_failed_deliveries_are_counted_with_a_link_to_the_failed_outbox_and_cross_at_the_limit():
    failed_rows(9)
    outbox_row(status=Notification.Status.SENDING)
    outbox_row(status=Notification.Status.SKIPPED)

    snapshot = selectors.ops_snapshot()
    assert snapshot["outbox"]["failed"] == 9 and snapshot["outbox"]["sending"] == 1
    assert snapshot["outbox"]["failed_url"] == "/notifications/?status=failed"
    assert not _alert(snapshot, "failed_deliveries")["crossed"]

    failed_rows(1)
    alert = _alert(selectors.ops_snapshot(), "failed_deliveries")
    assert alert == {
        "key": "failed_deliveries",
        "label": "Failed deliveries",
        "value": 10,
        "limit": 10,
        "crossed": True,
    }


def test_thresholds_come_from_settings(settings):
    settings.OPS_ALERTS = {**settings.OPS_ALERTS, "FAILED_DELIVERIES": 2}
    failed_rows(2)

    snapshot = selectors.ops_snapshot()

    assert snapshot["thresholds"]["FAILED_DELIVERIES"] == 2
    assert _alert(snapshot, "failed_deliveries")["crossed"]


def test_a_heartbeat_older_than_the_threshold_is_stale():
    heartbeat("bulk@host-b", ago(minutes=10))
    heartbeat("celery@host-a", ago(seconds=40))

    snapshot = selectors.ops_snapshot()

    workers = {w["worker"]: w for w in snapshot["workers"]}
    assert workers["bulk@host-b"]["stale"] is True and workers["bulk@host-b"]["age_seconds"] >= 600
    assert workers["celery@host-a"]["stale"] is False
    assert _alert(snapshot, "workers_stale")["value"] == 1 and _alert(snapshot, "workers_stale")["crossed"]


def test_a_periodic_job_is_late_when_the_run_after_its_last_was_due_beyond_the_grace():
    periodic("Every minute, ran 10 minutes ago", last_run_at=ago(minutes=10))
    periodic("Every minute, ran just now", last_run_at=ago(seconds=30))
    periodic("Daily, ran 2 hours ago", last_run_at=ago(hours=2), every_days=1)
    periodic("Daily, ran 2 days ago", last_run_at=ago(days=2), every_days=1)
    periodic("Never ran, set up 10 minutes ago", changed=ago(minutes=10))
    periodic("Never ran, set up just now", changed=ago(seconds=10))
    periodic("Switched off", last_run_at=ago(days=5), enabled=False)
    clocked = ClockedSchedule.objects.create(clocked_time=ago(days=3))
    PeriodicTask.objects.create(name="One-off", task="crm.tasks.record_worker_heartbeat", clocked=clocked, one_off=True)

    snapshot = selectors.ops_snapshot()

    late = {job["name"]: job["late"] for job in snapshot["periodic"]}
    assert late == {
        "Daily, ran 2 days ago": True,
        "Daily, ran 2 hours ago": False,
        "Every minute, ran 10 minutes ago": True,
        "Every minute, ran just now": False,
        "Never ran, set up 10 minutes ago": True,
        "Never ran, set up just now": False,
        "One-off": False,
    }
    job = next(j for j in snapshot["periodic"] if j["name"] == "Daily, ran 2 hours ago")
    assert abs((job["next_due_at"] - (job["last_run_at"] + timedelta(days=1))).total_seconds()) < 2
    assert _alert(snapshot, "periodic_late")["value"] == 3


def test_imports_stuck_past_the_threshold_or_recently_failed_and_stalled_news_are_listed(administrator):
    by = administrator
    running_long = import_job(status=ImportJob.Status.RUNNING, created=ago(hours=2), by=by)
    queued_long = import_job(status=ImportJob.Status.QUEUED, created=ago(hours=1), by=by)
    failed = import_job(status=ImportJob.Status.FAILED, created=ago(days=1), by=by)
    import_job(status=ImportJob.Status.RUNNING, created=ago(minutes=5), by=by)
    import_job(status=ImportJob.Status.FAILED, created=ago(days=30), by=by)
    import_job(status=ImportJob.Status.DONE, created=ago(days=2), by=by)
    import_job(status=ImportJob.Status.PREVIEW, created=ago(days=2), by=by)
    stalled = news_item(status=News.Status.SENDING, moved=ago(minutes=25))
    news_item(status=News.Status.SENDING, moved=ago(minutes=1))
    news_item(status=News.Status.SENT, moved=ago(days=1))

    snapshot = selectors.ops_snapshot()

    jobs = snapshot["jobs"]
    assert [(j["id"], j["state"]) for j in jobs["imports"]] == [
        (failed.pk, "failed"),
        (queued_long.pk, "stuck"),
        (running_long.pk, "stuck"),
    ]
    assert jobs["imports_stuck"] == 2 and jobs["imports_failed"] == 1
    assert [n["id"] for n in jobs["news_stalled"]] == [stalled.pk]
    assert jobs["news_stalled"][0]["idle_seconds"] >= 25 * 60
    alert = _alert(snapshot, "jobs_stuck")
    assert alert["value"] == 3 and alert["crossed"]


def test_a_failed_import_alone_is_shown_but_crosses_no_threshold(administrator):
    import_job(status=ImportJob.Status.FAILED, created=ago(hours=1), by=administrator)

    snapshot = selectors.ops_snapshot()

    assert snapshot["jobs"]["imports_failed"] == 1
    assert not _alert(snapshot, "jobs_stuck")["crossed"]


def test_a_broker_that_is_down_is_reported_without_queue_depths():
    with mock.patch("crm.health.check_broker", side_effect=ConnectionError("refused")):
        snapshot = selectors.ops_snapshot()

    assert snapshot["broker"]["ok"] is False and snapshot["broker"]["status"] == "down: ConnectionError"
    assert snapshot["queues"] == []
    assert snapshot["status"] == "attention"


def test_a_database_that_is_down_leaves_only_the_service_statuses():
    with mock.patch("crm.health.check_database", side_effect=RuntimeError("gone")):
        snapshot = selectors.ops_snapshot()

    assert snapshot["database"] == {"ok": False, "status": "down: RuntimeError"}
    assert snapshot["alerts"] == [] and snapshot["workers"] == []
    assert snapshot["status"] == "attention"


def test_queue_depths_count_the_messages_waiting_in_each_queue(settings):
    settings.CELERY_TASK_DEFAULT_QUEUE = f"ops-test-{uuid.uuid4().hex[:8]}"
    settings.CELERY_BULK_QUEUE = f"ops-test-{uuid.uuid4().hex[:8]}"
    with celery_app.connection_for_write() as conn:
        queue = conn.SimpleQueue(settings.CELERY_BULK_QUEUE)
        try:
            for n in range(3):
                queue.put({"n": n})
            depths = selectors.queue_depths()
        finally:
            queue.clear()
            queue.queue.delete()
            queue.close()

    assert depths == [
        {"name": settings.CELERY_TASK_DEFAULT_QUEUE, "depth": 0},
        {"name": settings.CELERY_BULK_QUEUE, "depth": 3},
    ]


def test_queue_depths_are_unknown_when_the_broker_cannot_be_read():
    with mock.patch.object(celery_app, "connection_for_read", side_effect=ConnectionError("refused")):
        depths = selectors.queue_depths()

    assert depths == [{"name": settings.CELERY_TASK_DEFAULT_QUEUE, "depth": None}, {"name": "bulk", "depth": None}]


def test_alert_recipients_are_the_active_administrators(administrator, sales_manager, django_user_model):
    from tests.conftest import make_user

    retired = make_user("old-admin", "Administrator")
    retired.is_active = False
    retired.save(update_fields=["is_active"])
    root = django_user_model.objects.create_superuser("root", "root@example.com", "pw")

    assert list(selectors.alert_recipients()) == [administrator, root]


def test_an_import_is_stuck_by_its_lease_and_queue_time_not_by_its_upload_time(administrator):
    by = administrator
    long_but_alive = import_job(status=ImportJob.Status.RUNNING, created=ago(hours=3), by=by)
    ImportJob.objects.filter(pk=long_but_alive.pk).update(leased_until=ago(minutes=-1))  # renewed a moment ago
    abandoned = import_job(status=ImportJob.Status.RUNNING, created=ago(hours=3), by=by)
    ImportJob.objects.filter(pk=abandoned.pk).update(leased_until=ago(hours=1))  # nobody took it over
    requeued = import_job(status=ImportJob.Status.QUEUED, created=ago(hours=3), by=by)
    ImportJob.objects.filter(pk=requeued.pk).update(queued_at=ago(minutes=2))  # the sweep queued it again

    jobs = selectors.ops_snapshot()["jobs"]

    assert [(j["id"], j["state"]) for j in jobs["imports"]] == [(abandoned.pk, "stuck")]
