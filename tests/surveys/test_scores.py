"""Satisfaction and NPS per month, manager, segment and product, computed in SQL, checked against figures
worked out by hand on a small data set; the API and the page by role."""

import pytest

from clients.surveys.models import Survey, SurveyProduct
from crm.reports import satisfaction
from tests.factories import ClientFactory, ProductFactory, SegmentFactory

from .factories import at

pytestmark = pytest.mark.django_db

NOW = at(2026, 3, 15)
_ids = iter(range(1, 1000))


def answer(client, manager, when, sat, rec, products=(), status="answered"):
    survey = Survey.objects.create(
        kind="purchase" if products else "consultation",
        object_id=next(_ids),
        client=client,
        manager=manager,
        segment=client.segment,
        occurred_at=when,
        status=status,
        sent_at=when,
        satisfaction=sat if status == "answered" else None,
        recommendation=rec if status == "answered" else None,
        answered_at=when if status == "answered" else None,
    )
    SurveyProduct.objects.bulk_create([SurveyProduct(survey=survey, product_id=p.pk) for p in products])
    return survey


@pytest.fixture
def data(sales_manager, other_sales_manager):
    """A (seg P, sm): Jan 10 5/10 paper+ink; Jan 20 3/7 paper. B (seg R, sm): Feb 5 1/2 (consultation).
    C (seg R, sm2): Feb 6 4/9 ink; a survey sent and not answered; an answer in December (outside 3 months)."""
    seg_p = SegmentFactory(name="Print shops", code="p")
    seg_r = SegmentFactory(name="Retail", code="r")
    paper, ink = ProductFactory(name="Paper"), ProductFactory(name="Ink")
    a = ClientFactory(segment=seg_p, manager=sales_manager)
    b = ClientFactory(segment=seg_r, manager=sales_manager)
    c = ClientFactory(segment=seg_r, manager=other_sales_manager)
    answer(a, sales_manager, at(2026, 1, 10), 5, 10, [paper, ink])
    answer(a, sales_manager, at(2026, 1, 20), 3, 7, [paper])
    answer(b, sales_manager, at(2026, 2, 5), 1, 2)
    answer(c, other_sales_manager, at(2026, 2, 6), 4, 9, [ink])
    answer(c, other_sales_manager, at(2026, 2, 7), None, None, [ink], status="sent")
    answer(c, other_sales_manager, at(2025, 12, 1), 1, 0, [ink])
    return {"paper": paper, "ink": ink, "p": seg_p, "r": seg_r}


def figures(entry):
    return (entry["responses"], entry["satisfaction"], entry["nps"])


def by_label(entries):
    return {e["label"]: figures(e) for e in entries}


def test_scores_for_an_administrator_match_the_hand_computed_figures(data, administrator, sales_manager):
    scores = satisfaction.scores(user=administrator, months=3, now=NOW)
    assert [m.isoformat() for m in scores["months"]] == ["2026-01-01", "2026-02-01", "2026-03-01"]
    # 4 answers: satisfaction (5+3+1+4)/4; promoters (10, 9) 2, detractors (2) 1: NPS 100 x (2-1)/4
    assert figures(scores["overall"]) == (4, 3.25, 25.0)
    # January: 5/10 and 3/7 (a passive); February: 1/2 (detractor), 4/9 (promoter); March: none
    assert [figures(p) for p in scores["overall"]["series"]] == [(2, 4.0, 50.0), (2, 2.5, 0.0), (0, None, None)]
    assert by_label(scores["manager"]) == {"Sm": (3, 3.0, 0.0), "Sm2": (1, 4.0, 100.0)}
    assert by_label(scores["segment"]) == {"Print shops": (2, 4.0, 50.0), "Retail": (2, 2.5, 0.0)}
    # per product: each purchase survey counts once per product on it; the consultation counts for none
    assert by_label(scores["product"]) == {"Paper": (2, 4.0, 50.0), "Ink": (2, 4.5, 100.0)}
    retail = next(e for e in scores["segment"] if e["label"] == "Retail")
    assert [figures(p) for p in retail["series"]] == [(0, None, None), (2, 2.5, 0.0), (0, None, None)]


