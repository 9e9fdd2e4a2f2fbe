"""Dashboard panels from the clients app (see crm.registry)."""

from django.utils.translation import gettext

from crm.roles import Role, has_role, is_admin

from . import selectors


def panels(request) -> list[dict]:
    user = request.user
    result = []
    if has_role(user, Role.SALES_MANAGER):
        due = selectors.tasks_due(user=user)
        result.append(
            {
                "id": "my-tasks",
                "title": gettext("My tasks today / overdue"),
                "template": "clients/dashboard/tasks.html",
                "context": due,
                "order": 10,
            }
        )
        result.append(
            {
                "id": "my-overdue-promises",
                "title": gettext("Overdue promises"),
                "template": "clients/dashboard/promises.html",
                "context": {"promises": list(selectors.promises_overdue(promised_by=user)[:20])},
                "order": 11,
            }
        )
        rate = selectors.promise_kept_rates(user=user)
        result.append(
            {
                "id": "my-kept-rate",
                "title": gettext("My promises kept"),
                "template": "clients/dashboard/my_rate.html",
                "context": {"rate": rate[0] if rate else None},
                "order": 12,
            }
        )
    if is_admin(user):
        result.append(
            {
                "id": "kept-rates",
                "title": gettext("Promises kept per manager"),
                "template": "clients/dashboard/rates.html",
                "context": {"rates": selectors.promise_kept_rates()},
                "order": 15,
            }
        )
        result.append(
            {
                "id": "overdue-promises",
                "title": gettext("Overdue promises (everyone)"),
                "template": "clients/dashboard/promises.html",
                "context": {"promises": list(selectors.promises_overdue()[:20]), "show_who": True},
                "order": 16,
            }
        )
    return result
