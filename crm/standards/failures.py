"""The service record: every client's failures, one place (issue 16, "one failure is a total failure").

A failure source finds failures in SQL, for every client at once or for a few: broken or overdue promises,
messages that failed, contact overdue for a key client (registered here, from the apps below), complaints past
their clock and low survey scores (complaints), invoices late against the invoice standard (purchases). A
higher app registers its sources from its AppConfig.ready() with `register_failure_source`, so this layer never
imports it.

`failures_detect` records what the sources find as ServiceFailure rows, once per `(kind, source_key)`: a failure
that was recorded is never recorded again, even after it was resolved. A source may `alert`: a new failure of
its kind is told to the client's manager through the outbox at once (the key-client contact alert: its key
holds the last contact, so each overdue episode alerts once). The manager resolves a failure with a note
(`failure_resolve`); it stays in the history. Daily and weekly digests go out through the outbox."""

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import CharField, Count, Exists, F, Max, OuterRef, Q, QuerySet, Value
from django.db.models.functions import Cast, Coalesce, Concat
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from clients.models import Client, Promise
from clients.services.rights import can_write_client
from crm.exceptions import ApplicationError
from crm.notifications import services as notification_services
from crm.notifications.models import Notification
from crm.roles import Role, has_role

from . import key_clients
from .models import ServiceFailure
from .selectors import service_targets


@dataclass(frozen=True)
class Found:
    client_id: int
    source_key: str
    occurred_at: datetime
    title: str


@dataclass(frozen=True)
class FailureSource:
    """`find(*, now, client_ids) -> Iterable[Found]`: the failures of this kind at `now`, for those clients
    (None: every client). One query or a few, never one per client. `alert`: tell the manager of each new one."""

    kind: str
    label: str
    find: Callable[..., Iterable[Found]]
    alert: bool = False


_sources: dict[str, FailureSource] = {}


def register_failure_source(source: FailureSource) -> None:
    _sources[source.kind] = source


def sources() -> list[FailureSource]:
    return list(_sources.values())


def kind_label(kind: str) -> str:
    source = _sources.get(kind)
    return str(source.label) if source else kind


def kind_choices() -> list[tuple[str, str]]:
    return [(s.kind, str(s.label)) for s in sources()]


def not_recorded(kind: str, prefix: str, field: str = "pk") -> Exists:
    """`~not_recorded(...)` is false for rows whose failure is already recorded (source key `prefix` + the
    row's `field`): a source can skip them in SQL, so a run reads only what is new."""
    key = Concat(Value(prefix), Cast(OuterRef(field), output_field=CharField()), output_field=CharField())
    return Exists(ServiceFailure.objects.filter(kind=kind, source_key=key))


def for_clients(qs: QuerySet, client_ids, field: str = "client_id") -> QuerySet:
    return qs if client_ids is None else qs.filter(**{f"{field}__in": list(client_ids)})


def _at(day, now: datetime) -> datetime:
    return timezone.make_aware(datetime(day.year, day.month, day.day)) if day else now


# --- the sources of the layers below -------------------------------------------------------------------------

PROMISE, MESSAGE, KEY_CONTACT = "promise", "message_failed", "key_client_contact"


def _promises(*, now, client_ids) -> Iterable[Found]:
    """Broken promises, and open promises past their due date (one failure per promise)."""
    today = timezone.localdate(now)
    qs = Promise.objects.filter(
        Q(status=Promise.Status.BROKEN) | Q(status=Promise.Status.OPEN, due_date__lt=today)
    ).filter(~not_recorded(PROMISE, "promise:"))
    for pk, client_id, text, due, status, resolved_at in for_clients(qs, client_ids).values_list(
        "pk", "client_id", "text", "due_date", "status", "resolved_at"
    ):
        when = resolved_at if status == Promise.Status.BROKEN and resolved_at else _at(due + timedelta(days=1), now)
        yield Found(client_id, f"promise:{pk}", when, text[:300])


def _messages(*, now, client_ids) -> Iterable[Found]:
    """Messages to a client that failed for good (the outbox gave up)."""
    qs = Notification.objects.filter(status=Notification.Status.FAILED, client_id__isnull=False).filter(
        ~not_recorded(MESSAGE, "message:")
    )
    for pk, client_id, event, channel, at in for_clients(qs, client_ids).values_list(
        "pk", "client_id", "event", "channel", "updated_at"
    ):
        yield Found(client_id, f"message:{pk}", at, f"{event} ({channel})")


