"""The operations snapshot: one dict with what the page and the endpoint show, and which alert thresholds it
crosses. A fixed handful of queries whatever the size of the tables (one per section, never one per row), so
the page stays cheap to open when things are at their worst.

Rules, in one place:
- a worker is stale when its heartbeat is older than WORKER_STALE_SECONDS;
- the outbox lags when the pending row that has waited longest since it fell due (the one the relay takes
  first) has waited OUTBOX_OLDEST_PENDING_SECONDS; rows resting between retries are not waiting, so a flaky
  gateway's backoff is no alarm, only rows a relay should already have taken are;
- an import is stuck when it is queued or running and was confirmed more than JOB_STUCK_SECONDS ago (the job
  keeps no start time: its upload time is the earliest it can have started), and news is stalled when it is
  sending and has not moved for clients.news.STALLED_AFTER (the sweep resumes it; still stalled is a fault);
  the apps above contribute their own jobs (report runs) through crm.registry, by the same rule;
- a periodic job is late when the next run after its last one (computed from its own schedule, crontab or
  interval, by celery) was due more than PERIODIC_GRACE_SECONDS ago; a job that never ran counts from when
  it was last saved. One-off jobs are never late.
Each threshold is crossed when its figure reaches the limit."""

from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django_celery_beat.models import PeriodicTask
from kombu.exceptions import ChannelError

from clients import news as client_news
from clients.models import ImportJob, News
from crm import health, registry
from crm.celery import app as celery_app
from crm.models import WorkerHeartbeat
from crm.notifications.models import Notification
from crm.roles import Role

# Failed imports stay on the page this long after upload; the person who uploaded one sees it on its own page.
FAILED_JOBS_SHOWN_FOR = timedelta(days=7)
# At most this many jobs of a kind are listed (and counted): enough to see that something is wrong.
JOBS_SHOWN = 50


def thresholds() -> dict[str, int]:
    """settings.OPS_ALERTS, where the defaults and their environment variables live."""
    return dict(settings.OPS_ALERTS)


def _seconds(delta: timedelta) -> int:
    return max(0, int(delta.total_seconds()))


def _service_status(check) -> dict:
    try:
        check()
    except Exception as exc:  # any failure means "down"; the class name says why without leaking secrets
        return {"ok": False, "status": f"down: {exc.__class__.__name__}"}
    return {"ok": True, "status": "ok"}


def queue_depths() -> list[dict]:
    """Messages waiting in the default and bulk queues, read through the broker connection (a passive declare
    counts a Redis list with its priority lists, or the filesystem broker's message files). A queue the broker
    does not know yet holds nothing. `depth` is None when the broker cannot say."""
    names = [settings.CELERY_TASK_DEFAULT_QUEUE, settings.CELERY_BULK_QUEUE]
    depths = []
    try:
        with celery_app.connection_for_read() as conn:
            channel = conn.default_channel
            for name in names:
                try:
                    depth = channel.queue_declare(queue=name, passive=True).message_count
                except ChannelError:
                    depth = 0
                depths.append({"name": name, "depth": depth})
    except Exception:  # the broker went away between the status check and now: say nothing rather than fail
        return [{"name": name, "depth": None} for name in names]
    return depths


def worker_list(*, now: datetime, stale_after: int) -> list[dict]:
    workers = []
    for worker, seen_at in WorkerHeartbeat.objects.order_by("worker").values_list("worker", "seen_at"):
        age = _seconds(now - seen_at)
        workers.append({"worker": worker, "seen_at": seen_at, "age_seconds": age, "stale": age >= stale_after})
    return workers


