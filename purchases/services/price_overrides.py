"""Price overrides: a sale line priced below the product's catalogue price by more than
settings.PRICE_OVERRIDE_ALLOWANCE_PERCENT needs a reason, from whoever records it (a sales manager or an
administrator: the audit always says why), and is recorded as a PriceOverride row (who, why, the catalogue
price at the time) in the sale's transaction. A price at or above the floor is an ordinary price."""

from collections.abc import Sequence
from decimal import Decimal

from django.conf import settings

from crm.exceptions import ApplicationError
from crm.money import money

from ..models import PriceOverride, Product, Purchase
from .pricing import LineInput


def allowance_percent() -> Decimal:
    return Decimal(str(getattr(settings, "PRICE_OVERRIDE_ALLOWANCE_PERCENT", 0) or 0))


def price_floor(catalogue_price: Decimal, allowance: Decimal | None = None) -> Decimal:
    """The lowest unit price that needs no reason: the catalogue price less the allowance, rounded half-up."""
    allowance = allowance_percent() if allowance is None else allowance
    return money(Decimal(catalogue_price) * (Decimal("100") - allowance) / Decimal("100"))


def price_overrides_check(
    *, lines: Sequence[LineInput], validated: Sequence[tuple[Product, Decimal, Decimal]]
) -> list[tuple[int, str]]:
    """The overridden lines as (index, reason); raises ApplicationError on the lines' unit_price (field
    "lines", with DRF-shaped per-line messages in extra) when a reason is missing."""
    allowance = allowance_percent()
    found, errors = [], {}
    for i, (line, (product, _quantity, price)) in enumerate(zip(lines, validated, strict=True)):
        catalogue = money(product.unit_price)
        if line.unit_price is None or price >= price_floor(catalogue, allowance):
            continue
        reason = (line.reason or "").strip()
        if not reason:
            errors[i] = (
                f"Line {i + 1}: {product.sku} at {price} is below the catalogue price {catalogue}"
                f"{f' by more than {allowance}%' if allowance else ''}: give a reason for the price."
            )
            continue
        found.append((i, reason))
    if errors:
        first = errors[min(errors)]
        per_line = [{"unit_price": [errors[i]]} if i in errors else {} for i in range(len(validated))]
        raise ApplicationError(first, field="lines", code="price_reason", extra={"lines": per_line})
    return found


def price_overrides_record(*, purchase: Purchase, written_lines, overridden: list[tuple[int, str]], by) -> None:
    """One PriceOverride per overridden line of the sale just written (the lines in the order they were posted)."""
    if not overridden:
        return
    PriceOverride.objects.bulk_create(
        [
            PriceOverride(
                purchase=purchase,
                line=written_lines[i],
                product=written_lines[i].product,
                catalogue_price=money(written_lines[i].product.unit_price),
                unit_price=written_lines[i].unit_price,
                by=by,
                reason=reason,
            )
            for i, reason in overridden
        ]
    )
