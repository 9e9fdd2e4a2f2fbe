"""Dashboard panels: the staff member's unread notifications; failed deliveries for administrators."""

from django.utils.translation import gettext

from crm.roles import is_admin

from . import selectors


def panels(request) -> list[dict]:
    user = request.user
    result = [
        {
            "id": "notifications-inbox",
            "title": gettext("Inbox"),
            "template": "notifications/panel_inbox.html",
            "context": {"unread": selectors.inbox_unread_count(user=user)},
            "order": 5,
        }
    ]
    if is_admin(user):
        result.append(
            {
                "id": "notifications-failed",
                "title": gettext("Failed notifications"),
                "template": "notifications/panel_failed.html",
                "context": {"failed": selectors.failed_count()},
                "order": 60,
            }
        )
    return result
