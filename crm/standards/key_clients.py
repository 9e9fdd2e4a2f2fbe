"""Key clients and the client-value ranking, read by the apps below the reports.

- The long-term-value ranking (ClientValueRank) is written by crm.reports each time it generates a value
  report (`value_ranking_replace`); complaints (priority) and the key-client rule read it here, since they may
  not import the reports app.
- The key-client rule (KeyClientRule, set by administrators) picks key clients by discount tier, by value rank
  (top N or top %) or by a manual flag. The tier lives in purchases, a higher layer: purchases registers a
  `tier source` from its AppConfig.ready() (`register_tier_source`), a function
  `source(min_percent) -> QuerySet of client ids whose current tier gives at least min_percent`.
A client whose projected value is zero or less (no purchases, or goodwill above margin) is never key by rank."""

import math
from collections.abc import Callable, Iterable
from decimal import Decimal

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from clients.models import Client
from crm.exceptions import ApplicationError
from crm.roles import is_admin

from .models import ClientValueRank, KeyClientFlag, KeyClientRule

tier_sources: list[Callable[[Decimal], QuerySet]] = []


def register_tier_source(source: Callable[[Decimal], QuerySet]) -> None:
    if source not in tier_sources:
        tier_sources.append(source)


# --- the value ranking --------------------------------------------------------------------------------------


@transaction.atomic
def value_ranking_replace(*, entries: Iterable[tuple[int, int, Decimal]], ranked_at) -> int:
    """Replace the ranking with `entries` (client id, position, projected value), best first, as of `ranked_at`
    (the report's as-of moment). Called by the reports app inside the transaction that stores a value report,
    so the ranking and the report agree; a report as of an earlier moment than the ranking held (a backfill)
    leaves it alone. Returns the rows written (0 when left alone)."""
    if ClientValueRank.objects.filter(ranked_at__gt=ranked_at).exists():
        return 0
    rows = [(client_id, position, value) for client_id, position, value in entries if client_id is not None]
    ClientValueRank.objects.all().delete()
    ClientValueRank.objects.bulk_create(
        (
            ClientValueRank(
                client_id=client_id,
                position=position,
                ranked_clients=len(rows),
                projected_value=Decimal(str(value or 0)).quantize(Decimal("0.01")),
                ranked_at=ranked_at,
            )
            for client_id, position, value in rows
        ),
        batch_size=5000,
    )
    return len(rows)


def value_rank_get(*, client_id: int) -> ClientValueRank | None:
    return ClientValueRank.objects.filter(client_id=client_id).first()


def ranking_exists() -> bool:
    return ClientValueRank.objects.exists()


def top_band(ranked_clients: int, percent: Decimal) -> int:
    """How many positions the top `percent`% covers: rounded up, so the top 10% of 15 clients is 2 positions,
    and any non-empty ranking with a positive percent has at least one."""
    if ranked_clients <= 0 or percent <= 0:
        return 0
    return math.ceil(Decimal(ranked_clients) * Decimal(percent) / Decimal(100))


# --- the key-client rule -----------------------------------------------------------------------------------


def key_client_rule() -> KeyClientRule:
    rule, _created = KeyClientRule.objects.get_or_create(pk=1)
    return rule


def key_client_ids(rule: KeyClientRule | None = None) -> QuerySet:
    """The key clients' ids, as a query to use in a filter (`client_id__in=key_client_ids()`): evaluated in the
    database with the query that uses it. One query to read the ranking's size for the top-% basis."""
    rule = rule or key_client_rule()
    B = KeyClientRule.Basis
    live = Client.objects.filter(merged_into__isnull=True)
    if rule.basis == B.FLAG:
        return live.filter(key_client_flag__isnull=False).values("pk")
    if rule.basis == B.TIER:
        if not tier_sources:
            return live.none().values("pk")
        return live.filter(pk__in=tier_sources[0](rule.min_tier_percent)).values("pk")
    ranked = ClientValueRank.objects.filter(projected_value__gt=0)
    if rule.basis == B.TOP_N:
        band = rule.top_n
    else:
        first = ClientValueRank.objects.values_list("ranked_clients", flat=True).first() or 0
        band = top_band(first, rule.top_percent)
    return live.filter(pk__in=ranked.filter(position__lte=band).values("client_id")).values("pk")


def is_key_client(*, client: Client) -> bool:
    return Client.objects.filter(pk=client.pk, pk__in=key_client_ids()).exists()


@transaction.atomic
def key_client_rule_update(
    *, by, basis: str, min_tier_percent: Decimal, top_n: int, top_percent: Decimal
) -> KeyClientRule:
    if not is_admin(by):
        raise ApplicationError(_("Only an administrator sets the key-client rule."), code="forbidden")
    if basis not in KeyClientRule.Basis.values:
        raise ApplicationError(_("Choose how key clients are chosen."), field="basis")
    if basis == KeyClientRule.Basis.TOP_N and top_n < 1:
        raise ApplicationError(_("The top must hold at least one client."), field="top_n")
    if basis == KeyClientRule.Basis.TOP_PERCENT and not (Decimal("0") < top_percent <= Decimal("100")):
        raise ApplicationError(_("Enter a share above 0 and at most 100."), field="top_percent")
    if basis == KeyClientRule.Basis.TIER and not (Decimal("0") < min_tier_percent <= Decimal("100")):
        # a 0% tier is no discount at all: "any tier" would make every client key
        raise ApplicationError(_("Enter a tier discount above 0 and at most 100."), field="min_tier_percent")
    rule, _created = KeyClientRule.objects.select_for_update().get_or_create(pk=1)
    rule.basis, rule.min_tier_percent, rule.top_n, rule.top_percent = basis, min_tier_percent, top_n, top_percent
    rule.updated_by = by
    rule.save()
    return rule


@transaction.atomic
def key_client_flag_set(*, client: Client, flagged: bool, by) -> bool:
    """Mark or unmark a client as key (the manual-flag basis). Administrators only."""
    if not is_admin(by):
        raise ApplicationError(_("Only an administrator marks key clients."), code="forbidden")
    if flagged:
        KeyClientFlag.objects.get_or_create(client=client, defaults={"flagged_by": by, "flagged_at": timezone.now()})
    else:
        KeyClientFlag.objects.filter(client=client).delete()
    return flagged


def merge_step(*, survivor: Client, loser: Client) -> dict:
    """Client merge (clients.hooks): a key-client flag on the loser passes to the survivor (a one-to-one row,
    which the merge does not move). The ranking is left as it is: the next value report ranks the lineage."""
    if KeyClientFlag.objects.filter(client=survivor).exists():
        return {}
    moved = KeyClientFlag.objects.filter(client=loser).update(client=survivor)
    return {"standards.KeyClientFlag": moved} if moved else {}
