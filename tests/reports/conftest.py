"""The fixed data set the report figures are checked against (hand-computed in test_figures.py)."""

from decimal import Decimal

import pytest

from clients.models import Client
from complaints.models import GoodwillGesture
from tests.factories import CategoryFactory, ClientFactory, ProductFactory, SegmentFactory

from . import factories as f

AS_OF = f.at(2026, 6, 1, 0)


@pytest.fixture
def dataset(sales_manager, other_sales_manager, administrator):
    """Segment A: X, Y (sm). Segment B: Z, V (sm2), U (sm). Paper 10/6, Ink 50/30 (price/cost)."""
    by = administrator
    seg_a = SegmentFactory(name="Print shops", code="print")
    seg_b = SegmentFactory(name="Retail", code="retail")
    paper = ProductFactory(
        category=CategoryFactory(name="Paper", code="paper"), unit_price=Decimal("10.00"), unit_cost=Decimal("6.00")
    )
    ink = ProductFactory(
        category=CategoryFactory(name="Ink", code="ink"), unit_price=Decimal("50.00"), unit_cost=Decimal("30.00")
    )
    started = f.at(2025, 6, 1, 0)
    x = ClientFactory(name="X", segment=seg_a, manager=sales_manager, first_contact_at=started)
    y = ClientFactory(name="Y", segment=seg_a, manager=sales_manager, first_contact_at=started)
    z = ClientFactory(name="Z", segment=seg_b, manager=other_sales_manager, first_contact_at=f.at(2026, 1, 1, 0))
    u = ClientFactory(name="U", segment=seg_b, manager=sales_manager, first_contact_at=started)
    v = ClientFactory(
        name="V",
        segment=seg_b,
        manager=other_sales_manager,
        first_contact_at=f.at(2026, 5, 1),
        status=Client.Status.LEAD,
    )

    f.sale(x, f.at(2025, 7, 1), [(paper, 10)], by=by, discount_percent="10")
    x_ink = f.sale(x, f.at(2026, 4, 1), [(ink, 2)], by=by)
    f.give_back(x_ink, f.at(2026, 4, 10), {ink: 1}, by=by)
    c = f.complaint(x, f.at(2026, 4, 5), by=by, category=f.topic("Delivery", handling_cost="20"))
    f.gesture(c, GoodwillGesture.GestureKind.FREE_DELIVERY, "15", f.at(2026, 4, 6), by=by)
    f.interaction(x, f.at(2026, 5, 20), staff=sales_manager)

    f.sale(y, f.at(2025, 8, 1), [(ink, 1)], by=by)
    f.sale(y, f.at(2025, 9, 1), [(ink, 2)], by=by)
    c = f.complaint(y, f.at(2025, 7, 10), by=by, category=f.topic("Packaging", handling_cost="0"))
    f.gesture(c, GoodwillGesture.GestureKind.GIFT, "5", f.at(2025, 7, 15), by=by)

    f.sale(z, f.at(2026, 1, 10), [(paper, 20)], by=by, discount_percent="10")
    f.sale(z, f.at(2026, 2, 10), [(paper, 10)], by=by)

    f.sale(u, f.at(2026, 3, 10), [(ink, 4)], by=by)
    return {"x": x, "y": y, "z": z, "u": u, "v": v, "seg_a": seg_a, "seg_b": seg_b, "paper": paper, "ink": ink}
