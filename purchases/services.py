"""The only code that writes the catalogue and the ledger (invoices: purchases.invoicing, re-exported here)."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation

from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone

from clients import messaging as client_messaging
from crm.exceptions import ApplicationError
from crm.money import ZERO, money, percent_of
from crm.roles import is_admin

from .models import (
    ClientAccount,
    DiscountOverride,
    DiscountPolicy,
    DiscountTier,
    Product,
    ProductWeight,
    Purchase,
    PurchaseLine,
    TierChange,
)

WEIGHTS_START = date(2000, 1, 1)  # effective date of a product's first weight: "since always"


# --- catalogue -------------------------------------------------------------------------------------------


@transaction.atomic
def product_weight_set(*, product: Product, weight, effective_from: date, by=None) -> ProductWeight:
    """Set a product's incentive weight from a date on (today or later: a backdated weight would move
    scores already earned). The first change also records the weight in force until then, so history is
    complete; the product's current weight is refreshed to the one in force today."""
    if effective_from < timezone.localdate():
        raise ApplicationError("A weight can take effect today or later, not in the past.", field="effective_from")
    weight = _decimal(weight, field="weight")
    if weight < 0:
        raise ApplicationError("A weight cannot be negative.", field="weight")
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


def _decimal(value, *, field: str) -> Decimal:
    if isinstance(value, float):
        value = str(value)
    try:
        result = Decimal(str(value).strip())
    except (InvalidOperation, ValueError, TypeError):
        raise ApplicationError("Enter a number.", field=field)
    if not result.is_finite():
        raise ApplicationError("Enter a number.", field=field)
    return result


# --- tiers -----------------------------------------------------------------------------------------------


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


def _percent(tier: DiscountTier | None) -> Decimal:
    return tier.percent if tier is not None else Decimal("0.00")


def _lock_account(client) -> ClientAccount:
    """The client's account row, locked for the rest of the transaction (created safely on first use:
    a concurrent first insert raises IntegrityError inside the savepoint, then we lock the winner's row)."""
    account = ClientAccount.objects.select_for_update().filter(client=client).first()
    if account is not None:
        return account
    policy = policy_get()
    try:
        with transaction.atomic():
            ClientAccount.objects.create(
                client=client, window_start=_window_start(policy) if policy.basis == policy.Basis.ROLLING else None
            )
    except IntegrityError:
        pass
    return ClientAccount.objects.select_for_update().get(client=client)


def policy_get() -> DiscountPolicy:
    policy, _ = DiscountPolicy.objects.get_or_create(pk=1)
    return policy


def _window_start(policy: DiscountPolicy, now: datetime | None = None) -> datetime:
    now = now or timezone.now()
    month = now.month - policy.window_months
    year = now.year
    while month <= 0:
        month += 12
        year -= 1
    import calendar

    day = min(now.day, calendar.monthrange(year, month)[1])  # 31 May minus 3 months is 28/29 February
    return now.replace(year=year, month=month, day=day)


def _tier_moved(*, account, client, old_tier, new_tier, before, after, cause, purchase=None, at=None, tiers=None):
    """Record a tier change (up or down) with its explanation; a move up notifies the client."""
    if (old_tier.pk if old_tier else None) == (new_tier.pk if new_tier else None):
        return None
    old_t = old_tier.threshold if old_tier else Decimal("-1")
    new_t = new_tier.threshold if new_tier else Decimal("-1")
    direction = TierChange.Direction.UP if new_t > old_t else TierChange.Direction.DOWN
    what = {
        TierChange.Cause.PURCHASE: f"Purchase #{purchase.pk}" if purchase else "A purchase",
        TierChange.Cause.RETURN: f"Return #{purchase.pk}" if purchase else "A return",
        TierChange.Cause.CORRECTION: f"Correction #{purchase.pk}" if purchase else "A correction",
        TierChange.Cause.RECOMPUTE: "The rolling-window recomputation",
        TierChange.Cause.MERGE: "Merging a duplicate client",
    }[cause]
    crossed = new_tier if direction == TierChange.Direction.UP else old_tier
    explanation = (
        f"{what} moved the cumulative total from {before} to {after}, "
        f"{'reaching' if direction == 'up' else 'falling below'} the threshold {crossed.threshold} "
        f"({crossed.percent}%)."
    )
    change = TierChange.objects.create(
        client=client,
        changed_at=at or timezone.now(),
        direction=direction,
        cause=cause,
        purchase=purchase,
        from_tier=old_tier,
        to_tier=new_tier,
        total_before=before,
        total_after=after,
        explanation=explanation,
    )
    if direction == TierChange.Direction.UP and new_tier is not None:
        client_messaging.notification_enqueue_for_client(
            client=client,
            event="tier_upgrade",
            dedup_key=f"tier_upgrade:{client.pk}:{new_tier.pk}",
            subject=f"You now get {new_tier.percent}% off",
            body=(
                f"Thank you, {client.name}: your purchases with us now total {after}, so every discount-eligible "
                f"purchase from now on gets {new_tier.percent}% off."
            ),
            context={"tier_id": new_tier.pk, "percent": str(new_tier.percent), "total": str(after)},
        )
    return change