def outbox_state(*, now: datetime) -> dict:
    """Counts of the rows still to deliver and of those that gave up (an index on status serves both), and
    the due pending row that has waited longest."""
    live = (Notification.Status.PENDING, Notification.Status.SENDING, Notification.Status.FAILED)
    counts = dict(Notification.objects.filter(status__in=live).values_list("status").annotate(n=Count("id")).order_by())
    oldest = (
        Notification.objects.filter(
            Q(status=Notification.Status.PENDING, next_attempt_at__lte=now)
            | Q(status=Notification.Status.PENDING, next_attempt_at__isnull=True)
        )
        .order_by("next_attempt_at", "id")
        .values("id", "event", "channel", "created_at", "next_attempt_at", "attempts")
        .first()
    )
    if oldest is not None:
        due_at = oldest.pop("next_attempt_at") or oldest["created_at"]
        oldest.update(
            due_at=due_at, age_seconds=_seconds(now - oldest["created_at"]), waiting_seconds=_seconds(now - due_at)
        )
    return {
        "pending": counts.get(Notification.Status.PENDING, 0),
        "sending": counts.get(Notification.Status.SENDING, 0),
        "failed": counts.get(Notification.Status.FAILED, 0),
        "failed_url": reverse("notifications:list") + f"?status={Notification.Status.FAILED}",
        "oldest_pending": oldest,
    }


def job_state(*, now: datetime, stuck_after: int) -> dict:
    """Imports stuck in the queue or mid-run, recently failed imports, and stalled news: one query each. The
    parsed rows of an import are never loaded."""
    stuck_cutoff = now - timedelta(seconds=stuck_after)
    imports = []
    rows = (
        ImportJob.objects.filter(
            # queued with no worker taking it, or running with a lease nobody renewed or took over
            Q(status=ImportJob.Status.QUEUED, queued_at__lt=stuck_cutoff)
            | Q(status=ImportJob.Status.QUEUED, queued_at__isnull=True, created_at__lt=stuck_cutoff)
            | Q(status=ImportJob.Status.RUNNING, leased_until__lt=stuck_cutoff)
            | Q(status=ImportJob.Status.RUNNING, leased_until__isnull=True, created_at__lt=stuck_cutoff)
            | Q(status=ImportJob.Status.FAILED, created_at__gte=now - FAILED_JOBS_SHOWN_FOR)
        )
        .order_by("-id")
        .values("id", "filename", "status", "created_at", "processed", "total", "message")[:JOBS_SHOWN]
    )
    for row in rows:
        row["state"] = "failed" if row["status"] == ImportJob.Status.FAILED else "stuck"
        row["age_seconds"] = _seconds(now - row["created_at"])
        imports.append(row)
    stalled_cutoff = now - client_news.STALLED_AFTER
    news = list(
        News.objects.filter(status=News.Status.SENDING, updated_at__lt=stalled_cutoff)
        .order_by("updated_at")
        .values("id", "title", "processed", "total", "started_at", "updated_at")[:JOBS_SHOWN]
    )
    for row in news:
        row["idle_seconds"] = _seconds(now - row["updated_at"])
    # the jobs of the apps above (report runs): one query per app, rows in the same shape
    runs = []
    for source in registry.job_sources():
        runs += source(now=now, stuck_before=stuck_cutoff, failed_since=now - FAILED_JOBS_SHOWN_FOR, limit=JOBS_SHOWN)
    for row in runs:
        row["age_seconds"] = _seconds(now - row["created_at"])
    return {
        "imports": imports,
        "imports_stuck": sum(1 for row in imports if row["state"] == "stuck"),
        "imports_failed": sum(1 for row in imports if row["state"] == "failed"),
        "runs": runs,
        "runs_stuck": sum(1 for row in runs if row["state"] == "stuck"),
        "runs_failed": sum(1 for row in runs if row["state"] == "failed"),
        "news_stalled": news,
        "news_stalled_after_seconds": _seconds(client_news.STALLED_AFTER),
    }


def _next_due(task: PeriodicTask, now: datetime) -> datetime | None:
    """When the run after the last one was due: the schedule's own estimate is relative to its clock, so add
    that clock back to get a moment that does not depend on when it is asked."""
    if task.one_off or task.scheduler is None:
        return None
    schedule = task.schedule
    remaining = schedule.remaining_estimate(task.last_run_at or task.date_changed)
    # read the clock after the estimate did, so the sum lands on the due moment or a hair after, never before
    return (schedule.now() + remaining).replace(microsecond=0)


