"""Dashboard panels: my open complaints with due times, breaches, and standard documents to acknowledge."""

from django.utils.translation import gettext

from crm.roles import Role, has_role, is_admin
from crm.standards import selectors as standard_selectors

from . import rules, selectors


def panels(request) -> list[dict]:
    user = request.user
    result = []
    if has_role(user, *rules.HANDLER_ROLES):
        result.append(
            {
                "id": "complaints-mine",
                "title": gettext("My open complaints"),
                "template": "complaints/_panel_my_open.html",
                "context": {"complaints": selectors.my_open_complaints(user=user)},
                "order": 20,
            }
        )
        breaches = selectors.recent_breaches(user=None if is_admin(user) else user)
        result.append(
            {
                "id": "complaints-breaches",
                "title": gettext("Complaint breaches"),
                "template": "complaints/_panel_breaches.html",
                "context": {"breaches": breaches},
                "order": 21,
            }
        )
    if has_role(user, *Role.values):
        pending = standard_selectors.unacknowledged_by_user()
        mine = pending.get(user.pk, [])
        others = len([uid for uid in pending if uid != user.pk]) if is_admin(user) else None
        if mine or others:
            result.append(
                {
                    "id": "standards-ack",
                    "title": gettext("Service standards to acknowledge"),
                    "template": "complaints/_panel_standards.html",
                    "context": {"mine": mine, "others": others},
                    "order": 22,
                }
            )
    return result