def test_a_sales_manager_sees_the_scores_of_their_own_clients_only(data, sales_manager):
    scores = satisfaction.scores(user=sales_manager, months=3, now=NOW)
    assert figures(scores["overall"]) == (3, 3.0, 0.0)
    assert by_label(scores["manager"]) == {"Sm": (3, 3.0, 0.0)}
    assert by_label(scores["product"]) == {"Paper": (2, 4.0, 50.0), "Ink": (1, 5.0, 100.0)}


def test_a_longer_window_takes_the_older_answer_in(data, administrator):
    scores = satisfaction.scores(user=administrator, months=6, now=NOW)
    # + December's 1/0 (a detractor): 5 answers, satisfaction 14/5, NPS 100 x (2-2)/5
    assert figures(scores["overall"]) == (5, 2.8, 0.0)


URL = "/api/v1/reports/satisfaction/"


def test_api_gives_the_figures_by_role(data, admin_api, sm_api, acc_api, api_client, monkeypatch):
    monkeypatch.setattr(satisfaction.timezone, "now", lambda: NOW)
    body = admin_api.get(URL, {"months": 3}).json()
    assert body["months"] == ["2026-01", "2026-02", "2026-03"]
    assert (body["overall"]["responses"], body["overall"]["satisfaction"], body["overall"]["nps"]) == (4, 3.25, 25.0)
    assert body["overall"]["series"][1] == {"month": "2026-02", "responses": 2, "satisfaction": 2.5, "nps": 0.0}
    assert {e["label"] for e in body["product"]} == {"Paper", "Ink"}

    only_segments = admin_api.get(URL, {"months": 3, "by": "segment"}).json()
    assert "segment" in only_segments and "manager" not in only_segments and "product" not in only_segments

    mine = sm_api.get(URL, {"months": 3}).json()
    assert mine["overall"]["responses"] == 3 and [e["label"] for e in mine["manager"]] == ["Sm"]

    assert acc_api.get(URL).status_code == 403
    assert api_client.get(URL).status_code == 401
    bad = admin_api.get(URL, {"months": 5, "by": "colour"})
    assert bad.status_code == 400 and set(bad.json()) == {"months", "by"}


def test_page_shows_figures_and_charts_by_role(data, client, administrator, sales_manager, accountant, monkeypatch):
    monkeypatch.setattr(satisfaction.timezone, "now", lambda: NOW)
    client.force_login(administrator)
    page = client.get("/reports/satisfaction/", {"months": 3})
    html = page.content.decode()
    assert page.status_code == 200
    assert 'id="overall-satisfaction">3.25 / 5' in html and 'id="overall-nps">25.0' in html
    assert html.count('role="img"') >= 3 + 2 * 6  # three overall charts, two sparklines per row
    assert "<title" in html and "Paper" in html and "Retail" in html
    assert " style=" not in html and "<script>" not in html  # nothing the CSP would block
    latest = html.split('id="satisfaction-latest"')[1]
    assert latest.count("<tr") == 1 + 5 and "After a purchase" in latest and "1/5" in latest  # 5 answers in all

    client.force_login(sales_manager)
    mine = client.get("/reports/satisfaction/", {"months": 3}).content.decode()
    assert 'id="overall-satisfaction">3.00 / 5' in mine and "Sm2" not in mine
    assert mine.split('id="satisfaction-latest"')[1].count("<tr") == 1 + 3  # their own clients' answers only

    client.force_login(accountant)
    assert client.get("/reports/satisfaction/").status_code == 403
    client.force_login(administrator)
    assert client.get("/reports/satisfaction/", {"months": "x"}).status_code == 400


def test_page_costs_the_same_queries_whatever_the_number_of_answers(data, client, administrator, sales_manager):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(administrator)
    counts = []
    for _round in range(2):
        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/reports/satisfaction/").status_code == 200
        counts.append(len(ctx.captured_queries))
        for _i in range(10):  # ten more answers from new clients, managers' and segments' names included
            answer(ClientFactory(manager=sales_manager, segment=data["r"]), sales_manager, NOW, 3, 8, [data["ink"]])
    assert counts[0] == counts[1]


def test_no_answers_give_no_score_rather_than_an_error(administrator):
    scores = satisfaction.scores(user=administrator, months=3, now=NOW)
    assert figures(scores["overall"]) == (0, None, None)
    assert scores["manager"] == [] and scores["product"] == []
