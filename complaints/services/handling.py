"""Handling a complaint: triage, assignment, moves along the transition table (with the clocks they pause,
resume and restart), comments and replies, goodwill gestures."""

from datetime import datetime
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from crm.exceptions import ApplicationError
from crm.money import money
from crm.notifications import services as notification_services
from crm.notifications.webhooks import event_emit
from crm.standards.calendar import current_calendar

from .. import rules
from ..models import Complaint, ComplaintCategory, ComplaintComment, ComplaintEvent, GoodwillGesture
from .access import may_handle, require_actor, require_assigner, require_handler
from .clocks import (
    record_first_response,
    restart_resolution_clock,
    resume_clock,
    set_due_times,
    work_hours_since_created,
)
from .events import complaint_event_data, log_event
from .routing import default_assignee, handling_cost_for, priority_for
from .surveys import survey_send

S = Complaint.Status
# Everything a move along the transition table may change: the status and the clocks it pauses, resumes,
# stops or restarts.
TRANSITION_FIELDS = [
    "status",
    "paused_at",
    "paused_total",
    "first_response_due",
    "resolution_due",
    "first_responded_at",
    "first_response_breached",
    "first_response_work_hours",
    "resolution_note",
    "root_cause",
    "resolved_at",
    "resolution_breached",
    "resolution_work_hours",
    "closed_at",
    "reopen_count",
    "updated_at",
]


# --- triage and assignment ----------------------------------------------------------------------------


@transaction.atomic
def complaint_assign(*, complaint: Complaint, to, by, note: str = "") -> Complaint:
    """Give the complaint to `to` (None: nobody). `by` must be allowed to act on it (`can_act_on`) and, unless
    an administrator, may only take it themself (or leave it to nobody)."""
    require_handler(by)
    complaint = Complaint.objects.select_for_update().get(pk=complaint.pk)
    require_actor(by, complaint)
    if complaint.assigned_to_id != (to.pk if to else None):
        require_assigner(by, to)
    return _assign(complaint, to, by, note)


def _assign(complaint: Complaint, to, by, note: str) -> Complaint:
    """The assignment itself, its event and the message to the new assignee; the caller checked the right."""
    if to is not None and not (to.is_active and may_handle(to)):
        raise ApplicationError(gettext("Assign to a sales manager or an administrator."), field="assigned_to")
    if complaint.assigned_to_id == (to.pk if to else None):
        return complaint
    previous = complaint.assigned_to
    complaint.assigned_to = to
    complaint.save(update_fields=["assigned_to", "updated_at"])
    event = log_event(complaint, ComplaintEvent.EventKind.ASSIGNED, by=by, from_user=previous, to_user=to, note=note)
    if to is not None and to != by:
        with notification_services.in_user_language(to):
            notification_services.notification_enqueue_for_user(
                user=to,
                event="complaint_assigned",
                dedup_key=f"complaint_assigned:{event.pk}",
                subject=gettext("Complaint %(reference)s is assigned to you") % {"reference": complaint.reference},
                body=complaint.text[:300],
                context={"complaint_id": complaint.pk},
            )
    return complaint


@transaction.atomic
def complaint_triage(
    *,
    complaint: Complaint,
    by,
    category: ComplaintCategory | None = None,
    severity: str | None = None,
    kind: str | None = None,
    assigned_to=None,
    note: str = "",
) -> Complaint:
    """Classify: category, severity (and kind); recompute priority, due times and handling cost; move a new
    or reopened complaint to triaged."""
    require_handler(by)
    complaint = Complaint.objects.select_for_update(of=("self",)).select_related("client").get(pk=complaint.pk)
    require_actor(by, complaint)
    chosen = assigned_to is not None and assigned_to.pk != complaint.assigned_to_id
    if chosen:
        require_assigner(by, assigned_to)
    if complaint.status in (S.RESOLVED, S.CLOSED):
        raise ApplicationError(
            gettext("A resolved or closed complaint cannot be triaged; reopen it first."), field="status"
        )
    if severity is not None:
        if severity not in Complaint.Severity.values:
            raise ApplicationError(gettext("Unknown severity %(severity)r.") % {"severity": severity}, field="severity")
        complaint.severity = severity
    if kind is not None:
        if kind not in Complaint.Kind.values:
            raise ApplicationError(gettext("Unknown kind %(kind)r.") % {"kind": kind}, field="kind")
        complaint.kind = kind
    if category is not None:
        complaint.category = category
    complaint.handling_cost = handling_cost_for(complaint.category)
    complaint.priority = priority_for(client=complaint.client, severity=complaint.severity, kind=complaint.kind)
    if complaint.status != S.REOPENED:
        set_due_times(complaint)
    previous_status = complaint.status
    if complaint.status in (S.NEW, S.REOPENED):
        complaint.status = S.TRIAGED
    complaint.save(
        update_fields=[
            "severity",
            "kind",
            "category",
            "handling_cost",
            "priority",
            "first_response_due",
            "resolution_due",
            "status",
            "updated_at",
        ]
    )
    log_event(
        complaint,
        ComplaintEvent.EventKind.TRIAGED,
        by=by,
        from_status=previous_status,
        to_status=complaint.status,
        note=note or f"{complaint.category or 'no category'}, {complaint.severity}, P{complaint.priority}",
    )
    if assigned_to is None and complaint.assigned_to_id is None:
        # the routing rule's choice, not the person's: no right to give work to a colleague is needed
        assigned_to = default_assignee(complaint.client, complaint.category)
    if assigned_to is not None and assigned_to.pk != complaint.assigned_to_id:
        complaint = _assign(complaint, assigned_to, by, "triage")
    return complaint


