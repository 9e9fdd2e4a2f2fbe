"""The navigation bar, by role. Apps add their entries here; an entry whose URL does not exist yet is
skipped, so the bar only ever shows pages that are there."""

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


def nav_for(user, current_path: str = "") -> list[dict]:
    roles = user_roles(user)
    items = []
    for label, url_name, allowed in NAV_ITEMS:
        if not roles & set(allowed):
            continue
        try:
            url = reverse(url_name)
        except NoReverseMatch:
            continue
        active = url == "/" and current_path == "/" or url != "/" and current_path.startswith(url)
        items.append({"label": label, "url": url, "active": active})
    return items
