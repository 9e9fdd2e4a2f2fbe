"""The only code that writes internal requests and teams.

Rules:
- Teams and request kinds (with their standard turnaround) are set by administrators.
- Anyone with a CRM role may ask any active team; the due time is the kind's turnaround in working hours on
  the business calendar (crm.standards), counted from the moment of the request.
- Members of the team take a request, give it to another member, and complete it with a note; an
  administrator may also give it to a member. A request that stands for another app's object (an invoice)
  is taken and completed through that app (sources.py).
- The requester rates a done request once: 1 to 5 and a comment.
- Reminders go through the outbox: once when the due time is near (ServiceTargets.escalation_warning_hours
  working hours before it) to the assignee or, before anyone took it, the team; once when it is overdue,
  to them and to the requester."""

from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.exceptions import ApplicationError, ConflictError
from crm.notifications import services as notification_services
from crm.roles import Role, has_role, user_roles
from crm.standards import calendar as business_calendar
from crm.standards import selectors as standards_selectors

from . import sources
from .models import InternalRequest, RequestKind, Team


def _hours(delta) -> Decimal:
    return (Decimal(delta.total_seconds()) / Decimal(3600)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def _require_admin(by) -> None:
    if by is not None and not has_role(by, Role.ADMINISTRATOR):
        raise ApplicationError(_("Only administrators manage teams and request kinds."), code="forbidden")


def is_member(user, team: Team) -> bool:
    return team.members.filter(pk=user.pk).exists()


def _members_ok(members) -> list:
    members = list(members or [])
    if any(not (m.is_active and user_roles(m)) for m in members):
        raise ApplicationError(_("Team members must be active staff with a CRM role."), field="members")
    return members


# --- teams and kinds ----------------------------------------------------------------------------------


@transaction.atomic
def team_create(*, name: str, code: str, description: str = "", members=(), by=None) -> Team:
    _require_admin(by)
    name, code = (name or "").strip(), (code or "").strip().lower()
    if not name:
        raise ApplicationError(_("Name the team."), field="name")
    if not code:
        raise ApplicationError(_("Give the team a short code."), field="code")
    if Team.objects.filter(name__iexact=name).exists():
        raise ApplicationError(_("A team with this name exists."), field="name")
    if Team.objects.filter(code=code).exists():
        raise ApplicationError(_("A team with this code exists."), field="code")
    members = _members_ok(members)
    team = Team.objects.create(name=name, code=code, description=(description or "").strip())
    team.members.set(members)
    return team


@transaction.atomic
def team_update(*, team: Team, name: str, description: str = "", members=(), is_active: bool = True, by=None):
    _require_admin(by)
    team = Team.objects.select_for_update().get(pk=team.pk)
    name = (name or "").strip()
    if not name:
        raise ApplicationError(_("Name the team."), field="name")
    if Team.objects.filter(name__iexact=name).exclude(pk=team.pk).exists():
        raise ApplicationError(_("A team with this name exists."), field="name")
    members = _members_ok(members)
    team.name, team.description, team.is_active = name, (description or "").strip(), bool(is_active)
    team.save(update_fields=["name", "description", "is_active", "updated_at"])
    team.members.set(members)
    return team


def _turnaround(value: Decimal) -> Decimal:
    if value is None or value < Decimal("0.25"):
        raise ApplicationError(_("Give a turnaround of at least a quarter of an hour."), field="turnaround_hours")
    if value > Decimal("9999"):
        raise ApplicationError(_("The turnaround is too long."), field="turnaround_hours")
    return value


@transaction.atomic
def kind_create(*, team: Team, code: str, name: str, turnaround_hours: Decimal, by=None) -> RequestKind:
    _require_admin(by)
    code, name = (code or "").strip().lower(), (name or "").strip()
    if not name:
        raise ApplicationError(_("Name the kind of request."), field="name")
    if not code:
        raise ApplicationError(_("Give the kind a short code."), field="code")
    if RequestKind.objects.filter(code=code).exists():
        raise ApplicationError(_("A kind with this code exists."), field="code")
    return RequestKind.objects.create(team=team, code=code, name=name, turnaround_hours=_turnaround(turnaround_hours))


@transaction.atomic
def kind_update(*, kind: RequestKind, name: str, turnaround_hours: Decimal, is_active: bool = True, by=None):
    _require_admin(by)
    kind = RequestKind.objects.select_for_update().get(pk=kind.pk)
    name = (name or "").strip()
    if not name:
        raise ApplicationError(_("Name the kind of request."), field="name")
    kind.name, kind.turnaround_hours, kind.is_active = name, _turnaround(turnaround_hours), bool(is_active)
    kind.save(update_fields=["name", "turnaround_hours", "is_active", "updated_at"])
    return kind


# --- requests -----------------------------------------------------------------------------------------


@transaction.atomic
def request_open(
    *,
    kind: RequestKind,
    by,
    subject: str,
    details: str = "",
    source: str = "",
    source_id: int | None = None,
    due_at: datetime | None = None,
    at: datetime | None = None,
) -> InternalRequest:
    """Ask the kind's team. `due_at` is given by an app whose own standard sets it (invoices); otherwise it is
    the kind's turnaround in working hours from now."""
    if not user_roles(by):
        raise ApplicationError(_("Only staff with a CRM role make requests."), code="forbidden")
    subject = (subject or "").strip()
    if not subject:
        raise ApplicationError(_("Say what you need."), field="subject")
    if not source and not (kind.is_active and kind.team.is_active):
        raise ApplicationError(_("This kind of request is no longer taken."), field="kind")
    if not source and kind.code in sources.sourced_kind_codes():
        raise ApplicationError(_("Ask for this on its own page (an invoice is requested from the sale)."), field="kind")
    now = at or timezone.now()
    calendar = business_calendar.current_calendar()
    if due_at is None:
        due_at = business_calendar.add_business_hours(now, kind.turnaround_hours, calendar)
    target = _hours(business_calendar.business_time_between(now, due_at, calendar))
    return InternalRequest.objects.create(
        team=kind.team,
        kind=kind,
        subject=subject[:200],
        details=(details or "").strip(),
        requested_by=by,
        requested_at=now,
        due_at=due_at,
        target_hours=target,
        source=source,
        source_id=source_id,
    )


def _locked(request: InternalRequest) -> InternalRequest:
    return (
        InternalRequest.objects.select_for_update(of=("self",))
        .select_related("team", "kind", "requested_by", "assignee")
        .get(pk=request.pk)
    )


def _require_member(by, team: Team, *, admin_too: bool = False) -> None:
    if admin_too and has_role(by, Role.ADMINISTRATOR):
        return
    if not is_member(by, team):
        raise ApplicationError(
            _("Only members of %(team)s handle its requests.") % {"team": team.name}, code="forbidden"
        )


def _require_active(request: InternalRequest) -> None:
    if not request.is_active:
        raise ConflictError(_("This request is already %(status)s.") % {"status": request.get_status_display().lower()})


def _mark_taken(request: InternalRequest, by, now) -> None:
    request.assignee, request.taken_at, request.status = by, now, InternalRequest.Status.IN_PROGRESS
    request.save(update_fields=["assignee", "taken_at", "status", "updated_at"])


@transaction.atomic
def request_take(*, request: InternalRequest, by, at: datetime | None = None) -> InternalRequest:
    """A team member takes the request. One that stands for another app's object is taken there (the invoice
    is claimed), which marks this request taken."""
    request = _locked(request)
    _require_member(by, request.team)
    _require_active(request)
    if request.assignee_id and request.assignee_id != by.pk:
        name = request.assignee.get_full_name() or request.assignee.username
        raise ConflictError(_("%(name)s already took this request.") % {"name": name})
    source = sources.get(request.source)
    if source is not None and source.take is not None:
        source.take(request.source_id, by)
        return InternalRequest.objects.get(pk=request.pk)
    _mark_taken(request, by, at or timezone.now())
    return request


@transaction.atomic
def request_assign(*, request: InternalRequest, to, by) -> InternalRequest:
    """A member (or an administrator) gives the request to a member of the team."""
    request = _locked(request)
    _require_member(by, request.team, admin_too=True)
    _require_active(request)
    if request.source:
        raise ApplicationError(_("This request is taken on its own page."), field="assignee")
    if to is None or not to.is_active or not is_member(to, request.team):
        raise ApplicationError(_("Give the request to an active member of the team."), field="assignee")
    _mark_taken(request, to, timezone.now())
    return request


def _finish(request: InternalRequest, *, by, note: str, status: str, now) -> None:
    request.status = status
    request.completed_by, request.completed_at, request.completion_note = by, now, note
    fields = ["status", "completed_by", "completed_at", "completion_note", "updated_at"]
    if status == InternalRequest.Status.DONE:
        took = business_calendar.business_time_between(request.requested_at, now)
        request.turnaround_hours, request.on_time = _hours(took), now <= request.due_at
        fields += ["turnaround_hours", "on_time"]
        if request.assignee_id is None:
            request.assignee, request.taken_at = by, now
            fields += ["assignee", "taken_at"]
    request.save(update_fields=fields)
    if status == InternalRequest.Status.DONE:
        notification_services.notification_enqueue_for_user(
            user=request.requested_by,
            event="internal_request_done",
            dedup_key=f"internal_request_done:{request.pk}",
            subject=_('Your request "%(subject)s" is done') % {"subject": request.subject},
            body=_("%(name)s completed it: %(note)s\nPlease rate how it went.")
            % {"name": by.get_full_name() or by.username, "note": note},
            context={"internal_request_id": request.pk},
        )


@transaction.atomic
def request_complete(*, request: InternalRequest, by, note: str, at: datetime | None = None) -> InternalRequest:
    request = _locked(request)
    _require_member(by, request.team)
    _require_active(request)
    source = sources.get(request.source)
    if source is not None:
        raise ApplicationError(
            _("This request is completed on its own page: %(action)s.") % {"action": source.action_label},
            field="note",
        )
    if request.assignee_id and request.assignee_id != by.pk:
        raise ConflictError(_("Another member took this request."))
    note = (note or "").strip()
    if not note:
        raise ApplicationError(_("Say what was done."), field="note")
    _finish(request, by=by, note=note, status=InternalRequest.Status.DONE, now=at or timezone.now())
    return request


@transaction.atomic
def request_rate(*, request: InternalRequest, by, rating: int, comment: str = "") -> InternalRequest:
    request = _locked(request)
    if request.requested_by_id != by.pk:
        raise ApplicationError(_("Only the person who asked rates a request."), code="forbidden")
    if request.status != InternalRequest.Status.DONE:
        raise ApplicationError(_("A request is rated once it is done."), field="rating")
    if request.rating is not None:
        raise ConflictError(_("You already rated this request."))
    if rating is None or not 1 <= int(rating) <= 5:
        raise ApplicationError(_("Rate from 1 to 5."), field="rating")
    request.rating, request.rating_comment, request.rated_at = int(rating), (comment or "").strip(), timezone.now()
    request.save(update_fields=["rating", "rating_comment", "rated_at", "updated_at"])
    return request


# --- the side of another app (sources) ----------------------------------------------------------------


def _source_request(source: str, source_id: int) -> InternalRequest | None:
    found = InternalRequest.objects.filter(source=source, source_id=source_id).values_list("pk", flat=True).first()
    return None if found is None else _locked(InternalRequest(pk=found))


def source_kind(source: sources.Source) -> RequestKind:
    """The kind a source opens its requests under: created by migration, set up again here if it is missing
    (the team takes active members of no one until an administrator adds them)."""
    kind = RequestKind.objects.select_related("team").filter(code=source.kind_code).first()
    if kind is not None:
        return kind
    if not source.team_code:
        raise ApplicationError(_("The request kind %(code)s is not set up.") % {"code": source.kind_code})
    team, _created = Team.objects.get_or_create(code=source.team_code, defaults={"name": source.team_name})
    kind, _created = RequestKind.objects.get_or_create(
        code=source.kind_code,
        defaults={"team": team, "name": source.kind_name, "turnaround_hours": Decimal(source.turnaround_hours)},
    )
    return kind


@transaction.atomic
def source_opened(*, source: str, source_id: int, by, subject: str, details: str = "", due_at=None, at=None):
    """Another app opened an object that is a request of its kind (a sales manager requested an invoice)."""
    registered = sources.get(source)
    if registered is None:
        raise ApplicationError(_("Unknown request source %(source)s.") % {"source": source})
    kind = source_kind(registered)
    return request_open(
        kind=kind, by=by, subject=subject, details=details, source=source, source_id=source_id, due_at=due_at, at=at
    )


@transaction.atomic
def source_taken(*, source: str, source_id: int, by) -> InternalRequest | None:
    request = _source_request(source, source_id)
    if request is None or not request.is_active:
        return request
    _mark_taken(request, by, timezone.now())
    return request


@transaction.atomic
def source_completed(*, source: str, source_id: int, by, note: str, at=None) -> InternalRequest | None:
    """The app did what was asked (the invoice was issued): the request is done, timed and scored."""
    request = _source_request(source, source_id)
    if request is None or not request.is_active:
        return request
    _finish(request, by=by, note=note, status=InternalRequest.Status.DONE, now=at or timezone.now())
    return request


@transaction.atomic
def source_cancelled(*, source: str, source_id: int, by, note: str) -> InternalRequest | None:
    request = _source_request(source, source_id)
    if request is None or not request.is_active:
        return request
    _finish(request, by=by, note=note, status=InternalRequest.Status.CANCELLED, now=timezone.now())
    return request


# --- reminders ----------------------------------------------------------------------------------------


def _remind(request: InternalRequest, users, *, event: str, subject: str, body: str) -> None:
    for user in users:
        notification_services.notification_enqueue_for_user(
            user=user,
            event=event,
            dedup_key=f"{event}:{request.pk}",
            subject=subject,
            body=body,
            context={"internal_request_id": request.pk},
        )


def requests_remind(*, now: datetime | None = None) -> int:
    """Every quarter of an hour (Celery beat): the due-soon and the overdue reminder, once each."""
    now = now or timezone.now()
    calendar = business_calendar.current_calendar()
    warning = standards_selectors.service_targets().escalation_warning_hours
    soon_limit = business_calendar.add_business_hours(now, warning, calendar) if warning > 0 else now
    active = InternalRequest.objects.filter(status__in=InternalRequest.ACTIVE)
    ids = list(
        active.filter(
            Q(due_at__gt=now, due_at__lte=soon_limit, due_soon_notified_at__isnull=True)
            | Q(due_at__lte=now, overdue_notified_at__isnull=True)
        ).values_list("pk", flat=True)
    )
    user_model = get_user_model()
    sent = 0
    for pk in ids:
        with transaction.atomic():
            request = _locked(InternalRequest(pk=pk))
            if not request.is_active:
                continue
            handlers = (
                [request.assignee]
                if request.assignee_id
                else list(user_model.objects.filter(crm_teams=request.team, is_active=True))
            )
            due = timezone.localtime(request.due_at)
            if request.due_at <= now and request.overdue_notified_at is None:
                source = sources.get(request.source)
                if source is None or not source.reminds_overdue:
                    subject = _('Request #%(id)s "%(subject)s" is overdue') % {
                        "id": request.pk,
                        "subject": request.subject,
                    }
                    body = _("It was due at %(due)s.") % {"due": due.strftime("%Y-%m-%d %H:%M")}
                    _remind(
                        request,
                        [*handlers, request.requested_by],
                        event="internal_request_overdue",
                        subject=subject,
                        body=body,
                    )
                    sent += 1
                request.due_soon_notified_at = request.due_soon_notified_at or now
                request.overdue_notified_at = now
                request.save(update_fields=["overdue_notified_at", "due_soon_notified_at", "updated_at"])
            elif request.due_at > now and request.due_soon_notified_at is None:
                subject = _('Request #%(id)s "%(subject)s" is due soon') % {
                    "id": request.pk,
                    "subject": request.subject,
                }
                body = _("It is due at %(due)s.") % {"due": due.strftime("%Y-%m-%d %H:%M")}
                _remind(request, handlers, event="internal_request_due_soon", subject=subject, body=body)
                request.due_soon_notified_at = now
                request.save(update_fields=["due_soon_notified_at", "updated_at"])
                sent += 1
    return sent
