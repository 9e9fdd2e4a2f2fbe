"""Report figures against values computed by hand on the fixed data set (tests/reports/conftest.py).

as_of 2026-06-01 00:00 UTC. Retention window 180 days (5.9138 months), frequency window 90 days.
Segment A retention: X and Y bought in 2025-06-05..2025-12-03, only X again since -> r = 0.5, so a
retained A client expects 5.9138 x 0.5 / 0.5 = 5.91 more months. Segment B has no previous-window buyer:
r unknown, no projected future.
"""

from decimal import Decimal

import pytest

from crm.reports import perks, trends, value
from tests.factories import CategoryFactory, ClientFactory, ProductFactory, SegmentFactory

from . import factories as f
from .conftest import AS_OF

pytestmark = pytest.mark.django_db


def by_name(rows):
    return {r["client"]: r for r in rows}


def test_value_per_client_matches_hand_computed_figures(dataset):
    rows = value.client_rows(AS_OF)
    assert [r["client"] for r in rows] == ["Z", "U", "Y", "X", "V"]  # ranked by projected value
    x = by_name(rows)["X"]
    # revenue 90 + 100 - 50; cost 60 + 60 - 30; goodwill 15 + handling 20
    assert {k: x[k] for k in ("revenue", "cost", "gross_margin", "discounts", "goodwill", "complaint_handling")} == {
        "revenue": "140.00",
        "cost": "90.00",
        "gross_margin": "50.00",
        "discounts": "10.00",
        "goodwill": "15.00",
        "complaint_handling": "20.00",
    }
    assert x["cost_to_serve"] == "35.00"
    assert x["net_contribution"] == "15.00"
    assert x["purchases"] == 2
    assert x["average_order_value"] == "70.00"
    assert x["tenure_days"] == "365.00"
    assert x["purchases_per_month"] == "0.17"  # 2 / (365 / 30.4375)
    assert x["retained"] is True
    assert x["retention_rate"] == "0.5000"
    assert x["expected_remaining_months"] == "5.91"
    # 15 + (15 / 11.9918) x 5.9138 = 22.3973
    assert x["projected_value"] == "22.40"
    assert x["manager_rank"] == 3
    assert x["attention"] is False

    y = by_name(rows)["Y"]
    assert (y["revenue"], y["gross_margin"], y["cost_to_serve"], y["net_contribution"]) == (
        "150.00",
        "60.00",
        "5.00",
        "55.00",
    )
    assert y["retained"] is False and y["projected_value"] == "55.00"
    # above segment A's average (38.70), no purchase or contact since 2025-09-01
    assert y["attention"] is True and y["no_recent_contact"] is True and y["falling_frequency"] is False

    z = by_name(rows)["Z"]
    assert (z["revenue"], z["discounts"], z["net_contribution"], z["projected_value"]) == (
        "280.00",
        "20.00",
        "100.00",
        "100.00",
    )
    assert z["retention_rate"] is None and z["expected_remaining_months"] == "0.00"
    assert z["falling_frequency"] is True  # 2 sales in the 90 days before the last 90, none since
    assert z["attention"] is True and z["manager_rank"] == 1

    u = by_name(rows)["U"]
    assert u["projected_value"] == "80.00" and u["attention"] is True and u["manager_rank"] == 1
    v = by_name(rows)["V"]
    assert (v["purchases"], v["revenue"], v["average_order_value"], v["attention"]) == (0, "0.00", "0.00", False)


def test_value_per_segment_matches_hand_computed_figures(dataset):
    segments = {s["segment"]: s for s in value.segment_rows(AS_OF)}
    a = segments["Print shops"]
    assert (a["clients"], a["purchases"], a["revenue"], a["gross_margin"], a["discounts"]) == (
        2,
        4,
        "290.00",
        "110.00",
        "10.00",
    )
    assert (a["cost_to_serve"], a["net_contribution"], a["average_order_value"]) == ("40.00", "70.00", "72.50")
    assert a["retention_rate"] == "0.5000"
    assert a["projected_value"] == "77.40"  # 22.3973 + 55
    assert a["average_projected_value"] == "38.70"
    assert a["attention_clients"] == 1
    b = segments["Retail"]
    assert (b["clients"], b["revenue"], b["net_contribution"], b["projected_value"], b["attention_clients"]) == (
        3,
        "480.00",
        "180.00",
        "180.00",
        2,
    )


