"""Standalone perks in the perk-return report: they appear beside complaint goodwill, with what they cost up
to the report date, and a perk kind whose recipients bought no more than similar clients (same segment and
tier, no perk, else same tier) over the horizon is a drop candidate. On the fixed data set (conftest.py),
AS_OF 2026-06-01, horizon 90 days."""

from decimal import Decimal

import pytest

from crm.reports import perks, services
from purchases import services as purchase_services
from purchases.models import Perk, PerkKind

from . import factories as f
from .conftest import AS_OF

pytestmark = pytest.mark.django_db


def give(kind_code, *, by, when, client=None, segment=None, scope=Perk.Scope.ONE_OFF, cost=None, accrual=""):
    purchase_services.perk_kinds_ensure_defaults()  # a transactional test may have flushed the migration's
    return purchase_services.perk_record(
        kind=PerkKind.objects.get(code=kind_code),
        scope=scope,
        client=client,
        segment=segment,
        cost=Decimal(cost) if cost is not None else None,
        accrual=accrual,
        by=by,
        now=when,
    )


@pytest.fixture
def perked(dataset, administrator):
    d = dataset
    # Z (segment B) buys 180 + 100 in the 90 days after its free sample; its similar clients in B with no perk
    # and no gesture: U (bought 200 in those days) -> 200 on average: Z bought more, keep.
    give("free-sample", client=d["z"], when=f.at(2026, 1, 5), cost="5", by=administrator)
    # V (segment B, a lead) bought nothing in the 90 days after its birthday card; similar: U, 200: drop.
    give("birthday-card", client=d["v"], when=f.at(2026, 1, 5), cost="3", by=administrator)
    # A standing per-purchase perk for segment A from 2026-04-01 00:00: X's sale that day is one purchase (its
    # return is not); its horizon is not over on AS_OF, so it is not judged yet.
    give(
        "free-delivery",
        segment=d["seg_a"],
        scope=Perk.Scope.SEGMENT,
        accrual=Perk.Accrual.PER_PURCHASE,
        when=f.at(2026, 4, 1, 0),
        cost="4",
        by=administrator,
    )
    return d


def by_kind(rows):
    return {r["kind"]: r for r in rows}


def test_perks_appear_beside_complaint_goodwill_with_their_cost(perked):
    rows, summary = perks.rows(AS_OF)
    kinds = by_kind(rows)
    assert kinds["free_delivery"]["source"] == "goodwill" and kinds["free_delivery"]["drop_candidate"] is None
    sample, card, delivery = kinds["perk:free-sample"], kinds["perk:birthday-card"], kinds["perk:free-delivery"]
    assert (sample["source"], sample["label"], sample["cost"], sample["gestures"]) == ("perk", "Free sample", "5.00", 1)
    assert card["cost"] == "3.00"
    assert delivery["cost"] == "4.00"  # one sale by a segment A client while in force, at 4 per purchase
    assert delivery["gestures"] == 1 and delivery["clients"] == 2  # one perk, both clients of segment A
    assert Decimal(sample["net_return"]) == Decimal(sample["extra_margin"]) - Decimal("5.00")


def test_drop_candidate_when_recipients_buy_no_more_than_similar_clients(perked):
    kinds = by_kind(perks.rows(AS_OF)[0])
    card, sample = kinds["perk:birthday-card"], kinds["perk:free-sample"]
    assert card["drop_candidate"] is True
    assert (card["recipients_bought_avg"], card["similar_bought_avg"]) == ("0.00", "200.00")
    assert sample["drop_candidate"] is False
    assert Decimal(sample["recipients_bought_avg"]) > Decimal(sample["similar_bought_avg"])
    assert sample["drop_measured"] == sample["drop_matched"] == 1


def test_a_perk_within_its_horizon_is_not_judged_yet(perked):
    delivery = by_kind(perks.rows(AS_OF)[0])["perk:free-delivery"]
    assert delivery["drop_candidate"] is None and delivery["drop_measured"] == 0


def test_the_horizon_is_a_report_parameter(perked):
    # over 200 days nobody's window is over for the January perks: nothing is judged
    rows, _ = perks.rows(AS_OF, {**perks.parameters(), "drop_horizon_days": 200})
    assert all(r["drop_candidate"] is None for r in rows if r["source"] == "perk")


def test_drop_candidates_are_the_snapshots_flagged_rows(perked):
    snapshot = services.report_snapshot_create(kind="perks", period="weekly", as_of=AS_OF)
    flagged = list(snapshot.rows.filter(flagged=True).values_list("data__kind", flat=True))
    assert flagged == ["perk:birthday-card"]
    assert snapshot.summary["drop_candidates"] == ["Birthday card"]
    assert snapshot.parameters["drop_horizon_days"] == 90


def test_perk_report_page_and_api_show_perks_and_drop_candidates(perked, client, administrator):
    services.report_snapshot_create(kind="perks", period="weekly", as_of=AS_OF)
    client.force_login(administrator)
    body = client.get("/reports/perks/").content.decode()
    assert "Birthday card" in body and "drop candidate" in body and "complaint goodwill" in body
    latest = client.get("/api/v1/reports/perks/").json()
    rows = client.get(latest["rows_url"] + "?attention=true").json()["results"]
    assert [r["data"]["kind"] for r in rows] == ["perk:birthday-card"]
