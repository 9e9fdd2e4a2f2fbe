"""Reads of report snapshots, and who may read what.

Administrators: every report, every row. Accountants: the long-term value report, read-only (every client
and the segment summary: it is the finance view of margin and cost to serve); not perks or trends.
Sales managers: the value report restricted to their own clients' rows (with the attention list), without
the segment summary; not perks or trends. Generating a report on demand: administrators only."""

from datetime import date, datetime, time

from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.roles import Role, has_role, is_admin

from .models import ReportKind, ReportPeriod, ReportRow, ReportRun, ReportSnapshot

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


# --- report runs (running.py): administrators only; read on the primary, where their progress is current ---


def run_list() -> QuerySet[ReportRun]:
    return ReportRun.objects.select_related("created_by").order_by("-id")


def run_get(*, pk: int) -> ReportRun | None:
    return ReportRun.objects.select_related("created_by").filter(pk=pk).first()


def runs_active_exist() -> bool:
    return ReportRun.objects.filter(status__in=[ReportRun.Status.QUEUED, ReportRun.Status.RUNNING]).exists()


def ops_jobs(*, now: datetime, stuck_before: datetime, failed_since: datetime, limit: int) -> list[dict]:
    """Report runs for the operations view (crm.registry job source), one query: stuck (queued with no worker
    taking it, or running with a lease that ran out, since `stuck_before`) or failed since `failed_since`."""
    S = ReportRun.Status
    rows = (
        ReportRun.objects.filter(
            Q(status=S.QUEUED, queued_at__lt=stuck_before)
            | Q(status=S.QUEUED, queued_at__isnull=True, created_at__lt=stuck_before)
            | Q(status=S.RUNNING, leased_until__lt=stuck_before)
            | Q(status=S.RUNNING, leased_until__isnull=True, created_at__lt=stuck_before)
            | Q(status=S.FAILED, created_at__gte=failed_since)
        )
        .order_by("-id")
        .values("id", "period", "as_of", "status", "created_at", "cursor", "kinds", "message")[:limit]
    )
    jobs = []
    for row in rows:
        jobs.append(
            {
                "kind": "report_run",
                "id": row["id"],
                "label": _("%(period)s reports as of %(date)s")
                % {"period": ReportPeriod(row["period"]).label, "date": f"{timezone.localtime(row['as_of']):%Y-%m-%d}"},
                "status": row["status"],
                "state": "failed" if row["status"] == S.FAILED else "stuck",
                "created_at": row["created_at"],
                "processed": row["cursor"],
                "total": len(row["kinds"]),
                "message": row["message"],
                "url": reverse("reports:runs"),
            }
        )
    return jobs
