"""The top bar and the sidebar are kept drawn per process (crm/templatetags/navigation.py); what belongs to one
person or one request is still theirs: the name, the CSRF token, the address the language form returns to, the
entries their roles allow, the entry of the current page and the language."""

import re

import pytest
from django.test import Client

from crm.roles import Role
from tests.conftest import make_user
from tests.factories import ClientFactory

pytestmark = pytest.mark.django_db


def _page(user, path: str, **extra) -> str:
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    response = client.get(path, **extra)
    assert response.status_code == 200
    return response.content.decode()


def _current(html: str) -> list[str]:
    return re.findall(r'<a href="([^"]+)" aria-current="page">', html)


def test_each_person_sees_their_own_name_and_the_address_they_are_on():
    anna = make_user("anna", Role.SALES_MANAGER, last_name="<Kovács>")
    bela = make_user("béla", Role.SALES_MANAGER, last_name="Nagy")
    first, second = _page(anna, "/clients/?q=a&sort=name"), _page(bela, "/complaints/")
    assert '<summary id="user-menu">Anna &lt;Kovács&gt;</summary>' in first
    assert '<summary id="user-menu">Béla Nagy</summary>' in second
    assert 'name="next" value="/clients/?q=a&amp;sort=name"' in first
    assert 'name="next" value="/complaints/"' in second


def test_the_language_form_carries_a_token_the_server_accepts():
    anna = make_user("anna", Role.SALES_MANAGER)
    client = Client(enforce_csrf_checks=True)
    client.force_login(anna)
    html = client.get("/clients/").content.decode()
    tokens = re.findall(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
    assert len(tokens) == 2 and "crm-csrf" not in html
    response = client.post(
        "/accounts/language/", {"language": "hu", "next": "/clients/", "csrfmiddlewaretoken": tokens[0]}
    )
    assert response.status_code == 302
    assert "Ügyfelek" in client.get("/clients/").content.decode()  # the Hungarian bar, not the English one kept


def test_the_entries_follow_the_roles_and_the_current_page():
    seller = make_user("seller", Role.SALES_MANAGER)
    admin = make_user("admin", Role.ADMINISTRATOR)
    card = ClientFactory(manager=seller)
    seller_card = _page(seller, f"/clients/{card.pk}/")
    assert _current(seller_card) == ["/clients/"]
    assert "/accounts/security/" not in seller_card and "/ops/" not in seller_card
    admin_list = _page(admin, "/complaints/")
    assert _current(admin_list) == ["/complaints/"]
    assert "/accounts/security/" in admin_list and "/ops/" in admin_list
    assert _current(_page(seller, "/")) == ["/"]
    # the quick action is drawn for the roles that have it
    assert 'id="quick-action"' in seller_card
    accountant = make_user("acc", Role.ACCOUNTANT)
    assert 'id="quick-action"' not in _page(accountant, "/")


def test_the_bar_is_drawn_in_each_request_s_language():
    seller = make_user("seller", Role.SALES_MANAGER)
    english = _page(seller, "/clients/", HTTP_ACCEPT_LANGUAGE="en")
    hungarian = _page(seller, "/clients/", HTTP_ACCEPT_LANGUAGE="hu")
    assert ">Clients</a>" in english and "Ügyfelek" not in english
    assert "Ügyfelek" in hungarian and 'lang="hu"' in hungarian
