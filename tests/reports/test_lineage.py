"""The reports read a client's ledger over its lineage: a merge leaves the loser's entries where they are, and they
count for the survivor (grouped by COALESCE(merged_into_id, client_id) in SQL)."""

from decimal import Decimal

import pytest

from clients import services as client_services
from crm.reports import trends, value
from tests.factories import CategoryFactory, ClientFactory, ProductFactory, SegmentFactory

from . import factories as f
from .conftest import AS_OF

pytestmark = pytest.mark.django_db


def test_value_and_trends_count_a_merged_clients_sales_for_the_survivor(sales_manager, administrator):
    segment = SegmentFactory(name="Print shops", code="print")
    paper = ProductFactory(
        category=CategoryFactory(name="Paper", code="paper"), unit_price=Decimal("10.00"), unit_cost=Decimal("6.00")
    )
    started = f.at(2025, 6, 1, 0)
    survivor = ClientFactory(name="S", segment=segment, manager=sales_manager, first_contact_at=started)
    loser = ClientFactory(name="L", segment=segment, manager=sales_manager, first_contact_at=started)
    f.sale(survivor, f.at(2026, 5, 10), [(paper, 3)], by=sales_manager)
    f.sale(loser, f.at(2026, 5, 20), [(paper, 5)], by=sales_manager)
    client_services.client_merge(survivor=survivor, loser=loser, by=administrator)

    rows = {r["client"]: r for r in value.client_rows(AS_OF)}
    assert set(rows) == {"S"}
    assert (rows["S"]["purchases"], rows["S"]["revenue"], rows["S"]["gross_margin"]) == (2, "80.00", "32.00")
    demand, _ = trends.compute(AS_OF, trends.parameters("monthly"))
    paper_row = next(r for r in demand if r["category"] == "Paper")
    assert paper_row["current_clients"] == 1
