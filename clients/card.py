"""The client card's tabs. Each is (label, url name); the url takes `client_id` and returns an HTML
fragment. Later apps' tabs are listed here and shown once their url exists (as crm/navigation.py does)."""

from django.urls import NoReverseMatch, reverse

CARD_TABS: list[tuple[str, str]] = [
    ("Overview", "clients:tab_overview"),
    ("Timeline", "clients:tab_timeline"),
    ("Contacts", "clients:tab_contacts"),
    ("Promises", "clients:tab_promises"),
    ("Tasks", "clients:tab_tasks"),
    ("Purchases", "purchases:client_tab"),
    ("Complaints", "complaints:client_tab"),
    ("Perks", "purchases:perks_client_tab"),
    ("History", "clients:tab_history"),
]

# Fragments shown above the tabs, loaded by htmx when the card opens (url names taking `client_id`; a higher
# app's, shown once its url exists): the service record's "2 open failures".
CARD_BANNERS: list[str] = ["standards:client_record"]


def banners_for(client_id: int) -> list[str]:
    urls = []
    for url_name in CARD_BANNERS:
        try:
            urls.append(reverse(url_name, kwargs={"client_id": client_id}))
        except NoReverseMatch:
            continue
    return urls


def tabs_for(client_id: int) -> list[dict]:
    tabs = []
    for label, url_name in CARD_TABS:
        try:
            url = reverse(url_name, kwargs={"client_id": client_id})
        except NoReverseMatch:
            continue
        tabs.append({"label": label, "url": url, "id": label.lower().replace(" ", "-")})
    return tabs
