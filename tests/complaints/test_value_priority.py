"""Complaint priority lifted by the client's value (complaints/rules.py, rule 2): the long-term-value ranking,
with the discount tier as the fallback; a 0% tier is no lift."""

from decimal import Decimal

import pytest
from django.utils import timezone

from complaints.rules import rank_lift, tier_lift
from complaints.services import complaint_create
from crm.standards import key_clients
from purchases.models import ClientAccount, DiscountTier
from tests.factories import ClientFactory


def priority(client) -> int:
    return complaint_create(client=client, text="x", channel="phone", severity="medium").priority


def with_tier(client, percent: str):
    tier, _ = DiscountTier.objects.get_or_create(
        percent=Decimal(percent), defaults={"threshold": Decimal(percent) * 100, "name": f"{percent}%"}
    )
    ClientAccount.objects.create(client=client, tier=tier, cumulative_total=Decimal(percent) * 100)
    return client


def rank(clients_values):
    key_clients.value_ranking_replace(
        entries=[(c.pk, i, v) for i, (c, v) in enumerate(clients_values, start=1)], ranked_at=timezone.now()
    )


@pytest.mark.django_db
def test_no_report_yet_the_tier_decides_and_a_zero_percent_tier_lifts_nothing():
    assert priority(with_tier(ClientFactory(), "0")) == 3  # the bug: a 0% tier used to lift to P2
    assert priority(with_tier(ClientFactory(), "5")) == 2
    assert priority(with_tier(ClientFactory(), "10")) == 1
    assert priority(ClientFactory()) == 3  # no tier, no purchases


@pytest.mark.django_db
def test_once_ranked_the_value_rank_decides_not_the_tier():
    clients = [ClientFactory() for _ in range(40)]
    rank([(c, Decimal(10_000 - i)) for i, c in enumerate(clients)])
    with_tier(clients[39], "10")  # a high tier but the bottom of the ranking: no lift
    assert priority(clients[0]) == 1  # the top rank: two steps
    assert priority(clients[39]) == 3


@pytest.mark.django_db
def test_the_boundaries_of_the_top_bands():
    # 40 ranked clients: top 5% = positions 1-2 (two steps), top 20% = positions 1-8 (one step)
    clients = [ClientFactory() for _ in range(40)]
    rank([(c, Decimal(10_000 - i)) for i, c in enumerate(clients)])
    assert [priority(clients[i]) for i in (1, 2, 7, 8)] == [1, 2, 2, 3]


@pytest.mark.django_db
def test_a_ranked_client_without_purchases_is_not_lifted_and_an_unranked_client_falls_back_to_the_tier():
    idle, buyer = ClientFactory(), ClientFactory()
    rank([(idle, Decimal("0")), (buyer, Decimal("-5"))])
    assert priority(idle) == 3  # first place with nothing bought is no value
    newcomer = with_tier(ClientFactory(), "5")  # joined after the report: the tier decides
    assert priority(newcomer) == 2


@pytest.mark.parametrize(
    "position, ranked, value, lift",
    [(1, 1, "1", 2), (1, 20, "1", 2), (2, 20, "1", 1), (4, 20, "1", 1), (5, 20, "1", 0), (1, 20, "0", 0)],
)
def test_rank_lift(position, ranked, value, lift):
    assert rank_lift(position=position, ranked_clients=ranked, projected_value=Decimal(value)) == lift


@pytest.mark.parametrize("percent, lift", [(None, 0), ("0", 0), ("0.00", 0), ("0.5", 1), ("9.99", 1), ("10", 2)])
def test_tier_lift(percent, lift):
    assert tier_lift(None if percent is None else Decimal(percent)) == lift
