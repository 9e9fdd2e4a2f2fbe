"""The client list page's statements are compiled once per shape (clients.selectors.list_page): for every kind
of filter, search, order and page, the rows are the ones the ORM gives for the same filters."""

import itertools

import pytest

from clients import selectors
from clients.models import Client, ContactPerson, Tag
from tests.factories import ClientFactory, SegmentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def clients(sales_manager, other_sales_manager):
    wholesale, retail = SegmentFactory(code="wholesale"), SegmentFactory(code="retail")
    urgent = Tag.objects.create(name="urgent")
    made = []
    for i, (segment, manager, status) in enumerate(
        itertools.product([wholesale, retail, None], [sales_manager, other_sales_manager, None], ["lead", "active"])
    ):
        client = ClientFactory(
            name=f"{'Nord' if i % 3 == 0 else 'Süd'} 50% Paper_{i}",
            email=f"buyer{i}@{'nord' if i % 2 else 'mill'}.example",
            phone=f"+44207946{i:04d}",
            segment=segment,
            manager=manager,
            status=status,
        )
        if i % 4 == 0:
            client.tags.add(urgent)
        made.append(client)
    company = made[5]
    ContactPerson.objects.create(
        client=company, name="Ann Nordström", email="ann@elsewhere.example", phone="+441130000001"
    )
    return {"wholesale": wholesale.pk, "retail": retail.pk, "sm": sales_manager.pk, "tag": urgent.pk}


def _filters(**given):
    return {"search": "", "segment": None, "manager": None, "status": "", "tag": None, "sort": "newest"} | given


CASES = [
    {},
    {"search": "nord"},
    {"search": "50%"},  # a LIKE wildcard in the words is matched literally
    {"search": "%Paper"},  # ... so this finds nothing (the names say "50% Paper")
    {"search": "Paper_1"},
    {"search": "7946 0003"},  # part of a phone number
    {"search": "buyer3@nord.example"},  # one whole address
    {"search": "ann@elsewhere.example"},  # a company contact's address
    {"search": "020 7946 0004"},  # one whole number
    {"segment": "wholesale"},
    {"manager": "sm"},
    {"manager": "none"},
    {"status": "lead"},
    {"tag": "tag"},
    {"search": "nord", "segment": "retail", "status": "active", "sort": "name"},
    {"sort": "-name"},
    {"sort": "oldest", "tag": "tag"},
    {"sort": "updated"},
]


@pytest.mark.parametrize("case", CASES, ids=[str(c) or "plain" for c in CASES])
@pytest.mark.parametrize("billing_only", [False, True])
def test_each_shape_gives_the_orm_s_rows_on_each_page(clients, case, billing_only):
    given = {k: (clients.get(v, v) if k in ("segment", "manager", "tag") else v) for k, v in case.items()}
    filters = _filters(**given)
    for page_offset in (0, 4, 8):  # three pages of four (and one more row, as the page asks)
        compiled = selectors.list_page(filters, billing_only=billing_only, offset=page_offset, limit=5)
        orm = selectors.list_rows(
            selectors.client_list(**filters), billing_only=billing_only, offset=page_offset, limit=5
        )
        assert compiled == orm
        again = selectors.list_page(filters, billing_only=billing_only, offset=page_offset, limit=5)
        assert again == orm  # the second run is the compiled statement's


def test_the_searches_find_what_they_should(clients):
    def ids(**given):
        return {r["id"] for r in selectors.list_page(_filters(**given), billing_only=False, offset=0, limit=100)}

    everyone = list(Client.objects.all())
    with_contact = Client.objects.get(contacts__name="Ann Nordström")
    assert ids(search="50%") == {c.pk for c in everyone}
    assert ids(search="%Paper") == set()  # the % is a character searched for, not a wildcard
    assert ids(search="ann@elsewhere.example") == {with_contact.pk}
    assert ids(search="nord") == {c.pk for c in everyone if "nord" in f"{c.name} {c.email}".lower()} | {with_contact.pk}
