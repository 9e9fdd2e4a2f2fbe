"""The key-client rule (tier, value rank top N or top %, manual flag) and the value ranking the reports write."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from crm.exceptions import ApplicationError
from crm.standards import key_clients
from crm.standards.models import ClientValueRank, KeyClientRule
from purchases.models import ClientAccount, DiscountTier
from tests.factories import ClientFactory

pytestmark = pytest.mark.django_db


def ranking(*clients_values):
    """Write a ranking: (client, projected value) best first."""
    key_clients.value_ranking_replace(
        entries=[(c.pk, i, v) for i, (c, v) in enumerate(clients_values, start=1)], ranked_at=timezone.now()
    )


def keys(**rule) -> set[int]:
    rule_obj = KeyClientRule(**rule)
    return set(key_clients.key_client_ids(rule_obj).values_list("pk", flat=True))


def test_by_manual_flag(administrator):
    flagged, other = ClientFactory(), ClientFactory()
    key_clients.key_client_flag_set(client=flagged, flagged=True, by=administrator)
    assert keys(basis="flag") == {flagged.pk} and other.pk not in keys(basis="flag")
    key_clients.key_client_flag_set(client=flagged, flagged=False, by=administrator)
    assert keys(basis="flag") == set()


def test_by_tier_a_zero_percent_tier_is_never_key():
    zero = DiscountTier.objects.create(threshold=Decimal("0"), percent=Decimal("0"), name="Base")
    gold = DiscountTier.objects.create(threshold=Decimal("1000"), percent=Decimal("10"), name="Gold")
    silver = DiscountTier.objects.create(threshold=Decimal("500"), percent=Decimal("5"), name="Silver")
    a, b, c = ClientFactory(), ClientFactory(), ClientFactory()
    ClientAccount.objects.create(client=a, tier=gold, cumulative_total=Decimal("1200"))
    ClientAccount.objects.create(client=b, tier=silver, cumulative_total=Decimal("600"))
    ClientAccount.objects.create(client=c, tier=zero, cumulative_total=Decimal("10"))
    assert keys(basis="tier", min_tier_percent=Decimal("10")) == {a.pk}
    assert keys(basis="tier", min_tier_percent=Decimal("5")) == {a.pk, b.pk}
    assert keys(basis="tier", min_tier_percent=Decimal("0")) == {a.pk, b.pk}  # 0% gives nothing: not key


def test_by_value_rank_top_n_and_top_percent_with_the_band_rounded_up():
    clients = [ClientFactory() for _ in range(15)]
    ranking(*[(c, Decimal(1000 - i)) for i, c in enumerate(clients)])
    assert keys(basis="top_n", top_n=3) == {c.pk for c in clients[:3]}
    # top 10% of 15 = 1.5 positions, rounded up: 2
    assert keys(basis="top_percent", top_percent=Decimal("10")) == {clients[0].pk, clients[1].pk}
    assert key_clients.top_band(15, Decimal("10")) == 2 and key_clients.top_band(20, Decimal("10")) == 2


def test_a_client_without_value_is_not_key_by_rank_and_no_report_means_no_key_client_by_rank():
    assert keys(basis="top_n", top_n=5) == set()  # no ranking yet
    buyer, idle = ClientFactory(), ClientFactory()
    ranking((buyer, Decimal("50")), (idle, Decimal("0")))
    assert keys(basis="top_n", top_n=5) == {buyer.pk}


def test_an_older_report_leaves_a_newer_ranking_alone():
    a, b = ClientFactory(), ClientFactory()
    now = timezone.now()
    key_clients.value_ranking_replace(entries=[(a.pk, 1, Decimal("9"))], ranked_at=now)
    assert key_clients.value_ranking_replace(entries=[(b.pk, 1, Decimal("9"))], ranked_at=now - timedelta(days=7)) == 0
    assert list(ClientValueRank.objects.values_list("client_id", flat=True)) == [a.pk]


def test_only_administrators_set_the_rule_and_bad_values_are_refused(administrator, sales_manager):
    with pytest.raises(ApplicationError) as denied:
        key_clients.key_client_rule_update(
            by=sales_manager, basis="flag", min_tier_percent=Decimal("10"), top_n=5, top_percent=Decimal("10")
        )
    assert denied.value.code == "forbidden"
    for field, kwargs in [
        ("top_percent", {"basis": "top_percent", "top_percent": Decimal("0")}),
        ("top_percent", {"basis": "top_percent", "top_percent": Decimal("101")}),
        ("top_n", {"basis": "top_n", "top_n": 0}),
        ("min_tier_percent", {"basis": "tier", "min_tier_percent": Decimal("0")}),
        ("basis", {"basis": "everyone"}),
    ]:
        args = {"min_tier_percent": Decimal("10"), "top_n": 5, "top_percent": Decimal("10"), **kwargs}
        with pytest.raises(ApplicationError) as bad:
            key_clients.key_client_rule_update(by=administrator, **args)
        assert bad.value.field == field
    rule = key_clients.key_client_rule_update(
        by=administrator, basis="top_percent", min_tier_percent=Decimal("10"), top_n=5, top_percent=Decimal("20")
    )
    assert rule.basis == "top_percent" and rule.updated_by == administrator


def test_generating_a_value_report_writes_the_ranking(sales_manager):
    from crm.reports import services as report_services

    a, b = ClientFactory(manager=sales_manager), ClientFactory(manager=sales_manager)
    as_of = timezone.now() + timedelta(minutes=1)  # after the clients' first contact
    snapshot = report_services.report_snapshot_create(kind="value", period="weekly", as_of=as_of)
    ranked = dict(ClientValueRank.objects.values_list("client_id", "position"))
    assert set(ranked) == {a.pk, b.pk} and sorted(ranked.values()) == [1, 2]
    assert ClientValueRank.objects.first().ranked_at == snapshot.period_end
    assert set(ClientValueRank.objects.values_list("ranked_clients", flat=True)) == {2}


def test_a_merge_passes_the_losers_key_flag_to_the_survivor(administrator):
    from clients.services.merging import client_merge

    survivor, loser = ClientFactory(), ClientFactory()
    key_clients.key_client_flag_set(client=loser, flagged=True, by=administrator)
    client_merge(survivor=survivor, loser=loser, by=administrator)
    assert keys(basis="flag") == {survivor.pk}


def test_the_service_record_is_exported_and_scrubbed_with_the_persons_data(administrator, sales_manager):
    from clients.services import personal_data
    from crm.standards import failures
    from crm.standards.models import ServiceFailure
    from tests.standards import factories as f

    client = ClientFactory(name="Zelda Quarterhouse", manager=sales_manager)
    f.overdue_promise(client, sales_manager, text="Call Zelda Quarterhouse back")
    (failure,) = failures.failures_detect()
    failures.failure_resolve(failure=failure, by=sales_manager, note="Zelda was happy")
    exported = personal_data.personal_data_export(client=client, by=administrator)
    assert "Zelda Quarterhouse" in str(exported)
    personal_data.client_personal_data_erase(client=client, by=administrator)
    failure = ServiceFailure.objects.get(pk=failure.pk)
    assert "Zelda" not in failure.title and failure.resolution_note == "[erased]"
