import logging
from functools import wraps

from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied
from django.http import JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.cache import never_cache

from . import health
from .models import WorkerHeartbeat
from .roles import has_role, user_roles

log = logging.getLogger(__name__)


def role_required(*roles: str):
    """Page views: only users holding one of `roles` get in; others get 403."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not has_role(request.user, *roles):
                raise PermissionDenied("Your role may not open this page.")
            return view(request, *args, **kwargs)

        wrapped.allowed_roles = roles
        return wrapped

    return decorator


class RoleRequiredMixin:
    allowed_roles: tuple[str, ...] = ()

    def dispatch(self, request, *args, **kwargs):
        if not has_role(request.user, *self.allowed_roles):
            raise PermissionDenied("Your role may not open this page.")
        return super().dispatch(request, *args, **kwargs)


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
        return JsonResponse({"detail": "You do not have permission to perform this action."}, status=403)
    return render(request, "403.html", {"reason": str(exception or "")}, status=403)