# --- transitions --------------------------------------------------------------------------------------


@transaction.atomic
def complaint_transition(
    *,
    complaint: Complaint,
    to_status: str,
    by,
    note: str = "",
    resolution_note: str = "",
    root_cause: str = "",
    now: datetime | None = None,
) -> Complaint:
    """Move a complaint along the transition table (rules.TRANSITIONS). Waiting for the client pauses the
    clocks; leaving it moves both due times by the working time paused. Resolving needs a resolution note
    (and a root cause for complaints and claims) and sends the client a satisfaction survey."""
    require_handler(by)
    complaint = Complaint.objects.select_for_update(of=("self",)).select_related("client").get(pk=complaint.pk)
    require_actor(by, complaint)
    if to_status not in S.values:
        raise ApplicationError(gettext("Unknown status %(to_status)r.") % {"to_status": to_status}, field="to_status")
    if to_status not in rules.allowed_transitions(complaint.status):
        raise ApplicationError(
            f"Cannot move from {complaint.get_status_display().lower()} to "
            f"{S(to_status).label.lower()}; allowed: "
            + (", ".join(S(s).label.lower() for s in rules.allowed_transitions(complaint.status)) or "none")
            + ".",
            field="to_status",
            code="invalid_transition",
        )
    now = now or timezone.now()
    calendar = current_calendar()
    previous = complaint.status
    resume_clock(complaint, now, calendar)
    if to_status == S.WAITING:
        complaint.paused_at = now
    if to_status in rules.RESPONDING_STATES:
        record_first_response(complaint, now)
    if to_status == S.RESOLVED:
        resolution_note = (resolution_note or "").strip()
        if not resolution_note:
            raise ApplicationError(gettext("Write how the complaint was resolved."), field="resolution_note")
        if root_cause and root_cause not in Complaint.RootCause.values:
            raise ApplicationError(
                gettext("Unknown root cause %(root_cause)r.") % {"root_cause": root_cause}, field="root_cause"
            )
        if not root_cause and complaint.kind in (Complaint.Kind.COMPLAINT, Complaint.Kind.CLAIM):
            raise ApplicationError(gettext("Choose the root cause."), field="root_cause")
        complaint.resolution_note = resolution_note
        complaint.root_cause = root_cause
        complaint.resolved_at = now
        complaint.resolution_work_hours = work_hours_since_created(complaint, now, calendar)
        if complaint.resolution_due and now > complaint.resolution_due:
            complaint.resolution_breached = True
    elif to_status == S.CLOSED:
        complaint.closed_at = now
    elif to_status == S.REOPENED:
        restart_resolution_clock(complaint, now, calendar)
    complaint.status = to_status
    complaint.save(update_fields=TRANSITION_FIELDS)
    log_event(
        complaint,
        ComplaintEvent.EventKind.TRANSITION,
        by=by,
        from_status=previous,
        to_status=to_status,
        note=note,
        at=now,
    )
    if to_status == S.RESOLVED:
        survey_send(complaint, now)
    if to_status in (S.RESOLVED, S.REOPENED):
        event_type = "complaint.resolved" if to_status == S.RESOLVED else "complaint.reopened"
        event_emit(event_type, entity=f"complaint:{complaint.pk}", data=complaint_event_data(complaint))
    return complaint


# --- comments and goodwill ----------------------------------------------------------------------------


@transaction.atomic
def comment_add(*, complaint: Complaint, by, body: str, is_response: bool = False) -> ComplaintComment:
    """An internal note, or (is_response) a reply given to the client, which counts as the first response."""
    require_handler(by)
    body = (body or "").strip()
    if not body:
        raise ApplicationError(gettext("Write the comment."), field="body")
    complaint = Complaint.objects.select_for_update().get(pk=complaint.pk)
    require_actor(by, complaint)
    comment = ComplaintComment.objects.create(complaint=complaint, author=by, body=body, is_response=is_response)
    if is_response and complaint.first_responded_at is None:
        record_first_response(complaint, comment.created_at)
        complaint.save(
            update_fields=["first_responded_at", "first_response_breached", "first_response_work_hours", "updated_at"]
        )
    return comment


@transaction.atomic
def goodwill_add(
    *, complaint: Complaint, kind: str, cost: Decimal, by, note: str = "", given_at: datetime | None = None
) -> GoodwillGesture:
    require_handler(by)
    if kind not in GoodwillGesture.GestureKind.values:
        raise ApplicationError(gettext("Unknown goodwill gesture %(kind)r.") % {"kind": kind}, field="kind")
    amount = money(cost)
    if amount < 0:
        raise ApplicationError(gettext("The cost cannot be negative."), field="cost")
    complaint = Complaint.objects.select_for_update().get(pk=complaint.pk)
    require_actor(by, complaint)
    if complaint.client_id is None:
        raise ApplicationError(
            gettext("Confirm whose complaint this is before giving a goodwill gesture."), field="client"
        )
    return GoodwillGesture.objects.create(
        complaint=complaint,
        client_id=complaint.client_id,
        kind=kind,
        cost=amount,
        given_at=given_at or timezone.now(),
        given_by=by,
        note=(note or "")[:300],
    )
