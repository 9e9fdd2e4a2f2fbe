"""The language of each staff user: their choice (crm.UserPreference) is the language of their pages and of
their API answers unless a request names another in Accept-Language.

The choice is copied into the session at login (and when it changes), so pages cost no extra query: the
session is read anyway. Token requests read it in the query that finds the token (crm.api.authentication).
Without a choice, Django's LocaleMiddleware decides (the language cookie, then Accept-Language, then
settings.LANGUAGE_CODE)."""

from django.conf import settings
from django.db import transaction
from django.utils import translation

from .exceptions import ApplicationError

SESSION_KEY = "crm_language"


def supported(code: str | None) -> bool:
    return bool(code) and code in dict(settings.LANGUAGES)


def user_language(user) -> str | None:
    from .models import UserPreference

    pref = UserPreference.objects.filter(user=user).values_list("language", flat=True).first()
    return pref if supported(pref) else None


@transaction.atomic
def user_language_set(*, user, language: str, session=None) -> str:
    """Record the user's interface language (and put it in their session, when given)."""
    from .models import UserPreference

    if not supported(language):
        raise ApplicationError(translation.gettext("Choose one of the offered languages."), field="language")
    UserPreference.objects.update_or_create(user=user, defaults={"language": language})
    if session is not None:
        session[SESSION_KEY] = language
    return language


def on_login(sender, request, user, **kwargs):
    """user_logged_in: the session carries the user's language from the first page on."""
    if request is None or not hasattr(request, "session"):
        return
    language = user_language(user)
    if language:
        request.session[SESSION_KEY] = language
    else:
        request.session.pop(SESSION_KEY, None)


def activate_for_api(request, language: str | None) -> None:
    """An API request: the language its Accept-Language names wins; otherwise the user's choice."""
    if not supported(language) or request.META.get("HTTP_ACCEPT_LANGUAGE"):
        return
    translation.activate(language)
    request.LANGUAGE_CODE = language


class UserLanguageMiddleware:
    """After LocaleMiddleware and authentication: a signed-in user's choice replaces what the browser asked for
    (on the API only when the request has no Accept-Language)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        session = getattr(request, "session", None)
        language = session.get(SESSION_KEY) if session is not None else None
        if language:
            if request.path_info.startswith("/api/"):
                activate_for_api(request, language)
            elif supported(language):
                translation.activate(language)
                request.LANGUAGE_CODE = language
        return self.get_response(request)
