"""The ledger: sales, returns and discount corrections, appended under the client's account lock. Nothing here
updates or deletes an entry."""

from collections import defaultdict
from datetime import datetime, timedelta
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone

from crm.exceptions import ApplicationError
from crm.money import ZERO, money
from crm.roles import is_admin

from ..models import DiscountOverride, Purchase, PurchaseLine, TierChange
from .accounts import account_lock, account_move
from .pricing import _decimal, lines_validate, purchase_quote, tier_percent, tiers_ordered
from .weights import weights_on


def _qty(value) -> Decimal:
    return Decimal(value).quantize(Decimal("0.001"))


def purchase_record(
    *,
    client,
    lines,
    by,
    external_id: str | None = None,
    purchased_at: datetime | None = None,
    discount_override=None,
    reason: str = "",
) -> Purchase:
    """Record a sale in the ledger. The client's account row is locked, so concurrent recordings for one
    client queue up and each sees the total left by the one before. `external_id` makes posting idempotent:
    a repeat answers the purchase recorded the first time."""
    external_id = (external_id or "").strip() or None
    if external_id:
        existing = Purchase.objects.filter(external_id=external_id).first()
        if existing is not None:
            return _same_client_or_conflict(existing, client)
    try:
        return _purchase_record(
            client=client,
            lines=lines,
            by=by,
            external_id=external_id,
            purchased_at=purchased_at,
            discount_override=discount_override,
            reason=reason,
        )
    except IntegrityError:
        # Two posts of one external_id raced; the other one won: answer its result.
        if external_id:
            existing = Purchase.objects.filter(external_id=external_id).first()
            if existing is not None:
                return _same_client_or_conflict(existing, client)
        raise


def _same_client_or_conflict(existing: Purchase, client) -> Purchase:
    if existing.client_id != client.pk:
        from crm.exceptions import ConflictError

        raise ConflictError("This external_id was already used for another client.", field="external_id")
    existing.replayed = True  # the API answers 200 with the first result instead of 201
    return existing


@transaction.atomic
def _purchase_record(*, client, lines, by, external_id, purchased_at, discount_override, reason) -> Purchase:
    if getattr(client, "merged_into_id", None):
        raise ApplicationError(f"This client was merged into client #{client.merged_into_id}.", field="client")
    validated = lines_validate(lines)
    override = None
    if discount_override is not None and discount_override != "":
        if not is_admin(by):
            raise ApplicationError("Only an administrator may override the discount.", field="discount_override")
        override = _decimal(discount_override, field="discount_override")
        if not Decimal("0") <= override <= Decimal("100"):
            raise ApplicationError("The discount must be between 0 and 100%.", field="discount_override")
        if not (reason or "").strip():
            raise ApplicationError("Give the reason for overriding the discount.", field="reason")
    now = timezone.now()
    purchased_at = purchased_at or now
    if purchased_at > now + timedelta(minutes=5):
        raise ApplicationError("A purchase cannot be dated in the future.", field="purchased_at")
    # A post of the same external_id that won the race makes the INSERT below fail on the unique external_id
    # (after waiting for that transaction): IntegrityError, answered by purchase_record with the first result.
    account = account_lock(client)
    tiers = tiers_ordered()
    quote = purchase_quote(
        validated_lines=validated, cumulative_before=account.cumulative_total, percent_override=override, tiers=tiers
    )
    counts = account.window_start is None or purchased_at >= account.window_start
    before = account.cumulative_total
    after = before + quote.net_total if counts else before
    purchase = Purchase.objects.create(
        client=client,
        kind=Purchase.Kind.SALE,
        external_id=external_id,
        purchased_at=purchased_at,
        recorded_by=by,
        gross_total=quote.gross_total,
        discount_percent=quote.discount_percent,
        discount_amount=quote.discount_amount,
        net_total=quote.net_total,
        tier=quote.tier,
        cumulative_before=before,
        cumulative_after=after,
        discount_override_reason=(reason or "").strip() if override is not None else "",
    )
    weights = weights_on([p for p, _, _ in validated], timezone.localdate(purchased_at))
    PurchaseLine.objects.bulk_create(
        [
            PurchaseLine(
                purchase=purchase,
                product=line["product"],
                quantity=line["quantity"],
                unit_price=line["unit_price"],
                gross_amount=line["gross"],
                discount_amount=line["discount"],
                net_amount=line["net"],
                unit_cost=money(line["product"].unit_cost),
                discount_eligible=line["eligible"],
                incentive_weight=weights[line["product"].pk],
            )
            for line in quote.lines
        ]
    )
    if override is not None:
        computed = tier_percent(quote.tier)
        DiscountOverride.objects.create(
            purchase=purchase, by=by, computed_percent=computed, override_percent=override, reason=reason.strip()
        )
    account_move(
        account=account,
        client=client,
        delta=quote.net_total,
        cause=TierChange.Cause.PURCHASE,
        purchase=purchase,
        counts=counts,
        tiers=tiers,
    )
    _key_product_followups(purchase=purchase, client=client, products=[p for p, _, _ in validated], by=by)
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


