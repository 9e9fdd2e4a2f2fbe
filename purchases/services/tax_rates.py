"""Tax rates: effective-dated per product or per category. The rate of a product on a day is its own rate in
force (latest effective_from <= day), else its category's, else the TAX_DEFAULT_RATE setting. Rates are added,
never edited or deleted: a document fixes the rate on its lines when it is issued, so a new rate (even one
dated back) only reaches documents issued after it."""

from datetime import date
from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils.translation import gettext

from crm.exceptions import ApplicationError
from crm.roles import is_admin

from ..models import Category, Product, TaxRate

MAX_RATE = Decimal("100")


@transaction.atomic
def tax_rate_create(
    *,
    rate: Decimal,
    effective_from: date,
    by,
    product: Product | None = None,
    category: Category | None = None,
    name: str = "",
) -> TaxRate:
    """An administrator adds a rate for a product or a category from a date on."""
    if not is_admin(by):
        raise ApplicationError(gettext("Only an administrator may set tax rates."), code="forbidden")
    if (product is None) == (category is None):
        raise ApplicationError(gettext("Choose a product or a category (one of them)."), field="product")
    if not Decimal("0") <= rate <= MAX_RATE:
        raise ApplicationError(gettext("A tax rate is a percent between 0 and 100."), field="rate")
    try:
        with transaction.atomic():
            return TaxRate.objects.create(
                product=product,
                category=category,
                rate=rate,
                name=(name or "").strip(),
                effective_from=effective_from,
                set_by=by,
            )
    except IntegrityError:
        target = product.sku if product else category.name
        raise ApplicationError(
            f"{target} already has a rate from {effective_from:%Y-%m-%d}; add one from another date.",
            field="effective_from",
        ) from None


def default_tax_rate() -> Decimal:
    return Decimal(str(getattr(settings, "TAX_DEFAULT_RATE", "0")))


def tax_rates_on(products: list[Product], day: date) -> dict[int, Decimal]:
    """The rate in force on `day` per product id: the product's own, else its category's, else the default.
    Two queries whatever the number of products."""
    rates = {p.pk: default_tax_rate() for p in products}
    category_of = {p.pk: p.category_id for p in products}
    by_category: dict[int, Decimal] = {}
    for category_id, rate in (
        TaxRate.objects.filter(category__in=set(category_of.values()), effective_from__lte=day)
        .order_by("category_id", "-effective_from", "-id")
        .values_list("category_id", "rate")
    ):
        by_category.setdefault(category_id, rate)
    by_product: dict[int, Decimal] = {}
    for product_id, rate in (
        TaxRate.objects.filter(product__in=rates.keys(), effective_from__lte=day)
        .order_by("product_id", "-effective_from", "-id")
        .values_list("product_id", "rate")
    ):
        by_product.setdefault(product_id, rate)
    for pk in rates:
        if pk in by_product:
            rates[pk] = by_product[pk]
        elif category_of[pk] in by_category:
            rates[pk] = by_category[category_of[pk]]
    return rates