def test_one_pass_compute_gives_the_same_clients_and_segments(dataset):
    assert value.compute(AS_OF) == (value.client_rows(AS_OF), value.segment_rows(AS_OF))


def test_perk_return_compares_recipients_with_similar_clients(dataset):
    rows, summary = perks.rows(AS_OF)
    # revenue 770, cost 480 on every line since 2025-03-03
    assert summary["margin_ratio"] == "0.3766"
    by_kind = {r["kind"]: r for r in rows}
    fd = by_kind["free_delivery"]
    # X: 100 in the 90 days before 2026-04-06 12:00; -50 in the 55.5 days after, scaled to 90 days: -81.08
    assert (fd["gestures"], fd["clients"], fd["cost"]) == (1, 1, "15.00")
    assert (fd["purchases_before"], fd["purchases_after"], fd["uplift"]) == ("100.00", "-81.08", "-181.08")
    assert fd["unmatched"] == 1  # segment A has no client without a gesture
    assert (fd["extra_margin"], fd["net_return"], fd["return_ratio"], fd["pays_for_itself"]) == (
        "-68.19",
        "-83.19",
        "-4.55",
        False,
    )
    gift = by_kind["gift"]
    # Y: nothing before 2025-07-15, 50 + 100 in the 90 days after
    assert (gift["uplift"], gift["extra_revenue"], gift["extra_margin"], gift["net_return"]) == (
        "150.00",
        "150.00",
        "56.49",
        "51.49",
    )
    assert gift["return_ratio"] == "11.30" and gift["pays_for_itself"] is True


def test_perk_expected_change_comes_from_same_segment_and_band(dataset, administrator):
    """A gesture to U (segment B, band 0) is compared with Z and V, whose average change is
    (-280 + 0) / 2 = -140: U's uplift of 200 is worth 340 more than doing nothing."""
    c = f.complaint(dataset["u"], f.at(2026, 3, 1), by=administrator, category=f.topic("Packaging", "0"))
    f.gesture(c, "apology_discount", "10", f.at(2026, 3, 3, 0), by=administrator)
    rows, _ = perks.rows(AS_OF)
    apology = {r["kind"]: r for r in rows}["apology_discount"]
    # 200 bought 2026-03-10, within the 90 days after (scaled by 90/90)
    assert (apology["uplift"], apology["expected_change"], apology["extra_revenue"]) == ("200.00", "-140.00", "340.00")
    assert apology["unmatched"] == 0


@pytest.fixture
def trend_data(administrator):
    """Weekly periods before 2026-06-01: current 05-25..06-01; previous 05-18, 05-11, 05-04."""
    shops, retail = SegmentFactory(name="Print shops", code="print"), SegmentFactory(name="Retail", code="retail")
    paper = ProductFactory(category=CategoryFactory(name="Paper", code="paper"), unit_price=Decimal("100.00"))
    ink = ProductFactory(category=CategoryFactory(name="Ink", code="ink"), unit_price=Decimal("100.00"))
    shop = ClientFactory(segment=shops, interests=["Paper", "3D printers"], first_contact_at=f.at(2026, 5, 26))
    store = ClientFactory(segment=retail, interests=["3d printers ", "Vinyl"], first_contact_at=f.at(2026, 1, 1))
    for day in (5, 12, 19):  # one previous-period sale of 10 x 100 each
        f.sale(shop, f.at(2026, 5, day), [(paper, 10), (ink, 4)], by=administrator)
    f.sale(shop, f.at(2026, 5, 27), [(paper, 15), (ink, 1)], by=administrator)
    f.sale(store, f.at(2026, 5, 28), [(ink, 12)], by=administrator)
    for day in (5, 12, 19):  # retail paper: 2000 a week, then 500
        f.sale(store, f.at(2026, 5, day), [(paper, 20)], by=administrator)
    f.sale(store, f.at(2026, 5, 26), [(paper, 5)], by=administrator)
    late = f.topic("Late delivery")
    f.complaint(shop, f.at(2026, 5, 6), by=administrator, category=late)
    for day in (26, 27, 29):
        f.complaint(store, f.at(2026, 5, day), by=administrator, category=late)
    f.complaint(store, f.at(2026, 5, 30), by=administrator, kind="suggestion", category=f.topic("Vinyl"))
    return {"paper": paper}


