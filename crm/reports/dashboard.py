"""Dashboard panels from the latest snapshots: a sales manager's clients worth attention; for administrators
the trend flags and value by segment."""

from django.utils.translation import gettext
from django.utils.translation import gettext as _

from crm.roles import is_admin, is_sales_manager

from . import satisfaction, selectors
from .models import ReportKind

LIMIT = 8
SATISFACTION_MONTHS = 6


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
                "context": {
                    "rows": flags,
                    "snapshot": trends,
                    "series": (trends.summary.get("series") if trends else None) or {},
                },
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
    if satisfaction.can_view(user):
        scores = satisfaction.scores(user=user, months=SATISFACTION_MONTHS, dimensions=())
        overall = scores["overall"]
        out.append(
            {
                "id": "satisfaction",
                "title": _("Client satisfaction") if is_admin(user) else _("My clients' satisfaction"),
                "template": "reports/panel_satisfaction.html",
                "context": {
                    "overall": overall,
                    "labels": [m.strftime("%b %y") for m in scores["months"]],
                    "satisfaction": [p["satisfaction"] for p in overall["series"]],
                    "nps": [p["nps"] for p in overall["series"]],
                },
                "order": 32,
            }
        )
    return out
