"""The client answers on a public page without login (the token is the key), or through the public API; the
staff list of surveys by role."""

import pytest

from clients.models import FollowUpTask
from clients.surveys.models import Survey
from tests.factories import ClientFactory
from tests.querycount import assert_same_queries_at_two_sizes

from .factories import at, consultation, send_due_after

pytestmark = pytest.mark.django_db

WHEN = at(2026, 3, 2)


@pytest.fixture
def survey(sales_manager):
    consultation(ClientFactory(manager=sales_manager, name="Acme Print"), staff=sales_manager, when=WHEN)
    send_due_after(WHEN)
    return Survey.objects.get()


def test_page_with_a_bad_token_says_so(client):
    response = client.get("/surveys/not-a-token/")
    assert response.status_code == 404
    assert b"survey-invalid" in response.content


def test_page_answers_once_without_login(client, survey):
    page = client.get(f"/surveys/{survey.token}/")
    assert page.status_code == 200 and b"survey-form" in page.content
    assert b"consultation" in page.content

    missing = client.post(f"/surveys/{survey.token}/", {"satisfaction": "4"})
    assert missing.status_code == 400
    assert b'id="id_recommendation-error"' in missing.content
    survey.refresh_from_db()
    assert survey.status == "sent"

    done = client.post(f"/surveys/{survey.token}/", {"satisfaction": "2", "recommendation": "5", "comment": "Slow"})
    assert done.status_code == 200 and b"survey-thanks" in done.content
    survey.refresh_from_db()
    assert (survey.status, survey.satisfaction, survey.recommendation, survey.comment) == ("answered", 2, 5, "Slow")
    assert FollowUpTask.objects.filter(source=f"survey:{survey.pk}").count() == 1

    again = client.post(f"/surveys/{survey.token}/", {"satisfaction": "5", "recommendation": "10"})
    assert again.status_code == 200 and b"survey-already" in again.content
    assert client.get(f"/surveys/{survey.token}/").content.count(b"survey-already") == 1
    survey.refresh_from_db()
    assert survey.satisfaction == 2


def test_api_answers_once_with_field_errors_and_a_bad_token(api_client, survey):
    url = f"/api/v1/client-surveys/answer/{survey.token}/"
    info = api_client.get(url)
    assert info.status_code == 200
    assert info.json()["kind"] == "consultation" and info.json()["answered"] is False

    bad = api_client.post(url, {"satisfaction": 9, "recommendation": -1}, format="json")
    assert bad.status_code == 400 and set(bad.json()) >= {"satisfaction", "recommendation"}
    assert Survey.objects.get().status == "sent"

    ok = api_client.post(url, {"satisfaction": 5, "recommendation": 10, "comment": "Great"}, format="json")
    assert ok.status_code == 201 and ok.json() == {"satisfaction": 5, "recommendation": 10, "comment": "Great"}
    assert api_client.get(url).json()["answered"] is True

    twice = api_client.post(url, {"satisfaction": 1, "recommendation": 0}, format="json")
    assert twice.status_code == 409
    assert Survey.objects.get().satisfaction == 5

    assert api_client.get("/api/v1/client-surveys/answer/nope/").status_code == 404
    assert api_client.post("/api/v1/client-surveys/answer/nope/", {}, format="json").status_code == 404


def test_a_skipped_survey_has_no_token_so_no_link_reaches_it(api_client, sales_manager):
    client = ClientFactory(manager=sales_manager, preferred_channels=["email"], email="", phone="")
    client.consents.all().delete()
    consultation(client, staff=sales_manager, when=WHEN)
    send_due_after(WHEN)
    assert Survey.objects.get().token is None
    assert api_client.get("/api/v1/client-surveys/answer/None/").status_code == 404


def test_staff_list_by_role(sm_api, admin_api, acc_api, api_client, sales_manager, other_sales_manager):
    mine = ClientFactory(manager=sales_manager)
    theirs = ClientFactory(manager=other_sales_manager)
    consultation(mine, staff=sales_manager, when=WHEN)
    consultation(theirs, staff=other_sales_manager, when=WHEN)
    send_due_after(WHEN)

    url = "/api/v1/client-surveys/"
    assert {r["client"] for r in admin_api.get(url).json()["results"]} == {mine.pk, theirs.pk}
    assert [r["client"] for r in sm_api.get(url).json()["results"]] == [mine.pk]
    assert acc_api.get(url).status_code == 403
    assert api_client.get(url).status_code == 401
    assert admin_api.get(url, {"status": "answered"}).json()["results"] == []
    assert admin_api.get(url, {"status": "nonsense"}).status_code == 400


def test_staff_list_costs_the_same_queries_for_2_and_20_surveys(admin_api, sales_manager):
    counter = iter(range(1, 1000))

    def add(n):
        for _ in range(n):
            when = at(2026, 1, 1) + (next(counter) * (at(2026, 1, 2) - at(2026, 1, 1)))
            consultation(ClientFactory(manager=sales_manager), staff=sales_manager, when=when)
            send_due_after(when)

    assert_same_queries_at_two_sizes(
        fetch=lambda: admin_api.get("/api/v1/client-surveys/", {"page_size": 50}),
        add_rows=add,
        rows=lambda r: len(r.json()["results"]),
        queries=2,  # token with user and roles; surveys with client, manager and segment
    )
