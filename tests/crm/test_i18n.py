"""Languages: every template string is marked, every shipped catalogue is complete and compiled, and users,
clients and API callers get their own language."""

import gettext as gettext_module
import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from clients.models import Client
from complaints import services as complaint_services
from crm.languages import SESSION_KEY
from crm.models import UserPreference
from crm.money import money_display
from crm.notifications.models import Notification
from tests.crm.i18n_check import parse_po, template_files, unmarked_text
from tests.factories import ClientFactory

BASE = Path(settings.BASE_DIR)
SHIPPED = [code for code, _name in settings.LANGUAGES if code != "en"]
PLACEHOLDER = re.compile(r"%\([^)]+\)[sdrf]|%%")


def _placeholders(text: str) -> set[str]:
    return set(PLACEHOLDER.findall(text)) - {"%%"}


# --- (a) every template string is marked ---------------------------------------------------------------------


def test_the_checker_finds_unmarked_text_and_passes_marked_text():
    assert unmarked_text("<p>Hello</p>") == ["Hello"]
    assert unmarked_text('<input placeholder="Search clients">') == ['placeholder="Search clients"']
    assert unmarked_text('<a title="{{ name }} chart">x</a>') == ['title="§ chart"', "x"]
    assert unmarked_text('<button type="submit" aria-label="Close">×</button>') == ['aria-label="Close"']
    marked = (
        '{% load i18n %}<p>{% translate "Hello" %} {{ name }} · 12 &middot;</p><!-- a note -->'
        "<p>{% blocktranslate with n=x.y %}Page {{ n }}{% endblocktranslate %}</p>"
        '<script src="x.js"></script><input aria-label="{% translate "Search" %}" class="wide">'
        "{% comment %}Not shown{% endcomment %}"
    )
    assert unmarked_text(marked) == []


def test_every_template_marks_its_visible_text_for_translation():
    files = template_files(BASE)
    assert len(files) > 100  # the project's templates and every app's were found
    unmarked = {str(p.relative_to(BASE)): found for p in files if (found := unmarked_text(p.read_text()))}
    assert unmarked == {}, "wrap these in {% translate %} / {% blocktranslate %}"


# --- (b) the shipped catalogues are complete and compiled -----------------------------------------------------


def test_every_choice_label_of_our_models_is_marked_for_translation():
    """A choice's label shows in pages, forms and exports: a plain string stays English in every language
    (the key-client bases were). Language names are their own names (endonyms), as settings.LANGUAGES has them."""
    from django.apps import apps
    from django.utils.functional import Promise

    ours = ("clients", "purchases", "complaints", "incentives", "crm")
    endonyms = {code for code, _name in settings.LANGUAGES}
    plain = [
        f"{model.__name__}.{field.name}={value!r}"
        for model in apps.get_models()
        if model.__module__.split(".")[0] in ours and not model.__name__.startswith("Historical")
        for field in model._meta.get_fields()
        for value, label in getattr(field, "flatchoices", None) or []
        if not isinstance(label, Promise) and value not in endonyms
    ]
    assert plain == []


@pytest.mark.parametrize("language", SHIPPED)
def test_shipped_catalogue_has_no_untranslated_or_fuzzy_entry(language):
    entries = parse_po(BASE / "crm" / "locale" / language / "LC_MESSAGES" / "django.po")
    assert len(entries) > 1000
    untranslated = [e["msgid"] for e in entries if not all(e["msgstr"])]
    fuzzy = [e["msgid"] for e in entries if "fuzzy" in e["flags"]]
    wrong = [
        e["msgid"]
        for e in entries
        if "python-format" in e["flags"]
        and any(
            _placeholders(form) != _placeholders(e["msgid_plural"] if i else e["msgid"])
            for i, form in enumerate(e["msgstr"])
        )
    ]
    assert (untranslated, fuzzy, wrong) == ([], [], [])


@pytest.mark.parametrize("language", SHIPPED)
def test_compiled_catalogue_matches_its_po_file(language):
    folder = BASE / "crm" / "locale" / language / "LC_MESSAGES"
    entries = parse_po(folder / "django.po")
    with open(folder / "django.mo", "rb") as handle:
        compiled = gettext_module.GNUTranslations(handle)
    stale = []
    for e in entries:
        if e["msgid_plural"]:
            got = [compiled.ngettext(e["msgid"], e["msgid_plural"], n) for n in (1, 2)]
        else:
            got = [compiled.gettext(e["msgid"])]
        if got != e["msgstr"]:
            stale.append(e["msgid"])
    assert stale == [], "run: DJANGO_ENV=development python manage.py compilemessages"
    assert compiled.info()["language"] == language


def test_the_project_offers_english_hungarian_and_swahili():
    assert [code for code, _name in settings.LANGUAGES] == ["en", "hu", "sw"]
    middleware = settings.MIDDLEWARE
    locale = middleware.index("django.middleware.locale.LocaleMiddleware")
    assert middleware.index("django.contrib.sessions.middleware.SessionMiddleware") < locale
    assert locale < middleware.index("django.middleware.common.CommonMiddleware")


# --- (c) users, clients and API callers get their language ----------------------------------------------------


