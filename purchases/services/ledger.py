"""The ledger services: sales, returns and discount corrections. Each is appended by the one ledger-entry writer
(entries.entry_write) under the client's account lock; nothing here updates or deletes an entry. Sales and
returns may carry an `external_id`: a repeat answers the first entry (idempotency.write_once)."""

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext

from crm.exceptions import ApplicationError
from crm.money import ZERO, money
from crm.roles import is_admin

from ..models import DiscountOverride, Purchase, PurchaseLine
from .credit_notes import credit_note_request_for_entry
from .entries import (
    EntryLine,
    entry_account_lock,
    entry_by_external_id,
    entry_client_lock,
    entry_head_client_lock,
    entry_same_client,
    entry_write,
)
from .idempotency import write_once
from .price_overrides import price_overrides_check, price_overrides_record
from .pricing import LineInput, lines_validate, purchase_quote, tier_percent, tiers_ordered
from .weights import weights_on


def _qty(value) -> Decimal:
    return Decimal(value).quantize(Decimal("0.001"))


# --- sales -------------------------------------------------------------------------------------------------


@transaction.atomic
def purchase_record(
    *,
    client,
    lines: Sequence[LineInput],
    by,
    external_id: str | None = None,
    purchased_at: datetime | None = None,
    discount_override: Decimal | None = None,
    reason: str = "",
) -> tuple[Purchase, bool]:
    """Record a sale in the ledger: `(purchase, created)`. The client's account row is locked, so concurrent
    recordings for one client queue up and each sees the total left by the one before. `external_id` makes
    posting idempotent: a repeat answers the purchase recorded the first time, with created=False."""
    external_id = (external_id or "").strip() or None
    return write_once(
        key=external_id,
        find=entry_by_external_id,
        same_request=lambda existing: entry_same_client(existing, client),
        write=lambda: _sale_write(
            client=client,
            lines=lines,
            by=by,
            external_id=external_id,
            purchased_at=purchased_at,
            discount_override=discount_override,
            reason=reason,
        ),
    )


def _sale_write(*, client, lines, by, external_id, purchased_at, discount_override, reason) -> Purchase:
    validated = lines_validate(lines)
    overridden_prices = price_overrides_check(lines=lines, validated=validated)
    override = discount_override
    if override is not None:
        if not is_admin(by):
            raise ApplicationError(
                gettext("Only an administrator may override the discount."), field="discount_override"
            )
        if not Decimal("0") <= override <= Decimal("100"):
            raise ApplicationError(gettext("The discount must be between 0 and 100%."), field="discount_override")
        if not (reason or "").strip():
            raise ApplicationError(gettext("Give the reason for overriding the discount."), field="reason")
    now = timezone.now()
    purchased_at = purchased_at or now
    if purchased_at > now + timedelta(minutes=5):
        raise ApplicationError(gettext("A purchase cannot be dated in the future."), field="purchased_at")
    followup_client = client
    client = entry_client_lock(client)  # re-read under lock: a client merged away meanwhile is refused
    account = entry_account_lock(client, external_id=external_id)
    tiers = tiers_ordered()
    quote = purchase_quote(
        validated_lines=validated, cumulative_before=account.cumulative_total, percent_override=override, tiers=tiers
    )
    weights = weights_on([p for p, _, _ in validated], timezone.localdate(purchased_at))
    purchase = entry_write(
        account=account,
        client=client,
        kind=Purchase.Kind.SALE,
        at=purchased_at,
        by=by,
        lines=[
            EntryLine(
                product=line["product"],
                quantity=line["quantity"],
                unit_price=line["unit_price"],
                gross=line["gross"],
                discount=line["discount"],
                unit_cost=money(line["product"].unit_cost),
                discount_eligible=line["eligible"],
                incentive_weight=weights[line["product"].pk],
            )
            for line in quote.lines
        ],
        discount_percent=quote.discount_percent,
        tier=quote.tier,
        tiers=tiers,
        external_id=external_id,
        discount_override_reason=reason.strip() if override is not None else "",
    )
    if override is not None:
        DiscountOverride.objects.create(
            purchase=purchase,
            by=by,
            computed_percent=tier_percent(quote.tier),
            override_percent=override,
            reason=reason.strip(),
        )
    price_overrides_record(purchase=purchase, written_lines=purchase.written_lines, overridden=overridden_prices, by=by)
    _key_product_followups(purchase=purchase, client=followup_client, products=[p for p, _, _ in validated], by=by)
    return purchase


