"""Pricing maths: which tier a cumulative total reaches, and what a purchase costs under it (the quote the
recording service applies and the live preview shows). Reads only; nothing here writes."""

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext

from crm.exceptions import ApplicationError
from crm.money import ZERO, money, percent_of

from ..models import ClientAccount, DiscountTier, Product


def tiers_ordered() -> list[DiscountTier]:
    return list(DiscountTier.objects.order_by("threshold"))


def tier_for_total(total: Decimal, tiers: list[DiscountTier] | None = None) -> DiscountTier | None:
    """The highest tier whose threshold is <= total (None when no tier applies)."""
    chosen = None
    for tier in tiers if tiers is not None else tiers_ordered():
        if tier.threshold <= total:
            chosen = tier
        else:
            break
    return chosen


def next_tier(total: Decimal, tiers: list[DiscountTier] | None = None) -> DiscountTier | None:
    for tier in tiers if tiers is not None else tiers_ordered():
        if tier.threshold > total:
            return tier
    return None


def tier_percent(tier: DiscountTier | None) -> Decimal:
    return tier.percent if tier is not None else Decimal("0.00")


@dataclass(frozen=True)
class LineInput:
    """A line to record or preview: the product, the quantity and, when it is not the catalogue price, the unit
    price, and why when that price is below the catalogue price by more than the allowance (see
    price_overrides). Typed values only: the edges (forms, serializers) turn what was posted into these."""

    product: Product
    quantity: Decimal
    unit_price: Decimal | None = None
    reason: str = ""

    def __post_init__(self):
        if not isinstance(self.product, Product):
            raise TypeError(f"LineInput.product takes a Product, not {self.product!r}")
        if not isinstance(self.quantity, Decimal) or not (
            self.unit_price is None or isinstance(self.unit_price, Decimal)
        ):
            raise TypeError("LineInput.quantity and unit_price take Decimal")


def lines_validate(lines: Sequence[LineInput]) -> list[tuple[Product, Decimal, Decimal]]:
    """The lines as (product, quantity, unit price) once the rules hold: at least one line, products still sold,
    quantities above zero with at most three decimals, prices not negative (else the catalogue price)."""
    if not lines:
        raise ApplicationError(gettext("Add at least one line."), field="lines")
    result = []
    for i, line in enumerate(lines, start=1):
        product = line.product
        if not product.is_active:
            raise ApplicationError(
                gettext("Line %(i)s: %(sku)s is no longer sold.") % {"i": i, "sku": product.sku}, field="lines"
            )
        quantity = line.quantity
        if quantity <= 0:
            raise ApplicationError(
                gettext("Line %(i)s: the quantity must be more than zero.") % {"i": i}, field="lines"
            )
        if quantity != quantity.quantize(Decimal("0.001")):
            raise ApplicationError(gettext("Line %(i)s: at most three decimal places.") % {"i": i}, field="lines")
        if line.unit_price is None:
            price = money(product.unit_price)
        else:
            if line.unit_price < 0:
                raise ApplicationError(
                    gettext("Line %(i)s: the unit price cannot be negative.") % {"i": i}, field="lines"
                )
            price = money(line.unit_price)
        result.append((product, quantity, price))
    return result


@dataclass
class Quote:
    """What a purchase would cost now: used by the recording service and the live preview."""

    lines: list[dict]
    gross_total: Decimal
    eligible_total: Decimal
    discount_percent: Decimal
    discount_amount: Decimal
    net_total: Decimal
    tier: DiscountTier | None
    cumulative_before: Decimal


def purchase_quote(
    *,
    validated_lines: list[tuple[Product, Decimal, Decimal]],
    cumulative_before: Decimal,
    percent_override: Decimal | None = None,
    tiers: list[DiscountTier] | None = None,
) -> Quote:
    """Apply the tier rule: the percent of the highest tier whose threshold <= the total BEFORE this purchase,
    on discount-eligible lines; the discount is rounded half-up to cents on the eligible total and shared
    among the eligible lines in proportion to their gross (largest-remainder cents)."""
    tier = tier_for_total(cumulative_before, tiers)
    percent = tier_percent(tier) if percent_override is None else percent_override
    lines = []
    for product, quantity, price in validated_lines:
        lines.append(
            {
                "product": product,
                "quantity": quantity,
                "unit_price": price,
                "gross": money(quantity * price),
                "eligible": product.discount_eligible,
            }
        )
    gross_total = sum((line["gross"] for line in lines), ZERO)
    eligible_total = sum((line["gross"] for line in lines if line["eligible"]), ZERO)
    discount_total = percent_of(eligible_total, percent)
    for line in lines:
        line["discount"] = ZERO
    eligible_lines = [line for line in lines if line["eligible"] and line["gross"] > 0]
    if eligible_lines and discount_total:
        # Largest remainder: whole cents in proportion to each line's gross, the leftover cents to the lines
        # with the largest fractions, so every share is >= 0 and the shares add up to the discount exactly.
        total_cents = int(discount_total * 100)
        exact = [Decimal(total_cents) * line["gross"] / eligible_total for line in eligible_lines]
        cents = [int(x) for x in exact]
        order = sorted(range(len(exact)), key=lambda i: exact[i] - cents[i], reverse=True)
        for i in order[: total_cents - sum(cents)]:
            cents[i] += 1
        for line, share in zip(eligible_lines, cents, strict=True):
            line["discount"] = money(Decimal(share) / 100)
    for line in lines:
        line["net"] = line["gross"] - line["discount"]
    return Quote(
        lines=lines,
        gross_total=gross_total,
        eligible_total=eligible_total,
        discount_percent=money(percent),
        discount_amount=discount_total,
        net_total=gross_total - discount_total,
        tier=tier,
        cumulative_before=cumulative_before,
    )


def purchase_preview(*, client, lines: Sequence[LineInput]) -> Quote:
    """The quote for a purchase not yet recorded (no lock: the figures are a preview)."""
    account = ClientAccount.objects.filter(client=client).first()
    before = account.cumulative_total if account else ZERO
    return purchase_quote(validated_lines=lines_validate(lines), cumulative_before=before)
