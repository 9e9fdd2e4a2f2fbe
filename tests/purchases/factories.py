from decimal import Decimal

import factory

from purchases import services
from purchases.models import DiscountTier, Product, Purchase
from purchases.services import LineInput
from tests.factories import ClientFactory, ProductFactory  # noqa: F401


class DiscountTierFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DiscountTier
        django_get_or_create = ("threshold",)

    threshold = Decimal("0")
    percent = Decimal("0")


def demo_tiers():
    """The issue's demo tiers: 0 -> 0%, 1,000 -> 2%, 5,000 -> 5%, 20,000 -> 10%."""
    return [
        DiscountTierFactory(threshold=Decimal(t), percent=Decimal(p))
        for t, p in (("0", "0"), ("1000", "2"), ("5000", "5"), ("20000", "10"))
    ]


def record_sale(client, product: Product, quantity, *, by) -> Purchase:
    """A sale of one line (`quantity` x `product` at its catalogue price) through the ledger service."""
    purchase, _ = services.purchase_record(
        client=client, lines=[LineInput(product=product, quantity=Decimal(quantity))], by=by
    )
    return purchase