def _key_product_followups(*, purchase, client, products, by) -> None:
    key_products = {p.pk: p for p in products if p.is_key}
    if not key_products or client.manager_id is None:
        return
    from clients import services as client_services

    day = timezone.localdate(purchase.purchased_at)
    for product in key_products.values():
        client_services.task_create(
            client=client,
            assignee=client.manager,
            title=f"Consultation after the purchase of {product.name}",
            due_date=day + timedelta(days=product.consultation_after_days),
            kind="consultation",
            details=f"{client.name} bought the key product {product.sku} {product.name} (purchase #{purchase.pk}).",
            created_by=by,
            source=f"purchase:{purchase.pk}:{product.pk}",
        )


# --- returns and corrections -------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReturnLineInput:
    """How much of a line of the sale comes back."""

    line: PurchaseLine
    quantity: Decimal

    def __post_init__(self):
        if not isinstance(self.line, PurchaseLine) or not isinstance(self.quantity, Decimal):
            raise TypeError("ReturnLineInput takes a PurchaseLine and a Decimal quantity")


@transaction.atomic
def purchase_return(
    *,
    original: Purchase,
    by,
    lines: Sequence[ReturnLineInput] | None = None,
    external_id: str | None = None,
    reason: str = "",
    returned_at: datetime | None = None,
) -> tuple[Purchase, bool]:
    """Return some lines or, with no lines, all that is left: `(entry, created)`. A new ledger entry with
    negative amounts, including the proportional share of the discount; the last unit of a line takes exactly
    what is left of it. `external_id` makes posting idempotent, as for purchase_record."""
    external_id = (external_id or "").strip() or None
    return write_once(
        key=external_id,
        find=entry_by_external_id,
        same_request=lambda existing: entry_same_client(existing, original.client),  # or its survivor
        write=lambda: _return_write(
            original=original, by=by, lines=lines, external_id=external_id, reason=reason, returned_at=returned_at
        ),
    )


def _return_write(*, original, by, lines, external_id, reason, returned_at) -> Purchase:
    if original.kind != Purchase.Kind.SALE:
        raise ApplicationError(gettext("Only a sale can be returned."), field="original")
    # The return goes to the client the sale's lineage ends at (the survivor when the sale's client was merged).
    client = entry_head_client_lock(original.client_id)
    account = entry_account_lock(client, external_id=external_id)
    original_lines = {line.pk: line for line in original.lines.select_related("product")}
    returned = defaultdict(lambda: {"quantity": Decimal("0"), "gross": ZERO, "discount": ZERO})
    for row in (
        PurchaseLine.objects.filter(original_line__in=original_lines.keys(), purchase__kind=Purchase.Kind.RETURN)
        .values("original_line_id")
        .annotate(q=Sum("quantity"), g=Sum("gross_amount"), d=Sum("discount_amount"))
    ):
        returned[row["original_line_id"]] = {
            "quantity": -_qty(row["q"]),
            "gross": -money(row["g"]),
            "discount": -money(row["d"]),
        }
    wanted: dict[int, Decimal] = {}
    if not lines:
        for pk, line in original_lines.items():
            left = line.quantity - returned[pk]["quantity"]
            if left > 0:
                wanted[pk] = left
        if not wanted:
            raise ApplicationError(gettext("Everything in this purchase was already returned."), field="lines")
    else:
        for i, item in enumerate(lines, start=1):
            if item.line.pk not in original_lines:
                raise ApplicationError(
                    gettext("Line %(i)s: that line is not part of this purchase.") % {"i": i}, field="lines"
                )
            if item.quantity <= 0:
                raise ApplicationError(
                    gettext("Line %(i)s: the quantity must be more than zero.") % {"i": i}, field="lines"
                )
            wanted[item.line.pk] = wanted.get(item.line.pk, Decimal("0")) + item.quantity
    built = []
    for line_id, quantity in wanted.items():
        line = original_lines[line_id]
        done = returned[line_id]
        left = line.quantity - done["quantity"]
        if quantity > left:
            raise ApplicationError(
                gettext("%(sku)s: %(quantity)s cannot be returned, only %(left)s of %(quantity2)s is left.")
                % {"sku": line.product.sku, "quantity": quantity, "left": left, "quantity2": line.quantity},
                field="lines",
            )
        if quantity == left:  # the last of the line: exactly what is left, so the sums come back to zero
            gross = line.gross_amount - done["gross"]
            discount = line.discount_amount - done["discount"]
        else:
            gross = money(line.gross_amount * quantity / line.quantity)
            discount = money(line.discount_amount * quantity / line.quantity)
        built.append((line, quantity, gross, discount))
    entry = entry_write(
        account=account,
        client=client,
        kind=Purchase.Kind.RETURN,
        at=returned_at or timezone.now(),
        by=by,
        lines=[
            EntryLine(
                product=line.product,
                original_line=line,
                quantity=-quantity,
                unit_price=line.unit_price,
                gross=-gross,
                discount=-discount,
                unit_cost=line.unit_cost,
                discount_eligible=line.discount_eligible,
                incentive_weight=line.incentive_weight,
            )
            for line, quantity, gross, discount in built
        ],
        discount_percent=original.discount_percent,
        tier=original.tier,
        original=original,
        external_id=external_id,
        note=(reason or "").strip(),
    )
    credit_note_request_for_entry(entry=entry)  # an invoiced sale: credited, never re-invoiced
    return entry