def test_trends_flag_rising_new_and_quiet_changes(trend_data):
    rows, summary = trends.compute(AS_OF, trends.parameters("weekly"))
    got = {(r["segment"], r["category"]): r for r in rows}
    paper = got[("Print shops", "Paper")]
    assert (paper["current_demand"], paper["last_period_demand"], paper["previous_average"]) == (
        "1500.00",
        "1000.00",
        "1000.00",
    )
    assert (paper["change_percent"], paper["flag"]) == ("50.0", "rising")
    retail_paper = got[("Retail", "Paper")]
    assert (retail_paper["change_percent"], retail_paper["flag"]) == ("-75.0", "falling")
    assert got[("Retail", "Ink")]["flag"] == "new" and got[("Retail", "Ink")]["change_percent"] is None
    ink = got[("Print shops", "Ink")]  # 400 a week to 100: -75 %, but below the 1000 minimum volume
    assert (ink["change_percent"], ink["flag"]) == ("-75.0", "")
    assert [r["flag"] for r in rows] == ["rising", "new", "falling", ""]  # flags first, by current demand
    assert summary["flags"] == 3
    assert summary["series"]["labels"] == ["04 May", "11 May", "18 May", "25 May"]
    series = {d["label"]: d["data"] for d in summary["series"]["datasets"]}
    assert series["Paper"] == [3000.0, 3000.0, 3000.0, 2000.0]
    topics = {(t["kind"], t["topic"]): t for t in summary["topics"]}
    assert topics[("complaint", "Late delivery")]["current_count"] == 3
    assert topics[("complaint", "Late delivery")]["rising"] is True
    assert topics[("suggestion", "Vinyl")]["rising"] is False  # one request: below the minimum of 3
    interests = {i["interest"]: i for i in summary["unserved_interests"]}
    assert set(interests) == {"3d printers", "vinyl"}  # paper is served
    assert (interests["3d printers"]["clients"], interests["3d printers"]["clients_this_period"]) == (2, 1)


def test_interest_in_a_category_without_active_products_is_unserved(trend_data):
    trend_data["paper"].is_active = False
    trend_data["paper"].save(update_fields=["is_active"])
    _, summary = trends.compute(AS_OF, trends.parameters("weekly"))
    assert "paper" in {i["interest"] for i in summary["unserved_interests"]}


def test_money_is_decimal_text_rounded_to_cents(dataset):
    rows = value.client_rows(AS_OF)
    assert all(Decimal(r["projected_value"]).as_tuple().exponent == -2 for r in rows)


def test_purchase_exactly_at_the_window_start_counts_before_the_gesture(dataset, administrator):
    """Window bounds are inclusive at the start on both databases (SQLite compares datetimes as text)."""
    c = f.complaint(dataset["v"], f.at(2026, 4, 1), by=administrator, category=f.topic("Packaging", "0"))
    f.sale(dataset["v"], f.at(2026, 1, 10, 9), [(dataset["ink"], 1)], by=administrator)  # 90 days before
    f.gesture(c, "refund", "1", f.at(2026, 4, 10, 9), by=administrator)
    rows, _ = perks.rows(AS_OF)
    assert {r["kind"]: r for r in rows}["refund"]["purchases_before"] == "50.00"
