"""The navigation, by role. Apps contribute their entries through crm.registry; an entry whose URL does
not exist is skipped, so the menu only ever shows pages that are there.

The entries are grouped (clients, sales, service, team, messages, administration) so the menu stays short
however many pages the apps add: a sidebar on wide screens, one "Menu" disclosure on a phone. An entry goes in
the group of its URL namespace (its URL name for the core's own entries); one nobody placed goes under "More".
"""

from functools import cache

from django.core.signals import setting_changed
from django.urls import NoReverseMatch, reverse
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
    if setting == "ROOT_URLCONF":
        _url.cache_clear()


setting_changed.connect(_forget_urls)


def nav_for(user, current_path: str = "") -> list[dict]:
    roles = user_roles(user)
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
    by_group: dict[str, list[dict]] = {}
    for item in nav_for(user, current_path):
        by_group.setdefault(group_of(item["name"]), []).append(item)
    return [
        {"id": gid, "label": label, "items": by_group[gid], "active": any(i["active"] for i in by_group[gid])}
        for gid, label in GROUPS
        if gid in by_group
    ]
