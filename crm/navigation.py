"""The navigation bar, by role. Apps add their entries here; an entry whose URL does not exist yet is
skipped, so the bar only ever shows pages that are there."""

from functools import cache

from django.core.signals import setting_changed
from django.urls import NoReverseMatch, reverse

from .roles import Role, user_roles

SM, ACC, ADM = Role.SALES_MANAGER, Role.ACCOUNTANT, Role.ADMINISTRATOR

# (label, url name, roles that see it)
NAV_ITEMS: list[tuple[str, str, tuple[str, ...]]] = [
    ("Dashboard", "dashboard", (SM, ACC, ADM)),
    ("Clients", "clients:list", (SM, ACC, ADM)),
    ("Tasks", "clients:tasks", (SM, ADM)),
    ("Catalogue", "purchases:catalogue", (SM, ACC, ADM)),
    ("Purchases", "purchases:list", (SM, ACC, ADM)),
    ("Invoices", "purchases:invoices", (SM, ACC, ADM)),
    ("Complaints", "complaints:board", (SM, ADM)),
    ("Standards", "complaints:standards", (SM, ACC, ADM)),
    ("Leaderboard", "incentives:leaderboard", (SM, ADM)),
    ("Awards", "incentives:awards", (SM, ACC, ADM)),
    ("Notifications", "notifications:list", (ADM,)),
    ("Inbox", "notifications:inbox", (SM, ACC, ADM)),
    ("Reports", "reports:index", (SM, ACC, ADM)),
    ("Admin", "admin:index", (ADM,)),
]


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
    for label, url_name, allowed in NAV_ITEMS:
        if not roles & set(allowed):
            continue
        url = _url(url_name)
        if url is not None:
            items.append({"label": label, "url": url, "active": False})
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
