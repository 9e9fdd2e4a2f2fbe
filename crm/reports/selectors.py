"""Reads of report snapshots, and who may read what.

Administrators: every report, every row. Accountants: the long-term value report, read-only (every client
and the segment summary: it is the finance view of margin and cost to serve); not perks or trends.
Sales managers: the value report restricted to their own clients' rows (with the attention list), without
the segment summary; not perks or trends. Generating a report on demand: administrators only."""

from datetime import date, datetime, time

from django.contrib.auth import get_user_model
from django.db.models import QuerySet
from django.utils import timezone

from crm.roles import Role, has_role, is_admin

from .models import ReportKind, ReportRow, ReportSnapshot

VIEWERS = {
    ReportKind.VALUE: (Role.ADMINISTRATOR, Role.ACCOUNTANT, Role.SALES_MANAGER),
    ReportKind.PERKS: (Role.ADMINISTRATOR,),
    ReportKind.TRENDS: (Role.ADMINISTRATOR,),
}


def can_view(user, kind: str) -> bool:
    return kind in VIEWERS and has_role(user, *VIEWERS[kind])


def kinds_for(user) -> list[str]:
    return [kind for kind in ReportKind.values if can_view(user, kind)]


def sees_all_rows(user) -> bool:
    return has_role(user, Role.ADMINISTRATOR, Role.ACCOUNTANT)


def can_generate(user) -> bool:
    return is_admin(user)


def snapshot_list(*, kind: str) -> QuerySet[ReportSnapshot]:
    return ReportSnapshot.objects.filter(kind=kind).order_by("-generated_at", "-id")


def snapshot_latest(*, kind: str, generated_on: date | None = None) -> ReportSnapshot | None:
    """The newest snapshot, or the newest generated on or before `generated_on` (a date in the company zone)."""
    qs = snapshot_list(kind=kind)
    if generated_on is not None:
        end = timezone.make_aware(datetime.combine(generated_on, time.max))
        qs = qs.filter(generated_at__lte=end)
    return qs.first()


def snapshot_get(*, kind: str, pk) -> ReportSnapshot | None:
    return ReportSnapshot.objects.filter(kind=kind, pk=pk).first()


def latest_per_kind(*, kinds: list[str]) -> dict[str, ReportSnapshot]:
    """Newest snapshot of each kind (one small query per kind, on the (kind, -generated_at) index)."""
    found = {}
    for kind in kinds:
        snap = snapshot_latest(kind=kind)
        if snap:
            found[kind] = snap
    return found


def row_list(
    *, snapshot: ReportSnapshot, user, flagged_only: bool = False, manager_id: int | None = None
) -> QuerySet[ReportRow]:
    """Rows in report order. A sales manager gets their own clients' rows whatever `manager_id` says; others
    may narrow the value report to one manager's clients (that manager's ranking and attention list)."""
    qs = ReportRow.objects.filter(snapshot=snapshot)
    if snapshot.kind == ReportKind.VALUE and not sees_all_rows(user):
        qs = qs.filter(manager=user)
    elif snapshot.kind == ReportKind.VALUE and manager_id:
        qs = qs.filter(manager_id=manager_id)
    if flagged_only:
        qs = qs.filter(flagged=True)
    return qs.order_by("position")


def managers_in(*, snapshot: ReportSnapshot, user) -> list[tuple[int, str]]:
    """(id, name) of the managers with clients in a value snapshot, for the manager filter (all-rows viewers)."""
    if snapshot.kind != ReportKind.VALUE or not sees_all_rows(user):
        return []
    ids = ReportRow.objects.filter(snapshot=snapshot, manager__isnull=False).values("manager_id").distinct()
    users = get_user_model().objects.filter(pk__in=ids).order_by("username")
    return [(u.pk, u.get_full_name() or u.username) for u in users]


def summary_for(*, snapshot: ReportSnapshot, user) -> dict:
    """The summary a user may see: a sales manager gets the value formula, not the company's segments."""
    summary = dict(snapshot.summary)
    if snapshot.kind == ReportKind.VALUE and not sees_all_rows(user):
        summary.pop("segments", None)
    return summary