def test_a_user_whose_language_is_hungarian_sees_the_dashboard_in_hungarian(client, sales_manager):
    UserPreference.objects.create(user=sales_manager, language="hu")
    client.force_login(sales_manager)  # the login copies the choice into the session
    assert client.session[SESSION_KEY] == "hu"
    body = client.get(reverse("dashboard")).content.decode()
    assert '<html lang="hu"' in body
    assert "Irányítópult" in body and "Ügyfelek" in body and "Kijelentkezés" in body
    assert ">Dashboard<" not in body and ">Clients<" not in body


def test_choosing_a_language_keeps_it_for_the_user_and_the_next_pages(client, sales_manager):
    client.force_login(sales_manager)
    assert "Dashboard" in client.get(reverse("dashboard")).content.decode()
    response = client.post(reverse("account-language"), {"language": "sw", "next": reverse("clients:list")})
    assert response.status_code == 302 and response["Location"] == reverse("clients:list")
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "sw"
    assert UserPreference.objects.get(user=sales_manager).language == "sw"
    page = client.get(reverse("clients:list")).content.decode()
    assert "Wateja" in page and "Tafuta wateja" in page


def test_an_unknown_language_is_refused_in_the_page_and_the_api(client, sales_manager, sm_api):
    client.force_login(sales_manager)
    response = client.post(reverse("account-language"), {"language": "xx"})
    assert response.status_code == 200 and "language" in response.context["form"].errors
    response = sm_api.put(reverse("api-my-language"), {"language": "xx"}, format="json")
    assert response.status_code == 400 and "language" in response.json()
    assert not UserPreference.objects.exists()


def test_the_api_answers_in_the_accept_language_language_else_in_the_users_own(sm_api, sales_manager):
    url = reverse("api-tokens")
    too_long = {"name": "ERP", "expires_in_days": 100000}
    english = sm_api.post(url, too_long, format="json")
    assert english.status_code == 400 and "A token lives between 1 and" in str(english.json())

    hungarian = sm_api.post(url, too_long, format="json", HTTP_ACCEPT_LANGUAGE="hu")
    assert hungarian.status_code == 400 and "Egy token 1 és" in str(hungarian.json())

    assert sm_api.put(reverse("api-my-language"), {"language": "sw"}, format="json").json() == {"language": "sw"}
    own = sm_api.post(url, too_long, format="json")  # no Accept-Language: the user's choice
    assert "Tokeni huishi kati ya siku 1 na" in str(own.json())
    named = sm_api.post(url, too_long, format="json", HTTP_ACCEPT_LANGUAGE="hu")  # the request names one: it wins
    assert "Egy token 1 és" in str(named.json())


def test_a_hungarian_client_gets_the_complaint_acknowledgement_in_hungarian(sales_manager):
    client = ClientFactory(manager=sales_manager, language="hu", email="anna@example.hu")
    complaint_services.complaint_create(text="Hibás toner", channel="phone", client=client, by=sales_manager)
    ack = Notification.objects.get(event="complaint_ack", client=client)
    assert ack.subject.startswith("Megkaptuk üzenetét")
    assert "Köszönjük, hogy felvette velünk a kapcsolatot" in ack.body
    english = ClientFactory(manager=sales_manager)
    assert english.language == settings.LANGUAGE_CODE
    complaint_services.complaint_create(text="Broken toner", channel="phone", client=english, by=sales_manager)
    assert Notification.objects.get(event="complaint_ack", client=english).subject.startswith("We received")


def test_a_clients_language_is_set_through_the_api_and_refused_when_unknown(sm_api):
    created = sm_api.post(reverse("api-clients"), {"name": "Duka la Wino", "language": "sw"}, format="json")
    assert created.status_code == 201, created.content
    assert created.json()["language"] == "sw" and Client.objects.get(name="Duka la Wino").language == "sw"
    refused = sm_api.post(reverse("api-clients"), {"name": "Nobody", "language": "xx"}, format="json")
    assert refused.status_code == 400 and "language" in refused.json()


def test_money_follows_the_active_language():
    amount = Decimal("1240.5")
    with translation.override("en"):
        assert money_display(amount, "EUR") == "1,240.50 EUR"
    with translation.override("hu"):
        assert money_display(amount, "EUR") == "1\xa0240,50 EUR"


def test_the_apis_own_field_errors_are_translated_too(sm_api):
    """DRF ships no Swahili: the project's catalogue carries its common messages (crm/api/drf_messages.py)."""
    answer = sm_api.post(reverse("api-clients"), {}, format="json", HTTP_ACCEPT_LANGUAGE="sw")
    assert answer.status_code == 400 and answer.json()["name"] == ["Sehemu hii inahitajika."]
    answer = sm_api.post(reverse("api-clients"), {}, format="json", HTTP_ACCEPT_LANGUAGE="hu")
    assert answer.json()["name"] == ["Ez a mező kötelező."]


def test_a_staff_message_is_written_in_the_recipients_language(administrator, sales_manager, other_sales_manager):
    from clients import services as client_services

    UserPreference.objects.create(user=other_sales_manager, language="hu")
    client = ClientFactory(manager=sales_manager, name="Kessler Print")
    client_services.client_reassign(client=client, manager=other_sales_manager, by=administrator)
    rows = {row.user_id: row.subject for row in Notification.objects.filter(event="client_reassigned")}
    assert rows[other_sales_manager.pk] == "Kessler Print mostantól az Ön ügyfele"
    assert rows[sales_manager.pk].startswith("Kessler Print moved to")  # no choice made: the site's language