def _apply_to_account(*, account, client, delta: Decimal, cause, purchase, counts: bool, tiers) -> Decimal:
    before = account.cumulative_total
    after = before + delta if counts else before
    new_tier = tier_for_total(after, tiers)
    old_tier = next((t for t in tiers if t.pk == account.tier_id), None)  # no extra query for the FK
    account.cumulative_total = after
    account.tier = new_tier
    account.save(update_fields=["cumulative_total", "tier", "updated_at"])
    _tier_moved(
        account=account,
        client=client,
        old_tier=old_tier,
        new_tier=new_tier,
        before=before,
        after=after,
        cause=cause,
        purchase=purchase,
    )
    return after


# --- recording -------------------------------------------------------------------------------------------


@dataclass
class LineInput:
    product: object  # Product, id or SKU
    quantity: object
    unit_price: object = None


def _as_line_input(raw, index: int) -> LineInput:
    if isinstance(raw, LineInput):
        return raw
    if isinstance(raw, dict):
        return LineInput(product=raw.get("product"), quantity=raw.get("quantity"), unit_price=raw.get("unit_price"))
    raise ApplicationError(f"Line {index + 1} is not a line.", field="lines")


def _resolve_products(raw_lines: list[LineInput]) -> dict:
    ids, skus, found = set(), set(), {}
    for line in raw_lines:
        ref = line.product
        if isinstance(ref, Product):
            found[("obj", ref.pk)] = ref
        elif isinstance(ref, int) or (isinstance(ref, str) and ref.strip().isdigit()):
            ids.add(int(ref))
        elif isinstance(ref, str) and ref.strip():
            skus.add(ref.strip())
    by_id, by_sku = {}, {}
    if ids or skus:
        from django.db.models import Q

        for product in Product.objects.filter(Q(pk__in=ids) | Q(sku__in=skus | {str(i) for i in ids})):
            by_id[product.pk] = product
            by_sku[product.sku] = product
    return {"id": by_id, "sku": by_sku}


def _product_of(ref, products) -> Product | None:
    if isinstance(ref, Product):
        return ref
    if isinstance(ref, int):
        return products["id"].get(ref)
    if isinstance(ref, str) and ref.strip():
        ref = ref.strip()
        return products["sku"].get(ref) or (products["id"].get(int(ref)) if ref.isdigit() else None)
    return None


def _validated_lines(lines) -> list[tuple[Product, Decimal, Decimal]]:
    if not lines:
        raise ApplicationError("Add at least one line.", field="lines")
    raw = [_as_line_input(line, i) for i, line in enumerate(lines)]
    products = _resolve_products(raw)
    result = []
    for i, line in enumerate(raw, start=1):
        product = _product_of(line.product, products)
        if product is None:
            raise ApplicationError(f"Line {i}: unknown product {line.product!r}.", field="lines")
        if not product.is_active:
            raise ApplicationError(f"Line {i}: {product.sku} is no longer sold.", field="lines")
        quantity = _decimal(line.quantity, field="lines")
        if quantity <= 0:
            raise ApplicationError(f"Line {i}: the quantity must be more than zero.", field="lines")
        if quantity != quantity.quantize(Decimal("0.001")):
            raise ApplicationError(f"Line {i}: at most three decimal places.", field="lines")
        if line.unit_price is None or line.unit_price == "":
            price = money(product.unit_price)
        else:
            price = _decimal(line.unit_price, field="lines")
            if price < 0:
                raise ApplicationError(f"Line {i}: the unit price cannot be negative.", field="lines")
            price = money(price)
        result.append((product, quantity, price))
    return result


def _qty(value) -> Decimal:
    return Decimal(value).quantize(Decimal("0.001"))


def _weights_on(products: list[Product], day: date) -> dict[int, Decimal]:
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


def purchase_quote(*, validated_lines, cumulative_before: Decimal, percent_override=None, tiers=None) -> Quote:
    """Apply the tier rule: the percent of the highest tier whose threshold <= the total BEFORE this purchase,
    on discount-eligible lines; the discount is rounded half-up to cents on the eligible total and shared
    among the eligible lines in proportion to their gross (largest-remainder cents)."""
    tier = tier_for_total(cumulative_before, tiers)
    percent = _percent(tier) if percent_override is None else percent_override
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


