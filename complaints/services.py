"""The only code that writes complaints: intake, triage, assignment, transitions, response clocks,
escalation, comments, goodwill and satisfaction surveys."""

import re
import secrets
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from clients import messaging as client_messaging
from clients import selectors as client_selectors
from clients import services as client_services
from clients.models import Client
from crm.exceptions import ApplicationError
from crm.money import money
from crm.notifications import services as notification_services
from crm.roles import Role, has_role
from crm.standards.calendar import add_business_hours, add_business_time, business_time_between, current_calendar
from crm.standards.selectors import service_targets
from purchases import selectors as purchase_selectors

from . import rules
from .models import (
    Breach,
    Complaint,
    ComplaintCategory,
    ComplaintComment,
    ComplaintEvent,
    GoodwillGesture,
    ReferenceCounter,
    ResponseTarget,
    SatisfactionSurvey,
)

User = get_user_model()
S = Complaint.Status
LOW_SCORE = 2  # a survey score at or below this reopens the case


# --- helpers ------------------------------------------------------------------------------------------


def _next_reference(at: datetime) -> str:
    year = timezone.localtime(at).year
    ReferenceCounter.objects.get_or_create(year=year)
    counter = ReferenceCounter.objects.select_for_update().get(year=year)
    counter.last += 1
    counter.save(update_fields=["last"])
    return f"C-{year}-{counter.last:05d}"


def target_hours(*, kind: str, severity: str, category: ComplaintCategory | None) -> tuple[Decimal, Decimal]:
    """(first response, resolution) working hours: the category's target, else the general one, else the
    built-in default for the severity."""
    rows = ResponseTarget.objects.filter(kind=kind, severity=severity).filter(
        Q(category=category) | Q(category__isnull=True) if category else Q(category__isnull=True)
    )
    best = None
    for row in rows:
        if best is None or (row.category_id and not best.category_id):
            best = row
    if best:
        return best.first_response_hours, best.resolution_hours
    return rules.DEFAULT_TARGET_HOURS[severity]


def handling_cost_for(category: ComplaintCategory | None) -> Decimal:
    if category is not None and category.handling_cost is not None:
        return money(category.handling_cost)
    return money(service_targets().complaint_handling_cost)


def _tier_percent(client) -> Decimal | None:
    account = purchase_selectors.client_account_get(client=client)
    if account is None or account.tier is None:
        return None
    return account.tier.percent


def _set_dues(complaint: Complaint, calendar=None) -> None:
    """Due times from the targets, counted on the business calendar from creation, plus working time
    the clock was paused."""
    calendar = calendar or current_calendar()
    first, resolution = target_hours(kind=complaint.kind, severity=complaint.severity, category=complaint.category)
    start = complaint.created_at
    extra = complaint.paused_total
    complaint.first_response_due = add_business_time(start, _hours(first) + extra, calendar)
    complaint.resolution_due = add_business_time(start, _hours(resolution) + extra, calendar)


def _hours(hours) -> timedelta:
    return timedelta(seconds=int(Decimal(str(hours)) * 3600))


def _is_handler(user) -> bool:
    return has_role(user, Role.SALES_MANAGER, Role.ADMINISTRATOR)


def _default_assignee(client: Client, category: ComplaintCategory | None):
    owner = category.owner if category and category.owner_id and category.owner.is_active else None
    if owner and (category.prefer_owner or client.manager_id is None):
        return owner
    if client.manager_id and client.manager.is_active:
        return client.manager
    return owner


def _log(complaint, kind, *, by=None, note="", **fields) -> ComplaintEvent:
    return ComplaintEvent.objects.create(complaint=complaint, kind=kind, by=by, note=note, **fields)


def absolute_url(path: str, base_url: str = "") -> str:
    base = (base_url or getattr(settings, "SITE_URL", "") or "http://localhost:8000").rstrip("/")
    return f"{base}{path}"


def _parse_amount(value) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        amount = money(Decimal(str(value)))
    except (InvalidOperation, ValueError):
        raise ApplicationError("Enter an amount such as 120.00.", field="claimed_amount")
    if amount < 0:
        raise ApplicationError("The claimed amount cannot be negative.", field="claimed_amount")
    return amount


# --- intake -------------------------------------------------------------------------------------------


