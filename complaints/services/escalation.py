"""Escalation: every open clock that has run out, or will within the warning window (working hours), is
recorded once per complaint, clock and stage, flagged, and told to the assignee and the supervisors."""

from datetime import datetime

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext

from crm.notifications import services as notification_services
from crm.standards.calendar import add_business_time, current_calendar, working_hours
from crm.standards.selectors import service_targets

from .. import rules
from ..models import Breach, Complaint, ComplaintEvent
from .events import log_event
from .routing import supervisors as supervisors_of_escalations


def escalate_breaches(*, now: datetime | None = None) -> int:
    """Record and escalate every open clock that has run out or will within the warning window (working
    hours). Each complaint/clock/stage is recorded and escalated once. Returns the number of new records."""
    now = now or timezone.now()
    calendar = current_calendar()
    warn = working_hours(service_targets().escalation_warning_hours)
    horizon = add_business_time(now, warn, calendar)
    candidates = (
        Complaint.objects.filter(status__in=rules.OPEN_STATES, paused_at__isnull=True)
        .filter(Q(first_responded_at__isnull=True, first_response_due__lte=horizon) | Q(resolution_due__lte=horizon))
        .order_by("id")
    )
    candidates = list(candidates.only("id", "first_responded_at", "first_response_due", "resolution_due"))
    # One query for what is already recorded, so a sweep over a quiet desk costs two queries.
    recorded = set(
        Breach.objects.filter(complaint__status__in=rules.OPEN_STATES).values_list("complaint_id", "clock", "stage")
    )
    created = 0
    supervisors = None
    for complaint in candidates:
        clocks = [(Breach.Clock.RESOLUTION, complaint.resolution_due)]
        if complaint.first_responded_at is None:
            clocks.insert(0, (Breach.Clock.FIRST_RESPONSE, complaint.first_response_due))
        for clock, due in clocks:
            if due is None or due > horizon:
                continue
            stage = Breach.Stage.BREACHED if due <= now else Breach.Stage.WARNING
            if (complaint.pk, clock, stage) in recorded:
                continue
            if supervisors is None:
                supervisors = supervisors_of_escalations()
            if _record_breach(complaint.pk, clock, stage, due, now, supervisors):
                created += 1
    return created


@transaction.atomic
def _record_breach(complaint_id: int, clock: str, stage: str, due, now, supervisors) -> bool:
    complaint = Complaint.objects.select_for_update(of=("self",)).select_related("assigned_to").get(pk=complaint_id)
    if Breach.objects.filter(complaint=complaint, clock=clock, stage=stage).exists():
        return False
    try:
        with transaction.atomic():
            breach = Breach.objects.create(
                complaint=complaint,
                clock=clock,
                stage=stage,
                due_at=due,
                detected_at=now,
                assigned_to=complaint.assigned_to,
            )
    except IntegrityError:
        return False
    recipients = {u.pk: u for u in supervisors}
    if complaint.assigned_to_id:
        recipients.setdefault(complaint.assigned_to_id, complaint.assigned_to)
    breach.escalated_to.set(list(supervisors))
    if stage == Breach.Stage.BREACHED:
        flag = "first_response_breached" if clock == Breach.Clock.FIRST_RESPONSE else "resolution_breached"
        setattr(complaint, flag, True)
        complaint.save(update_fields=[flag, "updated_at"])
    label = Breach.Clock(clock).label.lower()
    verb = "is overdue" if stage == Breach.Stage.BREACHED else "is about to be overdue"
    log_event(
        complaint, ComplaintEvent.EventKind.ESCALATED, note=f"{label} {verb} (due {due:%Y-%m-%d %H:%M} UTC)", at=now
    )
    for user in recipients.values():
        with notification_services.in_user_language(user):
            notification_services.notification_enqueue_for_user(
                user=user,
                event="complaint_breach" if stage == Breach.Stage.BREACHED else "complaint_breach_warning",
                dedup_key=f"complaint_breach:{breach.pk}",
                subject=gettext("%(reference)s: %(label)s %(verb)s")
                % {"reference": complaint.reference, "label": label, "verb": verb},
                body=f"Due {timezone.localtime(due):%Y-%m-%d %H:%M}. {complaint.text[:200]}",
                context={"complaint_id": complaint.pk, "clock": clock, "stage": stage},
            )
    return True
