"""Dashboard panels from the latest snapshots: a sales manager's clients worth attention; for administrators
the trend flags and value by segment."""

from django.utils.translation import gettext

from crm.roles import is_admin, is_sales_manager

from . import selectors
from .models import ReportKind

LIMIT = 8


def panels(request) -> list[dict]:
    user = request.user
    out = []
    if is_sales_manager(user):
        snap = selectors.snapshot_latest(kind=ReportKind.VALUE)
        rows = list(selectors.row_list(snapshot=snap, user=user, flagged_only=True)[:LIMIT]) if snap else []
        out.append(
            {
                "id": "reports-attention",
                "title": gettext("Your clients worth more attention"),
                "template": "reports/panel_attention.html",
                "context": {"rows": rows, "snapshot": snap},
                "order": 20,
            }
        )
    if is_admin(user):
        trends = selectors.snapshot_latest(kind=ReportKind.TRENDS)
        flags = list(selectors.row_list(snapshot=trends, user=user, flagged_only=True)[:LIMIT]) if trends else []
        out.append(
            {
                "id": "reports-trends",
                "title": gettext("Trend flags"),
                "template": "reports/panel_trends.html",
                "context": {"rows": flags, "snapshot": trends},
                "order": 30,
            }
        )
        value = selectors.snapshot_latest(kind=ReportKind.VALUE)
        out.append(
            {
                "id": "reports-segments",
                "title": gettext("Value by segment"),
                "template": "reports/panel_segments.html",
                "context": {"segments": (value.summary.get("segments", []) if value else []), "snapshot": value},
                "order": 31,
            }
        )
    return out
