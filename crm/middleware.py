import json

from django.contrib import messages
from django.contrib.auth.middleware import LoginRequiredMiddleware as DjangoLoginRequiredMiddleware
from django.http import HttpResponseBadRequest, JsonResponse
from django.shortcuts import redirect
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.http import urlencode
from django.utils.translation import gettext


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
                return JsonResponse(
                    {"detail": gettext("Confirm your sign-in with your authenticator code first.")}, status=403
                )
            return redirect(f"/accounts/two-factor/?{urlencode({'next': request.get_full_path()})}")
        return self.get_response(request)


NUL = "\x00"


class RejectNulCharactersMiddleware:
    """A NUL character in the path, a query-string parameter or a form field answers 400 before any view runs.

    No text the CRM keeps may hold one (PostgreSQL refuses it in text and JSON), so a NUL that reached a lookup
    or a filter failed as a 500 at the database. Django's form fields already refuse NULs in what they clean;
    this covers what reaches a query without a form: searches, filters, ids in the path, and fields a view reads
    itself. JSON bodies are checked by the API's parser (crm/api/parsers.py); uploaded files are left to their
    importers."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if (
            NUL in request.path_info
            or self._holds_nul(request.GET)
            or (request.method == "POST" and self._holds_nul(request.POST))
        ):
            message = "The request holds a NUL (\\u0000) character, which no field accepts."
            if request.path_info.startswith("/api/"):
                return JsonResponse({"detail": message}, status=400)
            return HttpResponseBadRequest(message, content_type="text/plain; charset=utf-8")
        return self.get_response(request)

    @staticmethod
    def _holds_nul(params) -> bool:
        return any(NUL in key or any(NUL in value for value in values) for key, values in params.lists())


class HtmxResponseMiddleware:
    """Two things every htmx answer needs, in one place.

    - It confirms what happened: the messages a view queued (`messages.success(...)`) go back in an
      `HX-Trigger: {"crm:toast": [...]}` header, which static/js/app.js shows as a toast, instead of waiting
      for the next full page. Not for answers that reload or redirect (the next page shows them), nor for
      boosted or history-restore requests (a whole page, which renders its messages itself).
    - Back and Forward never show a bare fragment: every HTML answer says it varies by `HX-Request`, so no
      cache (the browser's included) hands a fragment to a normal visit of the same URL, and fragments are
      never stored at all (`Cache-Control: no-store`).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.get("Content-Type", "").startswith("text/html"):
            patch_vary_headers(response, ("HX-Request",))
        htmx = getattr(request, "htmx", None)
        if not htmx:
            return response
        if not htmx.boosted and not htmx.history_restore_request:
            patch_cache_control(response, no_store=True)
            if not 300 <= response.status_code < 400 and not any(
                h in response for h in ("HX-Redirect", "HX-Refresh", "HX-Location")
            ):
                self._messages_to_trigger(request, response)
        return response

    @staticmethod
    def _messages_to_trigger(request, response) -> None:
        if not hasattr(request, "_messages"):
            return
        toasts = [{"level": m.level_tag or "info", "text": str(m)} for m in messages.get_messages(request)]
        if not toasts:
            return
        triggers = {}
        existing = response.get("HX-Trigger", "")
        if existing:
            try:
                triggers = json.loads(existing)
            except ValueError:  # a bare event name, or several separated by commas
                triggers = {name.strip(): None for name in existing.split(",") if name.strip()}
            if not isinstance(triggers, dict):
                triggers = {}
        triggers["crm:toast"] = toasts
        response["HX-Trigger"] = json.dumps(triggers)
