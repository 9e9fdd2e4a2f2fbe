"""Ledger entries for incentive tests, recorded through the purchases app's own services (purchase_record,
purchase_return), so the weight snapshot on each line is the one the real ledger takes. A line is given as
(product, net amount): it is recorded as that many units at 1.00 each, so a return of part of the amount
is a return of that many units."""

from datetime import datetime
from decimal import Decimal

import factory

from incentives.models import AwardRule, AwardType
from purchases import services as purchase_services
from purchases.models import Product, Purchase
from purchases.services import LineInput, ReturnLineInput


def record(*, client, by, at: datetime, lines: list[tuple[Product, str | Decimal]]) -> Purchase:
    """A sale dated `at` (it may be backdated, as the purchases app allows)."""
    purchase, _ = purchase_services.purchase_record(
        client=client,
        by=by,
        purchased_at=at,
        lines=[
            LineInput(
                product=product, quantity=Decimal(str(amount)), unit_price=Decimal("1.00"), reason="priced 1.00 a unit"
            )
            for product, amount in lines
        ],
    )
    return purchase


def return_of(original: Purchase, *, at: datetime, lines: list[tuple[Product, str | Decimal]], by=None) -> Purchase:
    """Return `amount` worth of each product of the original sale, dated `at`."""
    by_product = {line.product_id: line for line in original.lines.all()}
    entry, _ = purchase_services.purchase_return(
        original=original,
        by=by or original.recorded_by,
        returned_at=at,
        lines=[
            ReturnLineInput(line=by_product[product.pk], quantity=Decimal(str(amount))) for product, amount in lines
        ],
    )
    return entry


class AwardTypeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AwardType
        django_get_or_create = ("name",)

    name = "Best employee of the month"
    kind = AwardType.Kind.RECOGNITION_TITLE


class AwardRuleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AwardRule

    name = "Employee of the month"
    period_kind = "month"
    award_type = factory.SubFactory(AwardTypeFactory)
    winners = 1
    min_fulfilment_percent = Decimal("100")
    bonus_base = Decimal("100.00")
    bonus_percent = Decimal("10")
