"""{% load navigation %}: the page chrome every signed-in page draws, kept drawn per process.

- `{% sidebar %}`: the main navigation (crm.navigation.sidebar), per language, role set and current entry.
- `{% topbar %}`: crm/_topbar.html, per language, role set and quick action. Drawing the two from the
  template on every request cost about a fifth of a list page (loops, some forty translated texts, a dozen
  URL lookups); what differs between two people with the same roles (their name, the CSRF token, the address
  the language form comes back to) is put into the drawn copy on each request."""

from functools import lru_cache

from django import template
from django.core.signals import setting_changed
from django.middleware.csrf import get_token
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe

from crm import navigation
from crm.roles import role_labels, user_roles

register = template.Library()

# stand-ins that no text of the bar can contain, replaced on each request
_CSRF, _NEXT, _NAME = "\x00crm-csrf\x00", "\x00crm-next\x00", "\x00crm-name\x00"


@register.simple_tag(takes_context=True)
def sidebar(context):
    request = context["request"]
    return navigation.sidebar(request.user, request.path)


@register.simple_tag(takes_context=True)
def topbar(context) -> SafeString:
    request = context["request"]
    user = request.user
    quick = context.get("quick_action")
    drawn = _topbar(
        translation.get_language(),
        frozenset(user_roles(user)),
        (str(quick["label"]), quick["url"]) if quick else None,
    )
    name = user.get_full_name() or user.get_username()
    return mark_safe(
        drawn.replace(_CSRF, conditional_escape(get_token(request)))
        .replace(_NEXT, conditional_escape(request.get_full_path()))
        .replace(_NAME, conditional_escape(name))
    )


@lru_cache(maxsize=256)
def _topbar(language: str, roles: frozenset, quick: tuple[str, str] | None) -> str:
    ordered = sorted(roles)
    return render_to_string(
        "crm/_topbar.html",
        {
            "csrf_token": _CSRF,
            "next_path": _NEXT,
            "user_name": _NAME,
            "user_roles": ordered,
            "user_role_labels": role_labels(roles),
            "quick_action": {"label": quick[0], "url": quick[1]} if quick else None,
        },
    )


def _forget(*, setting, **kwargs):
    if setting in ("ROOT_URLCONF", "LANGUAGES", "LOCALE_PATHS", "TEMPLATES"):
        _topbar.cache_clear()


setting_changed.connect(_forget)
