"""Client accounts: the running cumulative total and tier of each client, locked while a ledger entry moves
them; the tier history with its explanations; the rolling-window recomputation and the clients-merge step."""

import calendar
from datetime import datetime
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from clients import messaging as client_messaging
from clients import selectors as client_selectors
from crm.money import ZERO, money, money_display

from .. import events
from ..models import ClientAccount, DiscountPolicy, DiscountTier, Invoice, Purchase, TierChange
from .pricing import tier_for_total


def policy_get() -> DiscountPolicy:
    policy, _ = DiscountPolicy.objects.get_or_create(pk=1)
    return policy


def window_start(policy: DiscountPolicy, now: datetime | None = None) -> datetime:
    """The start of the rolling window: `window_months` calendar months back from now."""
    now = now or timezone.now()
    month = now.month - policy.window_months
    year = now.year
    while month <= 0:
        month += 12
        year -= 1
    day = min(now.day, calendar.monthrange(year, month)[1])  # 31 May minus 3 months is 28/29 February
    return now.replace(year=year, month=month, day=day)


def account_lock(client) -> ClientAccount:
    """The client's account row, locked for the rest of the transaction (created safely on first use:
    a concurrent first insert raises IntegrityError inside the savepoint, then we lock the winner's row)."""
    account = ClientAccount.objects.select_for_update().filter(client=client).first()
    if account is not None:
        return account
    policy = policy_get()
    try:
        with transaction.atomic():
            ClientAccount.objects.create(
                client=client, window_start=window_start(policy) if policy.basis == policy.Basis.ROLLING else None
            )
    except IntegrityError:
        pass
    return ClientAccount.objects.select_for_update().get(client=client)


def tier_change_record(*, client, old_tier, new_tier, before, after, cause, purchase=None) -> TierChange | None:
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
        changed_at=timezone.now(),
        direction=direction,
        cause=cause,
        purchase=purchase,
        from_tier=old_tier,
        to_tier=new_tier,
        total_before=before,
        total_after=after,
        explanation=explanation,
    )
    events.tier_changed(change)
    if direction == TierChange.Direction.UP and new_tier is not None:
        with client_messaging.in_client_language(client):
            percent = formats.number_format(new_tier.percent, use_l10n=True)
            subject = _("You now get %(percent)s%% off") % {"percent": percent}
            body = _(
                "Thank you, %(name)s: your purchases with us now total %(total)s, so every discount-eligible "
                "purchase from now on gets %(percent)s%% off."
            ) % {"name": client.name, "total": money_display(after), "percent": percent}
        client_messaging.notification_enqueue_for_client(
            client=client,
            event="tier_upgrade",
            purpose=client_messaging.SERVICE,  # the client's account changed: not an offer
            dedup_key=f"tier_upgrade:{client.pk}:{new_tier.pk}",
            subject=subject,
            body=body,
            context={"tier_id": new_tier.pk, "percent": str(new_tier.percent), "total": str(after)},
        )
    return change


def account_move(
    *, account: ClientAccount, client, delta: Decimal, cause, purchase, counts: bool, tiers: list[DiscountTier]
) -> Decimal:
    """Move a locked account by a new ledger entry's net amount (when the entry counts under the window) and
    record the tier change it causes."""
    before = account.cumulative_total
    after = before + delta if counts else before
    new_tier = tier_for_total(after, tiers)
    old_tier = next((t for t in tiers if t.pk == account.tier_id), None)  # no extra query for the FK
    account.cumulative_total = after
    account.tier = new_tier
    account.save(update_fields=["cumulative_total", "tier", "updated_at"])
    tier_change_record(
        client=client, old_tier=old_tier, new_tier=new_tier, before=before, after=after, cause=cause, purchase=purchase
    )
    return after


def _ledger_total(client, since: datetime | None) -> Decimal:
    """SUM(net_total) over the client's lineage: its own entries and those of every client merged into it (a merge
    leaves entries on the client they were recorded for)."""
    qs = Purchase.objects.filter(client_selectors.client_lineage_q(client=client))
    if since is not None:
        qs = qs.filter(purchased_at__gte=since)
    # money(): SQLite sums decimals as floats; PostgreSQL is exact either way.
    return money(qs.aggregate(total=Sum("net_total"))["total"] or ZERO)


@transaction.atomic
def client_account_recompute(*, client, cause: str = TierChange.Cause.RECOMPUTE, now=None) -> ClientAccount:
    """Recompute the client's total from the ledger under the policy's basis (a rolling window moves on, so
    the total and the tier can go down)."""
    account = account_lock(client)
    policy = policy_get()
    since = window_start(policy, now) if policy.basis == DiscountPolicy.Basis.ROLLING else None
    before = account.cumulative_total
    after = _ledger_total(client, since)
    old_tier = account.tier
    new_tier = tier_for_total(after)
    account.cumulative_total = after
    account.tier = new_tier
    account.window_start = since
    account.recomputed_at = now or timezone.now()
    account.save(update_fields=["cumulative_total", "tier", "window_start", "recomputed_at", "updated_at"])
    tier_change_record(client=client, old_tier=old_tier, new_tier=new_tier, before=before, after=after, cause=cause)
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
    """The purchases step of the clients merge (see merge_step). The ledger is not moved (the loser's entries and
    tier history stay on the loser, registered with clients.hooks.keep_on_merge); the loser's account (a running
    total, not the ledger) goes, and the survivor's total and tier are recomputed over its lineage, the loser's
    entries included (a tier change is kept in the history with the merge as its cause)."""
    ClientAccount.objects.filter(client=loser).delete()
    return client_account_recompute(client=survivor, cause=TierChange.Cause.MERGE)


def merge_step(*, survivor, loser) -> dict:
    """Registered with clients.hooks from PurchasesConfig.ready: the clients merge calls it in its transaction,
    after locking both clients. Invoice requests not yet issued follow the client to the survivor (an issued
    invoice is a document addressed to the loser and stays, frozen, read over the survivor's lineage)."""
    moved_requests = Invoice.objects.filter(client=loser, number__isnull=True).update(client=survivor)
    client_accounts_merge(loser=loser, survivor=survivor)
    return {"purchases.ClientAccount": 1, **({"purchases.Invoice": moved_requests} if moved_requests else {})}
