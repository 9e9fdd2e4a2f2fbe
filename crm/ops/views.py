"""The operations page: administrators only. It refreshes itself every 30 seconds (htmx swaps the sections)."""

from crm.htmx import render_partial
from crm.roles import Role
from crm.views import role_required

from . import selectors


@role_required(Role.ADMINISTRATOR)
def index(request):
    return render_partial(request, "ops/index.html", "ops/_sections.html", {"ops": selectors.ops_snapshot()})