def _resolve_client(*, client, contact_name: str, contact_email: str, contact_phone: str, channel: str, text: str, by):
    if client is not None:
        return client
    match = client_selectors.client_match_by_contact(email=contact_email, phone=contact_phone).first()
    if match is not None:
        return match
    if not (contact_email or contact_phone):
        raise ApplicationError("Give an email address or phone number so we can reply.", field="contact_email")
    first_contact = {
        Complaint.Channel.PHONE: Client.FirstContactChannel.PHONE,
        Complaint.Channel.WALK_IN: Client.FirstContactChannel.WALK_IN,
        Complaint.Channel.WEB_FORM: Client.FirstContactChannel.WEB_FORM,
        Complaint.Channel.EMAIL: Client.FirstContactChannel.EMAIL,
        Complaint.Channel.INBOUND_EMAIL: Client.FirstContactChannel.EMAIL,
    }.get(channel, Client.FirstContactChannel.OTHER)
    name = (contact_name or contact_email or contact_phone).strip()
    # The person wrote to us and asked for an answer: the channel they gave is consented for replying.
    preferred = ["email"] if contact_email else ["phone"]
    return client_services.client_create(
        name=name,
        by=by,
        kind=Client.Kind.PERSON,
        email=contact_email,
        phone=contact_phone,
        status=Client.Status.LEAD,
        first_contact_channel=first_contact,
        first_contact_request=text[:500],
        preferred_channels=preferred,
        consents={preferred[0]: "opt_in"},
        consent_source=f"complaint via {channel}: asked for a reply",
    )


@transaction.atomic
def complaint_create(
    *,
    text: str,
    channel: str,
    kind: str = Complaint.Kind.COMPLAINT,
    client: Client | None = None,
    by=None,
    subject: str = "",
    contact_name: str = "",
    contact_email: str = "",
    contact_phone: str = "",
    severity: str = Complaint.Severity.MEDIUM,
    category: ComplaintCategory | None = None,
    purchase=None,
    product=None,
    claimed_amount=None,
    external_id: str | None = None,
    created_at: datetime | None = None,
) -> Complaint:
    """Record a complaint (or claim, objection, suggestion, praise) from any channel, link it to the client
    (found by email/phone, or a new lead), assign it, start its clocks and acknowledge it to the client."""
    text = (text or "").strip()
    if not text:
        raise ApplicationError("Describe the complaint: the text is required.", field="text")
    if kind not in Complaint.Kind.values:
        raise ApplicationError(f"Unknown kind {kind!r}.", field="kind")
    if channel not in Complaint.Channel.values:
        raise ApplicationError(f"Unknown channel {channel!r}.", field="channel")
    if severity not in Complaint.Severity.values:
        raise ApplicationError(f"Unknown severity {severity!r}.", field="severity")
    amount = _parse_amount(claimed_amount)
    if kind == Complaint.Kind.CLAIM and not amount:
        raise ApplicationError("A claim needs the amount claimed.", field="claimed_amount")
    if external_id and Complaint.objects.filter(external_id=external_id).exists():
        raise ApplicationError("A complaint with this external id already exists.", field="external_id")
    client = _resolve_client(
        client=client,
        contact_name=contact_name,
        contact_email=contact_email,
        contact_phone=contact_phone,
        channel=channel,
        text=text,
        by=by,
    )
    if purchase is not None and purchase.client_id != client.pk:
        raise ApplicationError("That purchase belongs to another client.", field="purchase")
    now = created_at or timezone.now()
    complaint = Complaint(
        reference=_next_reference(now),
        kind=kind,
        channel=channel,
        client=client,
        purchase=purchase,
        product=product,
        category=category,
        severity=severity,
        priority=rules.compute_priority(severity=severity, kind=kind, tier_percent=_tier_percent(client)),
        status=S.NEW,
        assigned_to=_default_assignee(client, category),
        subject=subject.strip()[:200],
        text=text,
        claimed_amount=amount if kind == Complaint.Kind.CLAIM else None,
        contact_name=contact_name[:200],
        contact_email=contact_email[:254],
        contact_phone=contact_phone[:30],
        handling_cost=handling_cost_for(category),
        created_by=by,
        external_id=external_id or None,
        created_at=now,
    )
    _set_dues(complaint)
    complaint.save()
    _log(complaint, ComplaintEvent.EventKind.CREATED, by=by, to_status=S.NEW, note=f"via {channel}", at=now)
    if complaint.assigned_to_id:
        event = _log(
            complaint, ComplaintEvent.EventKind.ASSIGNED, by=by, to_user=complaint.assigned_to, note="default", at=now
        )
        if complaint.assigned_to != by:
            notification_services.notification_enqueue_for_user(
                user=complaint.assigned_to,
                event="complaint_assigned",
                dedup_key=f"complaint_assigned:{event.pk}",
                subject=f"New {complaint.get_kind_display().lower()} {complaint.reference} from {client.name}",
                body=f"Reply by {timezone.localtime(complaint.first_response_due):%Y-%m-%d %H:%M}. {text[:300]}",
                context={"complaint_id": complaint.pk},
            )
    client_messaging.notification_enqueue_for_client(
        client=client,
        event="complaint_ack",
        dedup_key=f"complaint_ack:{complaint.pk}",
        subject=f"We received your message — reference {complaint.reference}",
        body=(
            f"Thank you for contacting us. Your reference is {complaint.reference}. "
            f"We will reply by {timezone.localtime(complaint.first_response_due):%Y-%m-%d %H:%M}."
        ),
        context={
            "reference": complaint.reference,
            "complaint_id": complaint.pk,
            "first_response_due": complaint.first_response_due.isoformat(),
        },
    )
    return complaint