def purchase_preview(*, client, lines) -> Quote:
    """The quote for a purchase not yet recorded (no lock: the figures are a preview)."""
    account = ClientAccount.objects.filter(client=client).first()
    before = account.cumulative_total if account else ZERO
    return purchase_quote(validated_lines=_validated_lines(lines), cumulative_before=before)


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
    validated = _validated_lines(lines)
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
    account = _lock_account(client)
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
    weights = _weights_on([p for p, _, _ in validated], timezone.localdate(purchased_at))
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
        computed = _percent(quote.tier)
        DiscountOverride.objects.create(
            purchase=purchase, by=by, computed_percent=computed, override_percent=override, reason=reason.strip()
        )
    _apply_to_account(
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
    account = _lock_account(client)  # every entry of this client goes through this lock
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
    _apply_to_account(
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
    account = _lock_account(client)
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
    _apply_to_account(
        account=account,
        client=client,
        delta=-discount_delta,
        cause=TierChange.Cause.CORRECTION,
        purchase=entry,
        counts=counts,
        tiers=tiers_ordered(),
    )
    return entry


# --- recomputation and merges ----------------------------------------------------------------------------


def _ledger_total(client, window_start) -> Decimal:
    qs = Purchase.objects.filter(client=client)
    if window_start is not None:
        qs = qs.filter(purchased_at__gte=window_start)
    # money(): SQLite sums decimals as floats; PostgreSQL is exact either way.
    return money(qs.aggregate(total=Sum("net_total"))["total"] or ZERO)


@transaction.atomic
def client_account_recompute(*, client, cause: str = TierChange.Cause.RECOMPUTE, now=None) -> ClientAccount:
    """Recompute the client's total from the ledger under the policy's basis (a rolling window moves on, so
    the total and the tier can go down)."""
    account = _lock_account(client)
    policy = policy_get()
    window_start = _window_start(policy, now) if policy.basis == DiscountPolicy.Basis.ROLLING else None
    before = account.cumulative_total
    after = _ledger_total(client, window_start)
    old_tier = account.tier
    new_tier = tier_for_total(after)
    account.cumulative_total = after
    account.tier = new_tier
    account.window_start = window_start
    account.recomputed_at = now or timezone.now()
    account.save(update_fields=["cumulative_total", "tier", "window_start", "recomputed_at", "updated_at"])
    _tier_moved(
        account=account, client=client, old_tier=old_tier, new_tier=new_tier, before=before, after=after, cause=cause
    )
    return account


def client_accounts_recompute_all(*, now=None) -> int:
    """The daily job: every client with an account, each in its own short transaction."""
    from clients.models import Client

    count = 0
    for client in Client.objects.filter(account__isnull=False).only("id", "name").iterator():
        client_account_recompute(client=client, now=now)
        count += 1
    return count


@transaction.atomic
def client_accounts_merge(*, loser, survivor) -> ClientAccount:
    """The purchases step of the clients merge (see merge_step), run after the loser's ledger entries were
    moved to the survivor: the loser's account goes, and the survivor's total and tier are recomputed from
    the ledger (a tier change is kept in the history with the merge as its cause)."""
    ClientAccount.objects.filter(client=loser).delete()
    return client_account_recompute(client=survivor, cause=TierChange.Cause.MERGE)


def merge_step(*, survivor, loser) -> dict:
    """Registered with clients.hooks from PurchasesConfig.ready: the clients merge calls it in its transaction."""
    client_accounts_merge(loser=loser, survivor=survivor)
    return {"purchases.ClientAccount": 1}


from .catalogue import (  # noqa: E402  (re-exported: one place to call)
    catalogue_import_csv,
    category_save,
    policy_set,
    product_create,
    product_update,
    tier_delete,
    tier_save,
)
from .invoicing import (  # noqa: E402
    invoice_claim,
    invoice_counter_next,
    invoice_issue,
    invoice_mark_sent,
    invoice_payment_record,
    invoice_request,
    invoice_void,
    invoices_remind_overdue,
)

__all__ = [
    "catalogue_import_csv",
    "category_save",
    "policy_set",
    "product_create",
    "product_update",
    "tier_delete",
    "tier_save",
    "invoice_claim",
    "invoice_counter_next",
    "invoice_issue",
    "invoice_mark_sent",
    "invoice_payment_record",
    "invoice_request",
    "invoice_void",
    "invoices_remind_overdue",
]
