from django.contrib.auth.middleware import LoginRequiredMiddleware as DjangoLoginRequiredMiddleware
from django.http import JsonResponse
from django.shortcuts import redirect
from django.utils.http import urlencode


class LoginRequiredMiddleware(DjangoLoginRequiredMiddleware):
    """Every page needs a login. The API is left to DRF, which authenticates tokens itself and answers
    401/403 as JSON instead of redirecting; static files and the health check are open."""

    open_prefixes = ("/api/", "/static/", "/healthz")

    def process_view(self, request, view_func, view_args, view_kwargs):
        if request.path_info.startswith(self.open_prefixes):
            return None
        return super().process_view(request, view_func, view_args, view_kwargs)


class TwoFactorMiddleware:
    """While a sign-in still owes its authenticator code (crm.totp marks the session at login), the session
    reaches only the second-factor page, logout and static files: pages redirect there, the API answers 403.
    Costs nothing for everyone else: the mark lives in the session, which is read anyway."""

    allowed = ("/accounts/two-factor/", "/accounts/logout/", "/static/")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        session = getattr(request, "session", None)
        if session is not None and session.get("otp_pending") and not request.path_info.startswith(self.allowed):
            if request.path_info.startswith("/api/"):
                return JsonResponse({"detail": "Confirm your sign-in with your authenticator code first."}, status=403)
            return redirect(f"/accounts/two-factor/?{urlencode({'next': request.get_full_path()})}")
        return self.get_response(request)
