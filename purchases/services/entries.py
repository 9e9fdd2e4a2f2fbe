"""The one ledger-entry writer: every entry (sale, return, correction) is appended by entry_write, under the
client's account lock taken by entry_account_lock, and moves the account's running total and tier with it.
Nothing here updates or deletes an entry."""

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.utils.translation import gettext

from clients.models import Client
from crm.exceptions import ApplicationError, ConflictError
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


def _merged_away(client: Client, survivor_id: int) -> ApplicationError:
    survivor = Client.objects.filter(pk=survivor_id).only("id", "name").first()
    name = f"{survivor.name} (client #{survivor_id})" if survivor else f"client #{survivor_id}"
    return ApplicationError(
        gettext("%(name)s was merged into %(name2)s: record it on that client.") % {"name": client.name, "name2": name},
        field="client",
        code="merged",
    )


def entry_client_lock(client) -> Client:
    """Lock the client's row and re-read it inside the transaction, before the account: a sale for a client the
    merge has moved away is refused, naming the survivor. The merge locks both clients (by pk) before it touches
    an account, and an entry locks its one client before its account, so the two queue up instead of
    deadlocking, and an entry can never land on a client merged away meanwhile."""
    locked = Client.objects.select_for_update().get(pk=client.pk)
    if locked.merged_into_id:
        raise _merged_away(locked, locked.merged_into_id)
    return locked


def entry_head_client_lock(client_id: int) -> Client:
    """For a return or a correction of an entry recorded on `client_id`: the client its lineage ends at (the
    survivor when it was merged away; merged_into is kept flat), locked and re-read. Only that one client row is
    locked (never the loser's and then the survivor's, which a later merge locks in its own order)."""
    head_id = Client.objects.filter(pk=client_id).values_list("merged_into_id", flat=True).first() or client_id
    locked = Client.objects.select_for_update().get(pk=head_id)
    if locked.merged_into_id:  # merged meanwhile: refuse rather than hold one client and wait for another
        raise _merged_away(locked, locked.merged_into_id)
    return locked


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
    entry.written_lines = PurchaseLine.objects.bulk_create(  # in the order given (price_overrides reads them)
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


def _same_lineage(a: int, b: int) -> bool:
    heads = {
        pk: merged_into or pk
        for pk, merged_into in Client.objects.filter(pk__in=[a, b]).values_list("pk", "merged_into_id")
    }
    return heads.get(a) is not None and heads.get(a) == heads.get(b)


def entry_by_external_id(external_id: str) -> Purchase | None:
    return Purchase.objects.filter(external_id=external_id).first()


def entry_same_client(existing: Purchase, client) -> None:
    """The check write_once makes on a repeated external_id: the same post, so the same client (or, once the
    client the entry was recorded for has been merged, its survivor)."""
    if existing.client_id != client.pk and not _same_lineage(existing.client_id, client.pk):
        raise ConflictError(gettext("This external_id was already used for another client."), field="external_id")
