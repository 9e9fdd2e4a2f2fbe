"""Services for the company standards administrators configure: the business calendar and holidays, the
company-wide service targets, and the standard documents (versioned) staff acknowledge."""

from datetime import date, datetime, time
from decimal import Decimal

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext as _

from crm.exceptions import ApplicationError
from crm.notifications import services as notification_services
from crm.roles import Role, has_role

from . import selectors, targets
from .models import (
    Acknowledgement,
    BusinessCalendar,
    Holiday,
    ServiceTargets,
    StandardDocument,
    StandardDocumentVersion,
    TargetVersion,
)

# Who may receive escalations: the people who handle complaints.
SUPERVISOR_ROLES = (Role.SALES_MANAGER, Role.ADMINISTRATOR)

# --- calendar -----------------------------------------------------------------------------------------


@transaction.atomic
def calendar_update(*, working_weekdays: list[int], day_start: time, day_end: time) -> BusinessCalendar:
    days = sorted(set(working_weekdays))
    if not days or any(d < 1 or d > 7 for d in days):
        raise ApplicationError(gettext("Choose at least one working day."), field="working_weekdays")
    if day_start >= day_end:
        raise ApplicationError(gettext("The working day must end after it starts."), field="day_end")
    cal, _ = BusinessCalendar.objects.select_for_update().get_or_create(pk=1)
    cal.working_weekdays, cal.day_start, cal.day_end = days, day_start, day_end
    cal.save(update_fields=["working_weekdays", "day_start", "day_end"])
    return cal


@transaction.atomic
def holiday_add(*, day: date, name: str) -> Holiday:
    if not (name or "").strip():
        raise ApplicationError(gettext("Name the holiday."), field="name")
    if Holiday.objects.filter(date=day).exists():
        raise ApplicationError(gettext("That day is already a holiday."), field="date")
    return Holiday.objects.create(date=day, name=name.strip())


@transaction.atomic
def holiday_remove(*, holiday: Holiday) -> None:
    holiday.delete()


@transaction.atomic
def service_targets_update(
    *,
    invoice_issue_hours: Decimal,
    key_client_max_days_without_contact: int,
    complaint_handling_cost: Decimal,
    escalation_warning_hours: Decimal,
    supervisor=None,
) -> ServiceTargets:
    if invoice_issue_hours <= 0:
        raise ApplicationError(gettext("The invoice target must be more than zero hours."), field="invoice_issue_hours")
    if key_client_max_days_without_contact < 1:
        raise ApplicationError(gettext("Give at least one day."), field="key_client_max_days_without_contact")
    if complaint_handling_cost < 0:
        raise ApplicationError(gettext("The cost cannot be negative."), field="complaint_handling_cost")
    if escalation_warning_hours < 0:
        raise ApplicationError(gettext("The warning cannot be negative."), field="escalation_warning_hours")
    if supervisor is not None and not (supervisor.is_active and has_role(supervisor, *SUPERVISOR_ROLES)):
        raise ApplicationError(gettext("Escalate to an active sales manager or administrator."), field="supervisor")
    targets, _ = ServiceTargets.objects.select_for_update().get_or_create(pk=1)
    targets.invoice_issue_hours = invoice_issue_hours
    targets.key_client_max_days_without_contact = key_client_max_days_without_contact
    targets.complaint_handling_cost = complaint_handling_cost
    targets.escalation_warning_hours = escalation_warning_hours
    targets.supervisor = supervisor
    targets.save(
        update_fields=[
            "invoice_issue_hours",
            "key_client_max_days_without_contact",
            "complaint_handling_cost",
            "escalation_warning_hours",
            "supervisor",
        ]
    )
    return targets


# --- documents and acknowledgements -------------------------------------------------------------------


@transaction.atomic
def document_create(*, kind: str, title: str, body: str, by) -> StandardDocument:
    if kind not in StandardDocument.DocKind.values:
        raise ApplicationError(gettext("Unknown document kind %(kind)r.") % {"kind": kind}, field="kind")
    if not (title or "").strip():
        raise ApplicationError(gettext("Give the document a title."), field="title")
    document = StandardDocument.objects.create(kind=kind, title=title.strip())
    document.current_version = document_publish(document=document, body=body, by=by, change_note="first version")
    return document


