"""The one ledger-entry writer: every entry (sale, return, correction) is appended by entry_write, under the
client's account lock taken by entry_account_lock, and moves the account's running total and tier with it.
Nothing here updates or deletes an entry."""

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from crm.exceptions import ConflictError
from crm.money import ZERO

from .. import events
from ..models import ClientAccount, DiscountTier, Product, Purchase, PurchaseLine, TierChange
from .accounts import account_lock, account_move
from .idempotency import KeyTaken
from .pricing import tiers_ordered


@dataclass(frozen=True)
class EntryLine:
    """A line of a new entry, amounts signed as stored (a return's are negative); net = gross - discount."""

    product: Product
    quantity: Decimal
    unit_price: Decimal
    gross: Decimal
    discount: Decimal
    unit_cost: Decimal
    discount_eligible: bool
    incentive_weight: Decimal
    original_line: PurchaseLine | None = None


TIER_CAUSE = {
    Purchase.Kind.SALE: TierChange.Cause.PURCHASE,
    Purchase.Kind.RETURN: TierChange.Cause.RETURN,
    Purchase.Kind.CORRECTION: TierChange.Cause.CORRECTION,
}


def entry_account_lock(client, *, external_id: str | None = None) -> ClientAccount:
    """Lock the client's account: every entry of this client goes through this lock, so each sees the total
    the one before left. A post of the same external_id that got the lock first has been recorded meanwhile:
    KeyTaken lets write_once answer that entry (before this one's checks, e.g. "already returned", refuse)."""
    account = account_lock(client)
    if external_id and Purchase.objects.filter(external_id=external_id).exists():
        raise KeyTaken(external_id)
    return account


def entry_write(
    *,
    account: ClientAccount,
    client,
    kind: str,
    at: datetime,
    by,
    lines: list[EntryLine],
    discount_percent: Decimal,
    tier: DiscountTier | None,
    tiers: list[DiscountTier] | None = None,
    original: Purchase | None = None,
    external_id: str | None = None,
    note: str = "",
    discount_override_reason: str = "",
) -> Purchase:
    """Append one entry (sale, return or correction) to a client's ledger, holding the lock on `account`: its
    totals are the sums of its lines, it carries the running total before and after it, and the account and
    the tier history move with it. An entry counts towards the total by its own date (a rolling window leaves
    out an entry dated before the window), like the ledger sum verify_ledger compares with."""
    gross_total = sum((line.gross for line in lines), ZERO)
    discount_total = sum((line.discount for line in lines), ZERO)
    net_total = gross_total - discount_total
    counts = account.window_start is None or at >= account.window_start
    before = account.cumulative_total
    entry = Purchase.objects.create(
        client=client,
        kind=kind,
        original=original,
        external_id=external_id,
        purchased_at=at,
        recorded_by=by,
        gross_total=gross_total,
        discount_percent=discount_percent,
        discount_amount=discount_total,
        net_total=net_total,
        tier=tier,
        cumulative_before=before,
        cumulative_after=before + net_total if counts else before,
        note=note,
        discount_override_reason=discount_override_reason,
    )
    PurchaseLine.objects.bulk_create(
        [
            PurchaseLine(
                purchase=entry,
                product=line.product,
                original_line=line.original_line,
                quantity=line.quantity,
                unit_price=line.unit_price,
                gross_amount=line.gross,
                discount_amount=line.discount,
                net_amount=line.gross - line.discount,
                unit_cost=line.unit_cost,
                discount_eligible=line.discount_eligible,
                incentive_weight=line.incentive_weight,
            )
            for line in lines
        ]
    )
    events.entry_recorded(entry)  # before the tier change it may cause, so subscribers see them in that order
    account_move(
        account=account,
        client=client,
        delta=net_total,
        cause=TIER_CAUSE[kind],
        purchase=entry,
        counts=counts,
        tiers=tiers if tiers is not None else tiers_ordered(),
    )
    return entry


def entry_by_external_id(external_id: str) -> Purchase | None:
    return Purchase.objects.filter(external_id=external_id).first()


def entry_same_client(existing: Purchase, client) -> None:
    """The check write_once makes on a repeated external_id: the same post, so the same client."""
    if existing.client_id != client.pk:
        raise ConflictError("This external_id was already used for another client.", field="external_id")
