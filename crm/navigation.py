"""The navigation bar, by role. Apps contribute their entries through crm.registry; an entry whose URL does
not exist is skipped, so the bar only ever shows pages that are there."""

from functools import cache

from django.core.signals import setting_changed
from django.urls import NoReverseMatch, reverse

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
