import logging
import sys
from functools import wraps

from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.template import loader
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext
from django.utils.translation import gettext as _
from django.views import defaults
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from . import health, search
from .forms import LoginForm
from .htmx import render_partial
from .models import WorkerHeartbeat
from .roles import has_role, user_roles

log = logging.getLogger(__name__)

# How long a client should wait before trying again while the database does not answer.
DATABASE_RETRY_AFTER_SECONDS = 10


def role_required(*roles: str):
    """Page views: only users holding one of `roles` get in; others get 403."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not has_role(request.user, *roles):
                raise PermissionDenied(gettext("Your role may not open this page."))
            return view(request, *args, **kwargs)

        wrapped.allowed_roles = roles
        return wrapped

    return decorator


class RoleRequiredMixin:
    allowed_roles: tuple[str, ...] = ()

    def dispatch(self, request, *args, **kwargs):
        if not has_role(request.user, *self.allowed_roles):
            raise PermissionDenied(gettext("Your role may not open this page."))
        return super().dispatch(request, *args, **kwargs)


class LoginView(auth_views.LoginView):
    """The login page; an attempt the per-username slowdown refused answers 429 with Retry-After."""

    form_class = LoginForm
    redirect_authenticated_user = True

    def form_invalid(self, form):
        response = super().form_invalid(form)
        wait = getattr(self.request, "login_retry_after", None)
        if wait:
            response.status_code = 429
            response["Retry-After"] = str(wait)
        return response


def dashboard(request):
    """One page per role; each app contributes panels through `crm.dashboard.panels_for`."""
    from .dashboard import panels_for

    roles = user_roles(request.user)
    if not roles:
        return render(request, "crm/no_role.html", status=403)
    return render(request, "crm/dashboard.html", {"panels": panels_for(request)})


@login_not_required
@never_cache
def healthz(request):
    body, healthy = {}, True
    for name, check in (("database", health.check_database), ("broker", health.check_broker)):
        try:
            body[name] = check()
        except Exception as exc:  # any failure means "down"; say why
            log.warning("healthz: %s down: %s", name, exc)
            body[name] = f"down: {exc.__class__.__name__}"
            healthy = False
    if body["database"] == "ok":
        beat = WorkerHeartbeat.objects.order_by("-seen_at").values_list("seen_at", flat=True).first()
        body["worker_last_seen"] = beat.isoformat() if beat else None
    body["status"] = "ok" if healthy else "down"
    body["time"] = timezone.now().isoformat()
    return JsonResponse(body, status=200 if healthy else 503)


def permission_denied(request, exception=None):
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": gettext("You do not have permission to perform this action.")}, status=403)
    return render(request, "403.html", {"reason": str(exception or "")}, status=403)


def server_error(request):
    """handler500: Django calls it, while the exception is being handled, for any exception nothing else
    answered, whether raised in a view, in DRF or in a middleware (reading the session). When the database did
    not answer (down, restarting, out of connections, a lock or statement timeout) the request may well succeed
    in a moment: 503 with Retry-After, JSON under /api/ and a plain page elsewhere, neither touching the
    database, so clients and load balancers retry instead of reporting a broken application. Anything else is
    the usual 500 page."""
    if not isinstance(sys.exc_info()[1], (OperationalError, InterfaceError)):
        return defaults.server_error(request)
    if request.path.startswith("/api/"):
        response = JsonResponse({"detail": gettext("The database is unavailable. Try again in a moment.")}, status=503)
    else:
        response = HttpResponse(loader.get_template("503.html").render(), status=503)
    response["Retry-After"] = str(DATABASE_RETRY_AFTER_SECONDS)
    add_never_cache_headers(response)
    return response


@require_GET
def global_search(request):
    """The top-bar search: clients, invoices, complaints and products by name, number, phone or email, grouped
    by kind, each kind only for the roles that may open it. The box asks for the results list as it is typed
    (a fragment); Enter (or a shared link) opens the whole page."""
    if not user_roles(request.user):
        raise PermissionDenied(_("Your role may not open this page."))
    query = search.clean_query(request.GET.get("q"))
    ctx = {
        "q": query,
        "groups": search.search(user=request.user, query=query),
        "too_short": 0 < len(query) < search.MIN_QUERY_LENGTH,
        "min_length": search.MIN_QUERY_LENGTH,
    }
    return render_partial(request, "crm/search.html", "crm/_search_results.html", ctx)
