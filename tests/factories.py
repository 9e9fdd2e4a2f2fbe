"""Factories shared by every app's tests. App-specific ones live in tests/<app>/factories.py."""

from datetime import date
from decimal import Decimal

import factory
from django.utils import timezone

from clients.models import ChannelConsent, Client, Segment
from purchases.models import Category, Product


class SegmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Segment
        django_get_or_create = ("code",)

    name = factory.Sequence(lambda n: f"Segment {n}")
    code = factory.Sequence(lambda n: f"segment-{n}")


class ClientFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Client
        skip_postgeneration_save = True  # the consent hook writes its own rows, not the client

    kind = Client.Kind.COMPANY
    name = factory.Sequence(lambda n: f"Client {n} Ltd")
    email = factory.Sequence(lambda n: f"client{n}@example.com")
    phone = factory.Sequence(lambda n: f"+44207946{n:04d}")
    status = Client.Status.ACTIVE
    first_contact_at = factory.LazyFunction(timezone.now)
    preferred_channels = factory.LazyFunction(lambda: ["email"])

    @factory.post_generation
    def consent(self, create, extracted, **kwargs):
        """consent=["email", "sms"] opts the client in to those channels (default: every preferred one)."""
        if not create:
            return
        channels = extracted if extracted is not None else self.preferred_channels
        for channel in channels:
            ChannelConsent.objects.create(
                client=self,
                channel=channel,
                status=ChannelConsent.Status.OPT_IN,
                given_at=timezone.now(),
                source="test",
            )


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Category
        django_get_or_create = ("code",)

    name = factory.Sequence(lambda n: f"Category {n}")
    code = factory.Sequence(lambda n: f"category-{n}")


class ProductFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Product

    sku = factory.Sequence(lambda n: f"SKU-{n:05d}")
    name = factory.Sequence(lambda n: f"Product {n}")
    category = factory.SubFactory(CategoryFactory)
    unit_price = Decimal("10.00")
    unit_cost = Decimal("6.00")
    incentive_weight = Decimal("1")


def today() -> date:
    return timezone.localdate()
