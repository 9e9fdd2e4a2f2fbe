from django.urls import reverse
from django.utils.translation import gettext

from crm.roles import Role, has_role


def quick_action(request):
    """The 'New contact' button in the top bar: the first-contact form, one click from every page."""
    user = getattr(request, "user", None)
    if user is None or not has_role(user, Role.SALES_MANAGER, Role.ADMINISTRATOR):
        return {}
    return {"quick_action": {"label": gettext("New contact"), "url": reverse("clients:new")}}