# --- returns and corrections -----------------------------------------------------------------------------


def purchase_return(
    *, original: Purchase, by, lines=None, external_id: str | None = None, reason: str = "", returned_at=None
) -> Purchase:
    """Return some lines (`lines`: [{"line": PurchaseLine or id, "quantity": q}]) or, with no lines, all that is
    left. A new ledger entry with negative amounts, including the proportional share of the discount."""
    external_id = (external_id or "").strip() or None
    if external_id:
        existing = Purchase.objects.filter(external_id=external_id).first()
        if existing is not None:
            return _same_client_or_conflict(existing, original.client)
    try:
        return _purchase_return(
            original=original, by=by, lines=lines, external_id=external_id, reason=reason, returned_at=returned_at
        )
    except IntegrityError:
        if external_id:
            existing = Purchase.objects.filter(external_id=external_id).first()
            if existing is not None:
                return _same_client_or_conflict(existing, original.client)
        raise


@transaction.atomic
def _purchase_return(*, original, by, lines, external_id, reason, returned_at) -> Purchase:
    if original.kind != Purchase.Kind.SALE:
        raise ApplicationError("Only a sale can be returned.", field="original")
    client = original.client
    account = account_lock(client)  # every entry of this client goes through this lock
    if external_id and Purchase.objects.filter(external_id=external_id).exists():
        raise IntegrityError("external_id taken while waiting for the lock")
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
            raise ApplicationError("Everything in this purchase was already returned.", field="lines")
    else:
        for i, raw in enumerate(lines, start=1):
            ref = raw.get("line") if isinstance(raw, dict) else None
            line_id = ref.pk if isinstance(ref, PurchaseLine) else ref
            try:
                line_id = int(line_id)
            except (TypeError, ValueError):
                raise ApplicationError(f"Line {i}: choose a line of the purchase.", field="lines")
            if line_id not in original_lines:
                raise ApplicationError(f"Line {i}: that line is not part of this purchase.", field="lines")
            quantity = _decimal(raw.get("quantity"), field="lines")
            if quantity <= 0:
                raise ApplicationError(f"Line {i}: the quantity must be more than zero.", field="lines")
            wanted[line_id] = wanted.get(line_id, Decimal("0")) + quantity
    built = []
    for line_id, quantity in wanted.items():
        line = original_lines[line_id]
        done = returned[line_id]
        left = line.quantity - done["quantity"]
        if quantity > left:
            raise ApplicationError(
                f"{line.product.sku}: {quantity} cannot be returned, only {left} of {line.quantity} is left.",
                field="lines",
            )
        if quantity == left:  # the last of the line: exactly what is left, so the sums come back to zero
            gross = line.gross_amount - done["gross"]
            discount = line.discount_amount - done["discount"]
        else:
            gross = money(line.gross_amount * quantity / line.quantity)
            discount = money(line.discount_amount * quantity / line.quantity)
        built.append((line, quantity, gross, discount))
    gross_total = sum((g for _, _, g, _ in built), ZERO)
    discount_total = sum((d for _, _, _, d in built), ZERO)
    net_total = gross_total - discount_total
    returned_at = returned_at or timezone.now()
    # Every entry counts by its own date, like the ledger sum verify_ledger compares with.
    counts = account.window_start is None or returned_at >= account.window_start
    before = account.cumulative_total
    after = before - net_total if counts else before
    entry = Purchase.objects.create(
        client=client,
        kind=Purchase.Kind.RETURN,
        original=original,
        external_id=external_id,
        purchased_at=returned_at,
        recorded_by=by,
        gross_total=-gross_total,
        discount_percent=original.discount_percent,
        discount_amount=-discount_total,
        net_total=-net_total,
        tier=original.tier,
        cumulative_before=before,
        cumulative_after=after,
        note=(reason or "").strip(),
    )
    PurchaseLine.objects.bulk_create(
        [
            PurchaseLine(
                purchase=entry,
                product=line.product,
                original_line=line,
                quantity=-quantity,
                unit_price=line.unit_price,
                gross_amount=-gross,
                discount_amount=-discount,
                net_amount=-(gross - discount),
                unit_cost=line.unit_cost,
                discount_eligible=line.discount_eligible,
                incentive_weight=line.incentive_weight,
            )
            for line, quantity, gross, discount in built
        ]
    )
    account_move(
        account=account,
        client=client,
        delta=-net_total,
        cause=TierChange.Cause.RETURN,
        purchase=entry,
        counts=counts,
        tiers=tiers_ordered(),
    )
    return entry


