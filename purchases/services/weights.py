"""Incentive weights: effective-dated per product, so a line snapshots the weight in force on its date and a
change never moves scores already earned."""

from datetime import date
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from crm.exceptions import ApplicationError

from ..models import Product, ProductWeight

WEIGHTS_START = date(2000, 1, 1)  # effective date of a product's first weight: "since always"


@transaction.atomic
def product_weight_set(*, product: Product, weight: Decimal, effective_from: date, by=None) -> ProductWeight:
    """Set a product's incentive weight from a date on (today or later: a backdated weight would move
    scores already earned). The first change also records the weight in force until then, so history is
    complete; the product's current weight is refreshed to the one in force today."""
    if effective_from < timezone.localdate():
        raise ApplicationError(
            gettext("A weight can take effect today or later, not in the past."), field="effective_from"
        )
    if weight < 0:
        raise ApplicationError(gettext("A weight cannot be negative."), field="weight")
    if not product.weights.exists():
        ProductWeight.objects.create(product=product, weight=product.incentive_weight, effective_from=WEIGHTS_START)
    entry, _ = ProductWeight.objects.update_or_create(
        product=product, effective_from=effective_from, defaults={"weight": weight, "set_by": by}
    )
    current = (
        ProductWeight.objects.filter(product=product, effective_from__lte=timezone.localdate())
        .order_by("-effective_from")
        .values_list("weight", flat=True)
        .first()
    )
    if current is not None and current != product.incentive_weight:
        product.incentive_weight = current
        product.save(update_fields=["incentive_weight", "updated_at"])
    return entry


def weights_on(products: list[Product], day: date) -> dict[int, Decimal]:
    """The incentive weight in force on `day` per product: the latest ProductWeight with effective_from <= day,
    else the product's own weight."""
    weights = {p.pk: p.incentive_weight for p in products}
    seen = set()
    rows = (
        ProductWeight.objects.filter(product__in=weights.keys(), effective_from__lte=day)
        .order_by("product_id", "-effective_from")
        .values_list("product_id", "weight")
    )
    for product_id, weight in rows:
        if product_id not in seen:
            seen.add(product_id)
            weights[product_id] = weight
    return weights