def periodic_list(*, now: datetime, grace: int) -> list[dict]:
    jobs = []
    tasks = PeriodicTask.objects.filter(enabled=True).select_related("crontab", "interval", "solar", "clocked")
    for task in tasks.order_by("name"):
        next_due = _next_due(task, now)
        late = next_due is not None and now - next_due >= timedelta(seconds=grace)
        jobs.append(
            {
                "name": task.name,
                "task": task.task,
                "schedule": str(task.scheduler) if task.scheduler else "",
                "last_run_at": task.last_run_at,
                "next_due_at": next_due,
                "late": late,
            }
        )
    return jobs


def _alerts(snapshot: dict, limits: dict) -> list[dict]:
    """Every threshold with its figure; `crossed` when the figure reaches the limit."""
    outbox, jobs = snapshot["outbox"], snapshot["jobs"]
    oldest = outbox["oldest_pending"]
    figures = [
        (
            "outbox_oldest_pending",
            gettext("Oldest due outbox row waiting (seconds)"),
            oldest["waiting_seconds"] if oldest else 0,
            limits["OUTBOX_OLDEST_PENDING_SECONDS"],
        ),
        ("failed_deliveries", gettext("Failed deliveries"), outbox["failed"], limits["FAILED_DELIVERIES"]),
        ("workers_stale", gettext("Stale workers"), sum(1 for w in snapshot["workers"] if w["stale"]), 1),
        (
            "jobs_stuck",
            gettext("Stuck imports, report runs and stalled news"),
            jobs["imports_stuck"] + jobs["runs_stuck"] + len(jobs["news_stalled"]),
            1,
        ),
        ("periodic_late", gettext("Late periodic jobs"), sum(1 for j in snapshot["periodic"] if j["late"]), 1),
    ]
    return [
        {"key": key, "label": label, "value": value, "limit": limit, "crossed": value >= limit}
        for key, label, value, limit in figures
    ]


def ops_snapshot(*, now: datetime | None = None) -> dict:
    """Everything the operations page shows. With the database down only the two service statuses are known
    (the rest reads the database), and the alerts say nothing."""
    now = now or timezone.now()
    limits = thresholds()
    database = _service_status(health.check_database)
    broker = _service_status(health.check_broker)
    snapshot = {
        "generated_at": now,
        "thresholds": limits,
        "database": database,
        "broker": {**broker, "transport": settings.CELERY_BROKER_URL.split(":", 1)[0]},
        "queues": queue_depths() if broker["ok"] else [],
        "workers": [],
        "outbox": {"pending": 0, "sending": 0, "failed": 0, "failed_url": "", "oldest_pending": None},
        "jobs": {
            "imports": [],
            "imports_stuck": 0,
            "imports_failed": 0,
            "runs": [],
            "runs_stuck": 0,
            "runs_failed": 0,
            "news_stalled": [],
            "news_stalled_after_seconds": _seconds(client_news.STALLED_AFTER),
        },
        "periodic": [],
        "alerts": [],
    }
    if database["ok"]:
        snapshot["workers"] = worker_list(now=now, stale_after=limits["WORKER_STALE_SECONDS"])
        snapshot["outbox"] = outbox_state(now=now)
        snapshot["jobs"] = job_state(now=now, stuck_after=limits["JOB_STUCK_SECONDS"])
        snapshot["periodic"] = periodic_list(now=now, grace=limits["PERIODIC_GRACE_SECONDS"])
        snapshot["alerts"] = _alerts(snapshot, limits)
    healthy = database["ok"] and broker["ok"] and not any(a["crossed"] for a in snapshot["alerts"])
    snapshot["status"] = "ok" if healthy else "attention"
    return snapshot


def alert_recipients():
    """Active administrators (a superuser is one), each once."""
    return (
        get_user_model()
        .objects.filter(Q(groups__name=Role.ADMINISTRATOR) | Q(is_superuser=True), is_active=True)
        .distinct()
        .order_by("pk")
    )
