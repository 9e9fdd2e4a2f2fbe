"""A search for one whole email address or phone number is an equality lookup on the normalised value (a
b-tree index), not a substring walk; partial terms still search by substring."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from clients import selectors
from clients.models import ContactPerson
from tests.factories import ClientFactory

pytestmark = pytest.mark.django_db


def _search(term: str) -> tuple[list[str], str]:
    with CaptureQueriesContext(connection) as queries:
        names = sorted(c.name for c in selectors.client_list(search=term))
    return names, "\n".join(q["sql"] for q in queries.captured_queries)


def test_whole_email_finds_the_client_and_a_company_whose_contact_has_it_by_equality():
    ClientFactory(name="Kessler", email="info@kessler.example")
    ClientFactory(name="Other Kessler", email="maininfo@kessler.example")  # contains it, is not it
    company = ClientFactory(name="Print Co", email="office@print.example")
    ContactPerson.objects.create(client=company, name="Ann", email="info@kessler.example")
    names, sql = _search("  INFO@Kessler.example ")
    assert names == ["Kessler", "Print Co"]
    assert "LIKE" not in sql.upper() and '"email" = ' in sql


def test_whole_phone_in_national_format_finds_the_client_by_equality():
    ClientFactory(name="Fischer", phone="+442079460345")
    ClientFactory(name="Someone else", phone="+442079460346")
    names, sql = _search("020 7946 0345")
    assert names == ["Fischer"]
    assert "LIKE" not in sql.upper() and '"phone" = ' in sql


def test_partial_email_and_phone_still_search_by_substring():
    ClientFactory(name="Kessler", email="info@kessler.example", phone="+442079460345")
    ClientFactory(name="Berg", email="berg@mill.example", phone="+442079461111")
    assert _search("kessler.exa")[0] == ["Kessler"]
    assert _search("7946 034")[0] == ["Kessler"]
    assert "LIKE" in _search("kessler.exa")[1].upper()


def test_api_search_by_whole_email(sm_api):
    client = ClientFactory(email="orders@riverside.example")
    ClientFactory(email="old-orders@riverside.example")
    response = sm_api.get("/api/v1/clients/", {"search": "orders@riverside.example"})
    assert response.status_code == 200
    assert [row["id"] for row in response.json()["results"]] == [client.pk]