def _key_contact(*, now, client_ids) -> Iterable[Found]:
    """Key clients not contacted (no interaction) for more than the standard's days. The key holds the last
    contact: a new contact ends the episode, and the next overdue spell is a new failure."""
    days = service_targets().key_client_max_days_without_contact
    limit = now - timedelta(days=days)
    qs = (
        Client.objects.filter(pk__in=key_clients.key_client_ids(), merged_into__isnull=True)
        .annotate(last=Coalesce(Max("interactions__occurred_at"), F("first_contact_at"), F("created_at")))
        .filter(last__lt=limit)
    )
    for pk, name, last in for_clients(qs, client_ids, "pk").values_list("pk", "name", "last"):
        yield Found(pk, f"contact:{pk}:{last:%Y%m%d%H%M%S}", last + timedelta(days=days), name[:300])


def register_builtin_sources() -> None:
    register_failure_source(FailureSource(PROMISE, gettext_lazy("Promise broken or overdue"), _promises))
    register_failure_source(FailureSource(MESSAGE, gettext_lazy("Message failed"), _messages))
    register_failure_source(
        FailureSource(KEY_CONTACT, gettext_lazy("Key client not contacted"), _key_contact, alert=True)
    )


# --- services -------------------------------------------------------------------------------------------------


def failures_detect(*, client_ids: Iterable[int] | None = None, now: datetime | None = None) -> list[ServiceFailure]:
    """Record what every source finds; returns the new failures. Each source's new rows and their alerts are
    written in one transaction."""
    now = now or timezone.now()
    client_ids = None if client_ids is None else list(client_ids)
    created: list[ServiceFailure] = []
    for source in sources():
        found = {f.source_key: f for f in source.find(now=now, client_ids=client_ids)}
        if not found:
            continue
        with transaction.atomic():
            known = set(
                ServiceFailure.objects.filter(kind=source.kind, source_key__in=list(found)).values_list(
                    "source_key", flat=True
                )
            )
            new = [
                ServiceFailure(
                    client_id=f.client_id,
                    kind=source.kind,
                    source_key=f.source_key,
                    title=f.title,
                    occurred_at=f.occurred_at,
                    detected_at=now,
                )
                for key, f in found.items()
                if key not in known
            ]
            ServiceFailure.objects.bulk_create(new, ignore_conflicts=True, batch_size=1000)
            rows = list(
                ServiceFailure.objects.filter(
                    kind=source.kind, source_key__in=[f.source_key for f in new], detected_at=now
                ).select_related("client__manager")
            )
            if source.alert:
                for failure in rows:
                    _alert_manager(failure)
            created.extend(rows)
    return created


def _alert_manager(failure: ServiceFailure) -> None:
    manager = failure.client.manager
    if manager is None or not manager.is_active:
        return
    notification_services.notification_enqueue_for_user(
        user=manager,
        event="service_failure",
        dedup_key=f"service-failure:{failure.kind}:{failure.source_key}",
        subject=_("%(kind)s: %(client)s") % {"kind": kind_label(failure.kind), "client": failure.client.name},
        body=_("Open the client's card to see the service record: %(title)s") % {"title": failure.title},
        context={"client_id": failure.client_id, "failure_id": failure.pk},
    )


@transaction.atomic
def failure_resolve(*, failure: ServiceFailure, by, note: str) -> ServiceFailure:
    """The manager (or an administrator) resolves or acknowledges a failure with a note; who and when are kept
    and the failure stays in the record."""
    failure = ServiceFailure.objects.select_for_update().select_related("client").get(pk=failure.pk)
    if not can_write_client(by, failure.client):
        raise ApplicationError(_("You may resolve failures only of your own clients."), code="forbidden")
    note = (note or "").strip()
    if not note:
        raise ApplicationError(_("Say what was done about it."), field="note")
    if failure.resolved_at is not None:
        raise ApplicationError(_("This failure is already resolved."), field="note")
    failure.resolved_at, failure.resolved_by, failure.resolution_note = timezone.now(), by, note[:2000]
    failure.save(update_fields=["resolved_at", "resolved_by", "resolution_note", "updated_at"])
    return failure


# --- reads ----------------------------------------------------------------------------------------------------


def can_read_all(user) -> bool:
    """Administrators and accountants (who read every client's billing details) see every client's record;
    sales managers the records of the clients they manage."""
    return has_role(user, Role.ADMINISTRATOR, Role.ACCOUNTANT)


def failure_list(*, user, client_id: int | None = None, manager_id: int | None = None, status: str = "") -> QuerySet:
    qs = ServiceFailure.objects.select_related("client", "client__manager", "resolved_by")
    if not can_read_all(user):
        qs = qs.filter(Q(client__manager=user) | Q(client__manager__isnull=True))
    if client_id is not None:
        qs = qs.filter(client_id=client_id)
    if manager_id is not None:
        qs = qs.filter(client__manager_id=manager_id)
    if status == "open":
        qs = qs.filter(resolved_at__isnull=True)
    elif status == "resolved":
        qs = qs.filter(resolved_at__isnull=False)
    return qs


