"""The Login locks page (administrators): current hard locks and slowdowns, each with a button to lift it."""

from django.conf import settings
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext
from django.views.decorators.http import require_POST

from crm.roles import Role
from crm.views import role_required

from . import selectors, services


@role_required(Role.ADMINISTRATOR)
def index(request):
    ctx = {
        "locks": selectors.login_lock_list(),
        "slowdowns": selectors.login_slowdown_list(),
        "locks_limit": settings.AXES_FAILURE_LIMIT,
    }
    return render(request, "logins/index.html", ctx)


@role_required(Role.ADMINISTRATOR)
@require_POST
def lock_lift(request, pk: int):
    attempt = selectors.login_lock_get(lock_id=pk)
    if attempt is None:
        raise Http404
    services.login_lock_lift(username=attempt.username, ip_address=attempt.ip_address, by=request.user)
    messages.success(
        request,
        gettext("Logins as %(username)s from %(ip_address)s are open again.")
        % {"username": attempt.username, "ip_address": attempt.ip_address},
    )
    return redirect("logins:index")


@role_required(Role.ADMINISTRATOR)
@require_POST
def slowdown_lift(request, pk: int):
    slowdown = selectors.login_slowdown_get(slowdown_id=pk)
    if slowdown is None:
        raise Http404
    services.login_slowdown_lift(slowdown=slowdown, by=request.user)
    messages.success(
        request, gettext("Logins as %(username)s are no longer slowed down.") % {"username": slowdown.username}
    )
    return redirect("logins:index")
