"""The plain API client list runs as compiled, prepared statements per page shape (crm.compiled_query's
CompiledPages): every page, followed forward and back, is the page the ORM path gives, in one statement."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from clients.api import records
from clients.models import ChannelConsent
from tests.factories import ClientFactory

pytestmark = pytest.mark.django_db


def _walk(api, first: str) -> list[list[dict]]:
    """Every page from `first` forward, then back from the last one with `previous`."""
    pages, url = [], first
    while url:
        body = api.get(url).json()
        pages.append(body["results"])
        last, url = body, body["next"]
    back, url = [], last["previous"]
    while url:
        body = api.get(url).json()
        back.append(body["results"])
        url = body["previous"]
    return pages + back


def test_every_page_forward_and_back_is_the_one_the_orm_path_gives(sm_api, sales_manager, settings):
    clients = ClientFactory.create_batch(23, manager=sales_manager)
    ChannelConsent.objects.update_or_create(
        client=clients[3], channel="email", purpose="marketing",
        defaults={"status": "granted", "source": "web form", "given_at": timezone.now()},
    )  # fmt: skip
    ClientFactory(merged_into=clients[0])  # a tombstone stays out of the plain list
    compiled = _walk(sm_api, "/api/v1/clients/?page_size=5")
    # `status=` (blank) asks for the filter without narrowing anything: the ORM path
    plain = _walk(sm_api, "/api/v1/clients/?page_size=5&status=")
    assert compiled == plain
    assert len(compiled) == 5 + 4 and sum(len(p) for p in compiled[:5]) == 23
    assert [c["id"] for c in compiled[0]] == sorted((c.pk for c in clients), reverse=True)[:5]
    consented = next(c for page in compiled for c in page if c["id"] == clients[3].pk)
    assert {"channel": "email", "purpose": "marketing", "source": "web form"}.items() <= next(
        k for k in consented["consents"] if k["channel"] == "email" and k["purpose"] == "marketing"
    ).items()


def test_a_page_is_one_statement_built_once_per_shape(sm_api, sales_manager):
    ClientFactory.create_batch(3, manager=sales_manager)
    sm_api.get("/api/v1/clients/")  # the token's and the page's statements are prepared on this connection
    with CaptureQueriesContext(connection) as queries:
        response = sm_api.get("/api/v1/clients/")
    assert response.status_code == 200 and len(response.json()["results"]) == 3
    statements = [q["sql"] for q in queries]
    assert len(statements) == 2  # the token's user and the page
    if connection.vendor == "postgresql":
        assert all(sql.startswith("EXECUTE ") for sql in statements)  # each run by name, planned once


def test_the_stand_in_refuses_what_cursor_pagination_never_asks():
    pages = records._compiled_pages("")
    with pytest.raises(ValueError):
        pages.order_by("name")
    with pytest.raises(ValueError):
        pages.filter(name__lt="x")