@transaction.atomic
def document_publish(
    *, document: StandardDocument, body: str, by, change_note: str = "", at: datetime | None = None
) -> StandardDocumentVersion:
    """A new version becomes current; everyone must acknowledge it again."""
    if not (body or "").strip():
        raise ApplicationError(gettext("The document text is required."), field="body")
    document = StandardDocument.objects.select_for_update().get(pk=document.pk)
    number = (document.versions.aggregate(n=Max("number"))["n"] or 0) + 1
    version = StandardDocumentVersion.objects.create(
        document=document,
        number=number,
        body=body.strip(),
        change_note=(change_note or "")[:200],
        published_at=at or timezone.now(),
        published_by=by,
    )
    document.current_version = version
    document.save(update_fields=["current_version", "updated_at"])
    return version


@transaction.atomic
def acknowledge(*, version: StandardDocumentVersion, user, at: datetime | None = None) -> tuple[Acknowledgement, bool]:
    """Record that `user` read the current version, once: returns (acknowledgement, created)."""
    if version.document.current_version_id != version.pk:
        raise ApplicationError(
            gettext("A newer version of this document exists; acknowledge that one."), field="version"
        )
    return Acknowledgement.objects.get_or_create(
        version=version, user=user, defaults={"acknowledged_at": at or timezone.now()}
    )


def document_acknowledge(*, document: StandardDocument, user) -> tuple[Acknowledgement, bool]:
    """Acknowledge the document's current version (the page's button and the API's action)."""
    if document.current_version_id is None:
        raise ApplicationError(gettext("This document has no published version."), field="version")
    version = StandardDocumentVersion.objects.select_related("document").get(pk=document.current_version_id)
    return acknowledge(version=version, user=user)


def remind_unacknowledged(*, today: date | None = None) -> int:
    """Weekly: each staff member with current documents not yet acknowledged gets one reminder."""
    today = today or timezone.localdate()
    year, week, _ = today.isocalendar()
    sent = 0
    pending = selectors.unacknowledged_by_user()
    for user in selectors.staff_users():
        documents = pending.get(user.pk, [])
        if not documents:
            continue
        with transaction.atomic(), notification_services.in_user_language(user):
            notification_services.notification_enqueue_for_user(
                user=user,
                event="standards_ack_reminder",
                dedup_key=f"standards_ack_reminder:{year}-W{week:02d}",
                subject=gettext("Please read and acknowledge %(len)s service standard document(s)")
                % {"len": len(documents)},
                body="\n".join(f"- {d.title} (v{d.current_version.number})" for d in documents),
                context={"documents": [d.pk for d in documents]},
            )
        sent += 1
    return sent


# --- versioned service targets (crm/standards/targets.py) ----------------------------------------------


@transaction.atomic
def target_version_create(
    *, key: str, hours: Decimal, by, effective_on: date | None = None, note: str = "", now: datetime | None = None
) -> TargetVersion:
    """A new version of the target `key`, effective now (no date, or today) or from the start of a later day.
    The first version of a target is preceded by the configured value as its baseline (the history)."""
    now = now or timezone.now()
    spec = targets.all_targets().get(key)
    if spec is None:
        raise ApplicationError(_("Unknown service target."), field="key")
    if hours is None or hours <= 0:
        raise ApplicationError(_("The target must be more than zero hours."), field="hours")
    hours = Decimal(hours).quantize(Decimal("0.01"))
    today = timezone.localdate(now)
    if effective_on is not None and effective_on < today:
        raise ApplicationError(_("A new target takes effect today or later, never in the past."), field="effective_on")
    if effective_on is None or effective_on == today:
        effective_from = now
    else:
        effective_from = timezone.make_aware(datetime.combine(effective_on, time.min))
    # one writer per target at a time: the baseline and the new version are decided on the same history
    existing = list(TargetVersion.objects.select_for_update().filter(key=key))
    if any(v.effective_from == effective_from for v in existing):
        raise ApplicationError(_("A version of this target already takes effect then."), field="effective_on")
    if not existing:
        TargetVersion.objects.create(
            key=key,
            hours=spec.configured_hours,
            effective_from=targets.BASELINE_FROM,
            note=_("configured value before versioning"),
        )
    return TargetVersion.objects.create(
        key=key, hours=hours, effective_from=effective_from, note=(note or "").strip()[:200], created_by=by
    )
