"""Retention: what is purged every night, after the days the RETENTION_* settings give (README, "Personal
data"). Each run leaves an audit entry (PersonalDataAudit, action "retention") counting what it purged.

- import rows: a finished import older than RETENTION_IMPORT_ROWS_DAYS keeps its file name, counts and
  summary, not the rows and row errors (which repeat the uploaded contact details); a preview nobody confirmed
  in that time expires (fails) the same way.
- message bodies: a message sent or skipped more than RETENTION_DELIVERED_MESSAGE_BODIES_DAYS ago keeps its
  event, channel, status, subject and times, not its body and template context; the SMS file backend's files
  older than that are deleted. A failed message keeps its body: an administrator may retry it.
- logs: django-axes' login records (access log, failures, stale attempts) older than RETENTION_LOGS_DAYS.

Not purged: the ledger, invoices, complaints, the personal data audit itself (ids and counts only)."""

from datetime import datetime, timedelta

from django.apps import apps
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from crm.notifications import channels as outbox_channels
from crm.notifications import services as outbox

from ..models import ImportJob, PersonalDataAudit

# django-axes' tables and their time column; looked up by name, so a project without axes purges nothing.
LOG_MODELS = (("axes", "AccessLog", "attempt_time"), ("axes", "AccessFailureLog", "attempt_time"))
STALE_ATTEMPTS = ("axes", "AccessAttempt", "attempt_time")


def _days(name: str) -> timedelta:
    return timedelta(days=max(int(getattr(settings, name)), 0))


def _import_rows_purge(before: datetime, now: datetime) -> int:
    S = ImportJob.Status
    finished = ImportJob.objects.filter(status__in=[S.DONE, S.FAILED], finished_at__lt=before).exclude(
        rows=[], errors=[]
    )
    purged = finished.update(rows=[], errors=[])
    expired = ImportJob.objects.filter(status=S.PREVIEW, created_at__lt=before)
    purged += expired.update(
        rows=[],
        errors=[],
        status=S.FAILED,
        finished_at=now,
        message="The preview expired unconfirmed and its rows were deleted; upload the file again.",
    )
    return purged


def _logs_purge(before: datetime) -> dict[str, int]:
    counts = {}
    for app_label, model_name, time_field in (*LOG_MODELS, STALE_ATTEMPTS):
        try:
            model = apps.get_model(app_label, model_name)
        except LookupError:
            continue
        deleted, _ = model.objects.filter(**{f"{time_field}__lt": before}).delete()
        counts[f"{app_label}.{model_name}"] = deleted
    return counts


@transaction.atomic
def retention_run(*, now: datetime | None = None) -> PersonalDataAudit:
    now = now or timezone.now()
    bodies_before = now - _days("RETENTION_DELIVERED_MESSAGE_BODIES_DAYS")
    counts = {
        "clients.ImportJob": _import_rows_purge(now - _days("RETENTION_IMPORT_ROWS_DAYS"), now),
        "notifications.Notification": outbox.notification_bodies_purge(before=bodies_before),
        "SMS files": outbox_channels.sms_files_purge(before=bodies_before.timestamp()),
        **_logs_purge(now - _days("RETENTION_LOGS_DAYS")),
    }
    return PersonalDataAudit.objects.create(action=PersonalDataAudit.Action.RETENTION, at=now, counts=counts)
