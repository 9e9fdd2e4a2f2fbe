from decimal import Decimal

import factory

from purchases.models import DiscountTier
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
