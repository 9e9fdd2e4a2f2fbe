"""The navigation, by role. Apps contribute their entries through crm.registry; an entry whose URL does
not exist is skipped, so the menu only ever shows pages that are there.

The entries are grouped (clients, sales, service, team, messages, administration) so the menu stays short
however many pages the apps add: a sidebar on wide screens, one "Menu" disclosure on a phone. An entry goes in
the group of its URL namespace (its URL name for the core's own entries); one nobody placed goes under "More".
"""

from functools import cache, lru_cache
from html import escape

from django.core.signals import setting_changed
from django.urls import NoReverseMatch, reverse
from django.utils import translation
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy as _

from .registry import nav_items
from .roles import user_roles


@cache
def _url(url_name: str) -> str | None:
    """The bar is drawn on every page; its URLs do not change while the process runs."""
    try:
        return reverse(url_name)
    except NoReverseMatch:
        return None


def _forget_urls(*, setting, **kwargs):
    if setting in ("ROOT_URLCONF", "LANGUAGES", "LOCALE_PATHS"):
        _url.cache_clear()
        _sidebar.cache_clear()


setting_changed.connect(_forget_urls)


def nav_for(user, current_path: str = "") -> list[dict]:
    return _items(frozenset(user_roles(user)), current_path)


def _items(roles: frozenset, current_path: str) -> list[dict]:
    items = []
    for label, url_name, allowed in nav_items():
        if not roles & set(allowed):
            continue
        url = _url(url_name)
        if url is not None:
            items.append({"label": label, "url": url, "active": False, "name": url_name})
    # the entry whose URL is the longest prefix of the page is the current one (so /complaints/standards/
    # lights Standards, not Complaints as well)
    matches = [
        i
        for i in items
        if (i["url"] == "/" and current_path == "/") or (i["url"] != "/" and current_path.startswith(i["url"]))
    ]
    if matches:
        max(matches, key=lambda i: len(i["url"]))["active"] = True
    return items


# (group id, its heading); the order the sidebar shows them in
GROUPS = [
    ("home", _("Home")),
    ("clients", _("Client care")),
    ("sales", _("Sales")),
    ("service", _("Service")),
    ("team", _("Team")),
    ("messages", _("Messages")),
    ("admin", _("System")),
    ("more", _("More")),
]
# URL namespace (or whole URL name) -> group id
GROUP_OF = {
    "dashboard": "home",
    "reports": "home",
    "clients": "clients",
    "purchases": "sales",
    "complaints": "service",
    "standards": "service",
    "incentives": "team",
    "internal_requests": "team",
    "notifications": "messages",
    "ops": "admin",
    "logins": "admin",
    "api-docs": "admin",
    "admin": "admin",
}


def group_of(url_name: str) -> str:
    return GROUP_OF.get(url_name, GROUP_OF.get(url_name.split(":", 1)[0], "more"))


def nav_groups(user, current_path: str = "") -> list[dict]:
    """The role's entries (nav_for) in their groups, empty groups left out; a group holding the current page is
    marked `active`."""
    return _groups(nav_for(user, current_path))


def _groups(items: list[dict]) -> list[dict]:
    by_group: dict[str, list[dict]] = {}
    for item in items:
        by_group.setdefault(group_of(item["name"]), []).append(item)
    return [
        {"id": gid, "label": label, "items": by_group[gid], "active": any(i["active"] for i in by_group[gid])}
        for gid, label in GROUPS
        if gid in by_group
    ]


def sidebar(user, current_path: str) -> SafeString:
    """The sidebar's HTML (base.html's `<nav id="main-nav">`) for the user's roles, the current page and the
    active language. It is the same for everyone with those three, and drawing it from the template cost a
    fifth of a list page (two loops, thirty translated labels), so each process keeps it drawn, per language,
    role set and current entry: a page's id never makes a new entry."""
    roles = frozenset(user_roles(user))
    active = next((i["url"] for i in _items(roles, current_path) if i["active"]), "")
    return _sidebar(translation.get_language(), roles, active)


@lru_cache(maxsize=256)
def _sidebar(language: str, roles: frozenset, active_url: str) -> SafeString:
    def e(value) -> str:
        return escape(str(value), quote=True)

    # the active entry's URL as the "current path" lights that entry and no other, as the page itself would
    parts = [f'<nav class="sidebar" id="main-nav" aria-label="{e(_("Main"))}">']
    for group in _groups(_items(roles, active_url)):
        gid = e(group["id"])
        parts.append(
            f'<section class="nav-group" id="nav-group-{gid}">'
            f'<h2 class="nav-heading" id="nav-heading-{gid}">{e(group["label"])}</h2>'
            f'<ul aria-labelledby="nav-heading-{gid}">'
        )
        for item in group["items"]:
            current = ' aria-current="page"' if item["active"] else ""
            parts.append(f'<li><a href="{e(item["url"])}"{current}>{e(item["label"])}</a></li>')
        parts.append("</ul></section>")
    parts.append("</nav>")
    return mark_safe("\n".join(parts))