@transaction.atomic
def purchase_discount_override(*, purchase: Purchase, percent, reason: str, by) -> Purchase:
    """An administrator changes a recorded sale's discount: a correction entry carries the difference (the
    sale itself never changes) and the override is audited."""
    if not is_admin(by):
        raise ApplicationError("Only an administrator may override the discount.", field="percent")
    if purchase.kind != Purchase.Kind.SALE:
        raise ApplicationError("Only a sale's discount can be overridden.", field="purchase")
    percent = _decimal(percent, field="percent")
    if not Decimal("0") <= percent <= Decimal("100"):
        raise ApplicationError("The discount must be between 0 and 100%.", field="percent")
    if not (reason or "").strip():
        raise ApplicationError("Give the reason for overriding the discount.", field="reason")
    client = purchase.client
    account = account_lock(client)
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
        raise ApplicationError("The discount is already that.", field="percent")
    corrected_at = timezone.now()
    counts = account.window_start is None or corrected_at >= account.window_start
    before = account.cumulative_total
    after = before - discount_delta if counts else before
    entry = Purchase.objects.create(
        client=client,
        kind=Purchase.Kind.CORRECTION,
        original=purchase,
        purchased_at=corrected_at,
        recorded_by=by,
        gross_total=ZERO,
        discount_percent=money(percent),
        discount_amount=discount_delta,
        net_total=-discount_delta,
        tier=purchase.tier,
        cumulative_before=before,
        cumulative_after=after,
        discount_override_reason=reason.strip(),
    )
    PurchaseLine.objects.bulk_create(
        [
            PurchaseLine(
                purchase=entry,
                product=line.product,
                original_line=line,
                quantity=Decimal("0"),
                unit_price=line.unit_price,
                gross_amount=ZERO,
                discount_amount=delta,
                net_amount=-delta,
                unit_cost=line.unit_cost,
                discount_eligible=line.discount_eligible,
                incentive_weight=line.incentive_weight,
            )
            for line, delta in deltas
            if delta
        ]
    )
    DiscountOverride.objects.create(
        purchase=purchase,
        correction=entry,
        by=by,
        computed_percent=purchase.discount_percent,
        override_percent=percent,
        reason=reason.strip(),
    )
    account_move(
        account=account,
        client=client,
        delta=-discount_delta,
        cause=TierChange.Cause.CORRECTION,
        purchase=entry,
        counts=counts,
        tiers=tiers_ordered(),
    )
    return entry
