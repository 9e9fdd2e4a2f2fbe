"""Running the reconciliation checks (purchases/reconciliation.py) and keeping the result: one
ReconciliationRun row per run, with every mismatch naming its rows; when anything is found every active
administrator gets a staff notification listing them."""

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from crm.exceptions import ApplicationError
from crm.notifications import services as notification_services
from crm.roles import Role, has_role

from .. import reconciliation
from ..models import ReconciliationRun

RUN_ROLES = (Role.ACCOUNTANT, Role.ADMINISTRATOR)
ALERT_LINES = 30  # mismatches listed in the alert; the page shows them all


def reconciliation_run(*, trigger: str = ReconciliationRun.Trigger.NIGHTLY, by=None) -> ReconciliationRun:
    """Run every registered check in one consistent snapshot (PostgreSQL: a read-only repeatable-read
    transaction of its own), store the result, alert administrators when anything is found."""
    if by is not None and not has_role(by, *RUN_ROLES):
        raise ApplicationError(gettext("Only accountants and administrators run the reconciliation."), code="forbidden")
    started = timezone.now()
    fresh = not transaction.get_connection().in_atomic_block
    with transaction.atomic():
        if fresh:  # the snapshot must be set before the transaction's first query
            reconciliation.snapshot_ready()
        checks, mismatches = reconciliation.run_checks()
    with transaction.atomic():
        run = ReconciliationRun.objects.create(
            trigger=trigger,
            requested_by=by,
            started_at=started,
            finished_at=timezone.now(),
            checks=checks,
            mismatch_count=len(mismatches),
            mismatches=mismatches,
        )
        if mismatches:
            _alert_administrators(run)
    return run


def _alert_administrators(run: ReconciliationRun) -> None:
    lines = []
    for found in run.mismatches[:ALERT_LINES]:
        rows = ", ".join(f"{r['model']} {r['label']}" for r in found["rows"]) or "no row"
        lines.append(f"- [{found['check']}] {found['message']} ({rows})")
    if run.mismatch_count > ALERT_LINES:
        lines.append(f"... and {run.mismatch_count - ALERT_LINES} more on the reconciliation page.")
    admins = get_user_model().objects.filter(groups__name=Role.ADMINISTRATOR, is_active=True).distinct()
    for admin in admins:
        with notification_services.in_user_language(admin):
            notification_services.notification_enqueue_for_user(
                user=admin,
                event="reconciliation_mismatch",
                dedup_key=f"reconciliation:{run.pk}",
                subject=gettext("Reconciliation found %(mismatch_count)s mismatch(es)")
                % {"mismatch_count": run.mismatch_count},
                body="\n".join(lines),
                context={"reconciliation_run_id": run.pk, "mismatch_count": run.mismatch_count},
            )
