"""Builders for the reports' fixed data set, through the owning apps' services (the ledger, the complaints
desk, the client file), so the reports read exactly what production writes."""

from datetime import UTC, datetime
from decimal import Decimal

from clients import services as client_services
from clients.models import Interaction
from complaints import services as complaint_services
from complaints.models import Complaint, ComplaintCategory, GoodwillGesture
from purchases import services as purchase_services
from purchases.models import Purchase
from purchases.services import LineInput, ReturnLineInput


def at(year: int, month: int, day: int, hour: int = 12) -> datetime:
    return datetime(year, month, day, hour, tzinfo=UTC)


def sale(client, when, lines, *, by, discount_percent=None) -> Purchase:
    """lines: (product, quantity) at the product's price; `discount_percent` is an administrator's override."""
    purchase, _ = purchase_services.purchase_record(
        client=client,
        lines=[LineInput(product=p, quantity=Decimal(q)) for p, q in lines],
        by=by,
        purchased_at=when,
        discount_override=Decimal(discount_percent) if discount_percent is not None else None,
        reason="test discount" if discount_percent is not None else "",
    )
    return purchase


def give_back(original: Purchase, when, quantities, *, by) -> Purchase:
    """Return `quantities` ({product: quantity}) of a sale."""
    lines = [ReturnLineInput(line=line, quantity=Decimal(quantities[line.product])) for line in original.lines.all()]
    entry, _ = purchase_services.purchase_return(original=original, by=by, lines=lines, returned_at=when)
    return entry


def topic(name: str, handling_cost=None) -> ComplaintCategory:
    return ComplaintCategory.objects.get_or_create(
        code=name.lower().replace(" ", "-"),
        defaults={"name": name, "handling_cost": Decimal(handling_cost) if handling_cost is not None else None},
    )[0]


def complaint(client, when, *, by, kind=Complaint.Kind.COMPLAINT, category=None) -> Complaint:
    return complaint_services.complaint_create(
        text="Test complaint",
        channel=Complaint.Channel.PHONE,
        kind=kind,
        client=client,
        by=by,
        category=category,
        created_at=when,
    )


def gesture(complaint_, kind, cost, when, *, by) -> GoodwillGesture:
    return complaint_services.goodwill_add(complaint=complaint_, kind=kind, cost=cost, by=by, given_at=when)


def interaction(client, when, *, staff) -> Interaction:
    return client_services.interaction_create(
        client=client, staff=staff, kind=Interaction.Kind.CALL, summary="Call", occurred_at=when
    )