def can_read_client_record(user, client: Client) -> bool:
    if can_read_all(user):
        return True
    return has_role(user, Role.SALES_MANAGER) and client.manager_id in (None, user.pk)


def client_record(*, client: Client) -> dict:
    """The card's record: open failures first (newest first), then the resolved ones; two queries."""
    qs = ServiceFailure.objects.filter(client=client).select_related("resolved_by")
    open_ = labelled(qs.filter(resolved_at__isnull=True).order_by("-occurred_at", "-id"))
    resolved = labelled(qs.filter(resolved_at__isnull=False).order_by("-resolved_at", "-id")[:10])
    return {"open": open_, "resolved": resolved}


def labelled(rows: Iterable[ServiceFailure]) -> list[ServiceFailure]:
    """The rows, each with `kind_label` (the registered source's label, in the current language)."""
    rows = list(rows)
    for row in rows:
        row.kind_label = kind_label(row.kind)
    return rows


def clients_with_failures(*, manager=None, limit: int = 20) -> list[Client]:
    """Clients with open failures, the most first (one query): `open_failures` and `last_failure_at` set."""
    open_q = Q(service_failures__resolved_at__isnull=True)
    qs = Client.objects.filter(merged_into__isnull=True).select_related("manager")
    if manager is not None:
        qs = qs.filter(manager=manager)
    return list(
        qs.annotate(
            open_failures=Count("service_failures", filter=open_q),
            last_failure_at=Max("service_failures__occurred_at", filter=open_q),
        )
        .filter(open_failures__gt=0)
        .order_by("-open_failures", "-last_failure_at", "-id")[:limit]
    )


# --- digests --------------------------------------------------------------------------------------------------


def failures_daily_digest(*, now: datetime | None = None) -> int:
    """One message to each manager with open failures on their clients (one per day: the date is in the key)."""
    now = now or timezone.now()
    per_manager: dict[int, list[ServiceFailure]] = defaultdict(list)
    open_ = ServiceFailure.objects.filter(resolved_at__isnull=True, client__manager__is_active=True)
    for failure in open_.select_related("client", "client__manager").order_by("client__name", "-occurred_at"):
        per_manager[failure.client.manager_id].append(failure)
    day = timezone.localdate(now).isoformat()
    for failures in per_manager.values():
        manager = failures[0].client.manager
        lines = [f"- {f.client.name}: {kind_label(f.kind)} ({f.title})" for f in failures[:50]]
        with transaction.atomic():
            notification_services.notification_enqueue_for_user(
                user=manager,
                event="service_failures_daily",
                dedup_key=f"service-failures-daily:{day}",
                subject=_("%(count)s open failures on your clients") % {"count": len(failures)},
                body="\n".join(lines),
                context={"open": len(failures)},
            )
    return len(per_manager)


def failures_weekly_digest(*, now: datetime | None = None) -> int:
    """To each administrator: per manager, failures opened and resolved in the last 7 days and still open."""
    now = now or timezone.now()
    since = now - timedelta(days=7)
    rows = (
        ServiceFailure.objects.values("client__manager__username")
        .annotate(
            opened=Count("pk", filter=Q(detected_at__gte=since)),
            resolved=Count("pk", filter=Q(resolved_at__gte=since)),
            still_open=Count("pk", filter=Q(resolved_at__isnull=True)),
        )
        .order_by("-still_open", "client__manager__username")
    )
    lines = [
        _("- %(manager)s: %(opened)s new, %(resolved)s resolved, %(open)s open")
        % {
            "manager": r["client__manager__username"] or _("unassigned"),
            "opened": r["opened"],
            "resolved": r["resolved"],
            "open": r["still_open"],
        }
        for r in rows
    ]
    year, week_number, _weekday = timezone.localdate(now).isocalendar()
    week = f"{year}-W{week_number:02d}"
    admins = get_user_model().objects.filter(is_active=True, groups__name=Role.ADMINISTRATOR).distinct()
    count = 0
    for admin in admins:
        with transaction.atomic():
            notification_services.notification_enqueue_for_user(
                user=admin,
                event="service_failures_weekly",
                dedup_key=f"service-failures-weekly:{week}",
                subject=_("Service record, week %(week)s") % {"week": week},
                body="\n".join(lines) or _("No failures this week."),
                context={"week": week},
            )
        count += 1
    return count
