"""Dashboard panel of the service record: the manager's clients with open failures, the most first."""

from django.utils.translation import gettext as _

from crm.roles import Role, has_role, is_admin

from . import failures


def panels(request) -> list[dict]:
    user = request.user
    if is_admin(user):
        clients, show_who, title = failures.clients_with_failures(), True, _("Clients with open failures")
    elif has_role(user, Role.SALES_MANAGER):
        clients, show_who = failures.clients_with_failures(manager=user), False
        title = _("My clients with open failures")
    else:
        return []
    return [
        {
            "id": "service-failures",
            "title": title,
            "template": "standards/dashboard/failures.html",
            "context": {"clients": clients, "show_who": show_who},
            "order": 5,  # first: one failure is a total failure
        }
    ]
