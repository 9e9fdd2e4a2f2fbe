from django.utils.translation import gettext

from crm.roles import is_admin, is_sales_manager

from . import periods, selectors
from .models import Award


def panels(request) -> list[dict]:
    user = request.user
    result = []
    if is_sales_manager(user):
        result.append(
            {
                "id": "incentives-mine",
                "title": gettext("My sales plan"),
                "template": "incentives/_panel_mine.html",
                "context": selectors.my_panel(user),
                "order": 20,
            }
        )
    if is_admin(user):
        period = periods.current(periods.MONTH)
        board = selectors.leaderboard(period)
        result.append(
            {
                "id": "incentives-top",
                "title": f"Top 5 · {period.label}",
                "template": "incentives/_panel_top.html",
                "context": {
                    "period": period,
                    "rows": board.rows[:5],
                    "proposals": Award.objects.filter(status=Award.Status.PROPOSED).count(),
                },
                "order": 20,
            }
        )
    return result