@transaction.atomic
def purchase_discount_override(*, purchase: Purchase, percent: Decimal, reason: str, by) -> Purchase:
    """An administrator changes a recorded sale's discount: a correction entry carries the difference (the
    sale itself never changes) and the override is audited."""
    if not is_admin(by):
        raise ApplicationError(gettext("Only an administrator may override the discount."), field="percent")
    if purchase.kind != Purchase.Kind.SALE:
        raise ApplicationError(gettext("Only a sale's discount can be overridden."), field="purchase")
    if not Decimal("0") <= percent <= Decimal("100"):
        raise ApplicationError(gettext("The discount must be between 0 and 100%."), field="percent")
    if not (reason or "").strip():
        raise ApplicationError(gettext("Give the reason for overriding the discount."), field="reason")
    client = entry_head_client_lock(purchase.client_id)  # the survivor when the sale's client was merged
    account = entry_account_lock(client)
    original_lines = list(purchase.lines.select_related("product"))
    corrections = (
        PurchaseLine.objects.filter(original_line__in=original_lines, purchase__kind=Purchase.Kind.CORRECTION)
        .values("original_line_id")
        .annotate(d=Sum("discount_amount"))
    )
    corrected = {row["original_line_id"]: money(row["d"]) for row in corrections}
    quote = purchase_quote(
        validated_lines=[(line.product, line.quantity, line.unit_price) for line in original_lines],
        cumulative_before=purchase.cumulative_before,
        percent_override=percent,
    )
    deltas = []
    for line, new in zip(original_lines, quote.lines, strict=True):
        new_discount = new["discount"] if line.discount_eligible else ZERO
        delta = new_discount - (line.discount_amount + corrected.get(line.pk, ZERO))
        deltas.append((line, delta))
    discount_delta = sum((d for _, d in deltas), ZERO)
    if discount_delta == 0:
        raise ApplicationError(gettext("The discount is already that."), field="percent")
    correction = entry_write(
        account=account,
        client=client,
        kind=Purchase.Kind.CORRECTION,
        at=timezone.now(),
        by=by,
        lines=[
            EntryLine(
                product=line.product,
                original_line=line,
                quantity=Decimal("0"),
                unit_price=line.unit_price,
                gross=ZERO,
                discount=delta,
                unit_cost=line.unit_cost,
                discount_eligible=line.discount_eligible,
                incentive_weight=line.incentive_weight,
            )
            for line, delta in deltas
            if delta
        ],
        discount_percent=money(percent),
        tier=purchase.tier,
        original=purchase,
        discount_override_reason=reason.strip(),
    )
    DiscountOverride.objects.create(
        purchase=purchase,
        correction=correction,
        by=by,
        computed_percent=purchase.discount_percent,
        override_percent=percent,
        reason=reason.strip(),
    )
    credit_note_request_for_entry(entry=correction)
    return correction