# --- triage and assignment ----------------------------------------------------------------------------


@transaction.atomic
def complaint_assign(*, complaint: Complaint, to, by, note: str = "") -> Complaint:
    complaint = Complaint.objects.select_for_update().get(pk=complaint.pk)
    if to is not None and not (to.is_active and _is_handler(to)):
        raise ApplicationError("Assign to a sales manager or an administrator.", field="assigned_to")
    if complaint.assigned_to_id == (to.pk if to else None):
        return complaint
    previous = complaint.assigned_to
    complaint.assigned_to = to
    complaint.save(update_fields=["assigned_to", "updated_at"])
    event = _log(complaint, ComplaintEvent.EventKind.ASSIGNED, by=by, from_user=previous, to_user=to, note=note)
    if to is not None and to != by:
        notification_services.notification_enqueue_for_user(
            user=to,
            event="complaint_assigned",
            dedup_key=f"complaint_assigned:{event.pk}",
            subject=f"Complaint {complaint.reference} is assigned to you",
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
    complaint = Complaint.objects.select_for_update(of=("self",)).select_related("client").get(pk=complaint.pk)
    if complaint.status in (S.RESOLVED, S.CLOSED):
        raise ApplicationError("A resolved or closed complaint cannot be triaged; reopen it first.", field="status")
    if severity is not None:
        if severity not in Complaint.Severity.values:
            raise ApplicationError(f"Unknown severity {severity!r}.", field="severity")
        complaint.severity = severity
    if kind is not None:
        if kind not in Complaint.Kind.values:
            raise ApplicationError(f"Unknown kind {kind!r}.", field="kind")
        complaint.kind = kind
    if category is not None:
        complaint.category = category
    complaint.handling_cost = handling_cost_for(complaint.category)
    complaint.priority = rules.compute_priority(
        severity=complaint.severity, kind=complaint.kind, tier_percent=_tier_percent(complaint.client)
    )
    if complaint.status != S.REOPENED:
        _set_dues(complaint)
    previous_status = complaint.status
    if complaint.status in (S.NEW, S.REOPENED):
        complaint.status = S.TRIAGED
    complaint.save()
    _log(
        complaint,
        ComplaintEvent.EventKind.TRIAGED,
        by=by,
        from_status=previous_status,
        to_status=complaint.status,
        note=note or f"{complaint.category or 'no category'}, {complaint.severity}, P{complaint.priority}",
    )
    if assigned_to is None and complaint.assigned_to_id is None:
        assigned_to = _default_assignee(complaint.client, complaint.category)
    if assigned_to is not None and assigned_to.pk != complaint.assigned_to_id:
        complaint = complaint_assign(complaint=complaint, to=assigned_to, by=by, note="triage")
    return complaint


# --- transitions and clocks ---------------------------------------------------------------------------


def _resume_clock(complaint: Complaint, now: datetime, calendar) -> None:
    if complaint.paused_at is None:
        return
    paused = business_time_between(complaint.paused_at, now, calendar)
    complaint.paused_total += paused
    if paused:
        if complaint.first_responded_at is None and complaint.first_response_due:
            complaint.first_response_due = add_business_time(complaint.first_response_due, paused, calendar)
        if complaint.resolution_due:
            complaint.resolution_due = add_business_time(complaint.resolution_due, paused, calendar)
    complaint.paused_at = None


def _record_first_response(complaint: Complaint, now: datetime) -> None:
    if complaint.first_responded_at is None:
        complaint.first_responded_at = now
        if complaint.first_response_due and now > complaint.first_response_due:
            complaint.first_response_breached = True


@transaction.atomic
def complaint_transition(
    *,
    complaint: Complaint,
    to_status: str,
    by,
    note: str = "",
    resolution_note: str = "",
    root_cause: str = "",
    base_url: str = "",
    now: datetime | None = None,
) -> Complaint:
    """Move a complaint along the transition table (rules.TRANSITIONS). Waiting for the client pauses the
    clocks; leaving it moves both due times by the working time paused. Resolving needs a resolution note
    (and a root cause for complaints and claims) and sends the client a satisfaction survey."""
    complaint = Complaint.objects.select_for_update(of=("self",)).select_related("client").get(pk=complaint.pk)
    if to_status not in S.values:
        raise ApplicationError(f"Unknown status {to_status!r}.", field="to_status")
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
    _resume_clock(complaint, now, calendar)
    if to_status == S.WAITING:
        complaint.paused_at = now
    if to_status in rules.RESPONDING_STATES:
        _record_first_response(complaint, now)
    if to_status == S.RESOLVED:
        resolution_note = (resolution_note or "").strip()
        if not resolution_note:
            raise ApplicationError("Write how the complaint was resolved.", field="resolution_note")
        if root_cause and root_cause not in Complaint.RootCause.values:
            raise ApplicationError(f"Unknown root cause {root_cause!r}.", field="root_cause")
        if not root_cause and complaint.kind in (Complaint.Kind.COMPLAINT, Complaint.Kind.CLAIM):
            raise ApplicationError("Choose the root cause.", field="root_cause")
        complaint.resolution_note = resolution_note
        complaint.root_cause = root_cause
        complaint.resolved_at = now
        if complaint.resolution_due and now > complaint.resolution_due:
            complaint.resolution_breached = True
    elif to_status == S.CLOSED:
        complaint.closed_at = now
    elif to_status == S.REOPENED:
        _reopen(complaint, now, calendar)
    complaint.status = to_status
    complaint.save()
    _log(
        complaint,
        ComplaintEvent.EventKind.TRANSITION,
        by=by,
        from_status=previous,
        to_status=to_status,
        note=note,
        at=now,
    )
    if to_status == S.RESOLVED:
        _send_survey(complaint, now, base_url)
    return complaint


def _reopen(complaint: Complaint, now: datetime, calendar) -> None:
    """The resolution clock starts again from now with the full resolution target."""
    _, resolution = target_hours(kind=complaint.kind, severity=complaint.severity, category=complaint.category)
    complaint.resolution_due = add_business_hours(now, resolution, calendar)
    complaint.resolved_at = None
    complaint.closed_at = None
    complaint.resolution_breached = False
    complaint.reopen_count += 1


def _send_survey(complaint: Complaint, now: datetime, base_url: str) -> SatisfactionSurvey:
    survey = SatisfactionSurvey.objects.create(complaint=complaint, token=secrets.token_urlsafe(24), sent_at=now)
    link = absolute_url(reverse("complaints:survey", args=[survey.token]), base_url)
    client_messaging.notification_enqueue_for_client(
        client=complaint.client,
        event="survey_request",
        dedup_key=f"survey_request:{survey.pk}",
        subject=f"How did we do? ({complaint.reference})",
        body=f"Your case {complaint.reference} is resolved. Please tell us how we did: {link}",
        context={"reference": complaint.reference, "survey_url": link, "complaint_id": complaint.pk},
    )
    return survey


# --- comments and goodwill ----------------------------------------------------------------------------


@transaction.atomic
def comment_add(*, complaint: Complaint, author, body: str, is_response: bool = False) -> ComplaintComment:
    """An internal note, or (is_response) a reply given to the client, which counts as the first response."""
    body = (body or "").strip()
    if not body:
        raise ApplicationError("Write the comment.", field="body")
    complaint = Complaint.objects.select_for_update().get(pk=complaint.pk)
    comment = ComplaintComment.objects.create(complaint=complaint, author=author, body=body, is_response=is_response)
    if is_response and complaint.first_responded_at is None:
        _record_first_response(complaint, comment.created_at)
        complaint.save(update_fields=["first_responded_at", "first_response_breached", "updated_at"])
    return comment


@transaction.atomic
def goodwill_add(
    *, complaint: Complaint, kind: str, cost, by, note: str = "", given_at: datetime | None = None
) -> GoodwillGesture:
    if kind not in GoodwillGesture.GestureKind.values:
        raise ApplicationError(f"Unknown goodwill gesture {kind!r}.", field="kind")
    try:
        amount = money(Decimal(str(cost)))
    except (InvalidOperation, ValueError, TypeError):
        raise ApplicationError("Enter the cost, such as 15.00.", field="cost")
    if amount < 0:
        raise ApplicationError("The cost cannot be negative.", field="cost")
    complaint = Complaint.objects.select_for_update().get(pk=complaint.pk)
    return GoodwillGesture.objects.create(
        complaint=complaint,
        client_id=complaint.client_id,
        kind=kind,
        cost=amount,
        given_at=given_at or timezone.now(),
        given_by=by,
        note=(note or "")[:300],
    )


# --- satisfaction -------------------------------------------------------------------------------------


def _parse_int(value, *, field: str, low: int, high: int, required: bool) -> int | None:
    if value in (None, ""):
        if required:
            raise ApplicationError(f"Choose a score from {low} to {high}.", field=field)
        return None
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise ApplicationError(f"Choose a score from {low} to {high}.", field=field)
    if not low <= number <= high:
        raise ApplicationError(f"Choose a score from {low} to {high}.", field=field)
    return number


@transaction.atomic
def survey_answer(*, token: str, score, comment: str = "", recommendation=None) -> SatisfactionSurvey:
    """Record the client's answer once. A score of LOW_SCORE or less reopens the case and tells the manager."""
    survey = SatisfactionSurvey.objects.select_for_update().filter(token=token).first()
    if survey is None:
        raise ApplicationError("This survey link is not valid.", field="token")
    if survey.answered_at is not None:
        raise ApplicationError("This survey has already been answered. Thank you!", code="already_answered")
    survey.score = _parse_int(score, field="score", low=1, high=5, required=True)
    survey.recommendation = _parse_int(recommendation, field="recommendation", low=0, high=10, required=False)
    survey.comment = (comment or "").strip()[:2000]
    survey.answered_at = timezone.now()
    survey.save(update_fields=["score", "recommendation", "comment", "answered_at"])
    complaint = Complaint.objects.select_for_update().get(pk=survey.complaint_id)
    _log(complaint, ComplaintEvent.EventKind.SURVEY, note=f"score {survey.score}: {survey.comment}"[:500])
    if survey.score <= LOW_SCORE and complaint.status in (S.RESOLVED, S.CLOSED):
        complaint = complaint_transition(
            complaint=complaint, to_status=S.REOPENED, by=None, note=f"Low satisfaction score ({survey.score})"
        )
        recipients = [complaint.assigned_to] if complaint.assigned_to_id else _supervisors()
        for user in recipients:
            notification_services.notification_enqueue_for_user(
                user=user,
                event="complaint_reopened",
                dedup_key=f"complaint_reopened:{survey.pk}",
                subject=f"{complaint.reference} reopened: the client scored {survey.score}/5",
                body=survey.comment or "No comment given.",
                context={"complaint_id": complaint.pk, "score": survey.score},
            )
    return survey


# --- escalation ---------------------------------------------------------------------------------------


def _supervisors() -> list:
    targets = service_targets()
    if targets.supervisor_id and targets.supervisor.is_active:
        return [targets.supervisor]
    return list(
        User.objects.filter(is_active=True)
        .filter(Q(groups__name=Role.ADMINISTRATOR) | Q(is_superuser=True))
        .distinct()
        .order_by("id")
    )


def escalate_breaches(*, now: datetime | None = None) -> int:
    """Record and escalate every open clock that has run out or will within the warning window (working
    hours). Each complaint/clock/stage is recorded and escalated once. Returns the number of new records."""
    now = now or timezone.now()
    calendar = current_calendar()
    warn = _hours(service_targets().escalation_warning_hours)
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
                supervisors = _supervisors()
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
    _log(complaint, ComplaintEvent.EventKind.ESCALATED, note=f"{label} {verb} (due {due:%Y-%m-%d %H:%M} UTC)", at=now)
    for user in recipients.values():
        notification_services.notification_enqueue_for_user(
            user=user,
            event="complaint_breach" if stage == Breach.Stage.BREACHED else "complaint_breach_warning",
            dedup_key=f"complaint_breach:{breach.pk}",
            subject=f"{complaint.reference}: {label} {verb}",
            body=f"Due {timezone.localtime(due):%Y-%m-%d %H:%M}. {complaint.text[:200]}",
            context={"complaint_id": complaint.pk, "clock": clock, "stage": stage},
        )
    return True


# --- inbound email ------------------------------------------------------------------------------------


def complaint_create_from_email(*, raw: bytes, by=None) -> tuple[Complaint, bool]:
    """Ingest a raw RFC 822 message as a complaint from its sender. The Message-ID makes it idempotent:
    the same message again returns the complaint made the first time. Returns (complaint, created)."""
    from .inbound import EmailParseError, parse_email

    try:
        parsed = parse_email(raw)
    except EmailParseError as exc:
        raise ApplicationError(str(exc), field="message")
    external_id = f"email:{parsed.message_id}" if parsed.message_id else None
    reply_to = _replied_complaint(parsed)
    if reply_to is not None:
        return client_reply_add(complaint=reply_to, body=parsed.text, message_id=parsed.message_id), False
    if external_id:
        existing = Complaint.objects.filter(external_id=external_id).first()
        if existing:
            return existing, False
    complaint = complaint_create(
        text=parsed.text,
        channel=Complaint.Channel.INBOUND_EMAIL,
        subject=parsed.subject,
        contact_name=parsed.from_name,
        contact_email=parsed.from_email,
        by=by,
        external_id=external_id,
    )
    return complaint, True


REFERENCE = re.compile(r"\bC-\d{4}-\d{5}\b")


def _replied_complaint(parsed) -> Complaint | None:
    """An email whose subject quotes the reference of an open or recent complaint of the same sender is a
    reply on that complaint, not a new one."""
    match = REFERENCE.search(parsed.subject or "")
    if not match:
        return None
    complaint = Complaint.objects.select_related("client").filter(reference=match.group(0)).first()
    if complaint is None:
        return None
    senders = {complaint.client.email.lower(), (complaint.contact_email or "").lower()}
    return complaint if parsed.from_email in senders else None


@transaction.atomic
def client_reply_add(*, complaint: Complaint, body: str, message_id: str = "") -> Complaint:
    """The client wrote back. Recorded once per message; a complaint waiting for the client resumes (its
    clocks restart) and the assignee is told."""
    complaint = Complaint.objects.select_for_update().get(pk=complaint.pk)
    if message_id and ComplaintComment.objects.filter(complaint=complaint, message_id=message_id).exists():
        return complaint
    comment = ComplaintComment.objects.create(
        complaint=complaint,
        author=None,
        body=(body or "").strip() or "(empty message)",
        from_client=True,
        message_id=message_id[:100],
    )
    if complaint.status == S.WAITING:
        complaint = complaint_transition(
            complaint=complaint, to_status=S.IN_PROGRESS, by=None, note="The client replied by email."
        )
    if complaint.assigned_to_id:
        notification_services.notification_enqueue_for_user(
            user=complaint.assigned_to,
            event="complaint_client_reply",
            dedup_key=f"complaint_client_reply:{comment.pk}",
            subject=f"{complaint.reference}: the client replied",
            body=comment.body[:500],
            context={"complaint_id": complaint.pk},
        )
    return complaint
