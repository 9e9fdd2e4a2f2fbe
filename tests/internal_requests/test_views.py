"""The internal request pages: the same rules as the API, form errors on bad input, denials per role, and the
queue page without a query per row."""

import pytest
from django.test import Client as PageClient

from crm.internal_requests import services
from crm.internal_requests.models import InternalRequest, Team
from tests.querycount import assert_same_queries_at_two_sizes

from .factories import make_kind, make_team

pytestmark = pytest.mark.django_db


def logged_in(user) -> PageClient:
    """A page client of its own (the conftest's role clients share one Django test client)."""
    client = PageClient()
    client.force_login(user)
    return client


@pytest.fixture
def team(accountant):
    return make_team(members=[accountant])


@pytest.fixture
def kind(team):
    return make_kind(team, hours="4")


def test_a_sales_manager_asks_on_the_page_and_sees_it_in_their_list(sm_client, kind):
    response = sm_client.post("/internal/", {"kind": kind.pk, "subject": "Slot on Friday", "details": ""})
    item = InternalRequest.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/internal/requests/{item.pk}/"
    page = sm_client.get("/internal/").content.decode()
    assert "Slot on Friday" in page and f'id="request-{item.pk}"' in page


def test_bad_input_on_the_page_is_a_form_error_and_nothing_saved(sm_client, kind):
    response = sm_client.post("/internal/", {"kind": kind.pk, "subject": ""})
    assert response.status_code == 400 and "This field is required" in response.content.decode()
    assert not InternalRequest.objects.exists()


def test_the_invoice_kind_is_not_offered_on_the_request_form(sm_client, kind):
    page = sm_client.get("/internal/").content.decode()
    assert "Delivery Slot" in page and "Accounting: Invoice" not in page


def test_the_member_takes_and_completes_on_the_pages_and_the_requester_rates(kind, sales_manager, accountant):
    sm_client, acc_client = logged_in(sales_manager), logged_in(accountant)
    item = services.request_open(kind=kind, by=sales_manager, subject="Slot")
    queue = acc_client.get(f"/internal/teams/{kind.team_id}/queue/").content.decode()
    assert f'id="take-{item.pk}"' in queue
    assert acc_client.post(f"/internal/requests/{item.pk}/take/").status_code == 302
    response = acc_client.post(f"/internal/requests/{item.pk}/complete/", {"note": ""})
    assert response.status_code == 400 and "This field is required" in response.content.decode()
    assert acc_client.post(f"/internal/requests/{item.pk}/complete/", {"note": "Booked"}).status_code == 302
    item.refresh_from_db()
    assert item.status == "done" and item.completed_by == accountant
    assert acc_client.post(f"/internal/requests/{item.pk}/rate/", {"rating": "5"}).status_code == 403
    assert sm_client.post(f"/internal/requests/{item.pk}/rate/", {"rating": "7"}).status_code == 400
    assert sm_client.post(f"/internal/requests/{item.pk}/rate/", {"rating": "5", "comment": "Quick"}).status_code == 302
    item.refresh_from_db()
    assert item.rating == 5
    assert 'id="request-rating"' in sm_client.get(f"/internal/requests/{item.pk}/").content.decode()


def test_a_non_member_cannot_open_the_queue_or_take(sm_client, kind, other_sales_manager):
    item = services.request_open(kind=kind, by=other_sales_manager, subject="Slot")
    assert sm_client.get(f"/internal/teams/{kind.team_id}/queue/").status_code == 403
    assert sm_client.get(f"/internal/requests/{item.pk}/").status_code == 404
    assert sm_client.post(f"/internal/requests/{item.pk}/take/").status_code == 404


def test_the_requester_sees_the_request_but_may_not_take_it(sm_client, kind, sales_manager):
    item = services.request_open(kind=kind, by=sales_manager, subject="Slot")
    assert sm_client.get(f"/internal/requests/{item.pk}/").status_code == 200
    assert sm_client.post(f"/internal/requests/{item.pk}/take/").status_code == 403
    assert sm_client.post(f"/internal/requests/{item.pk}/complete/", {"note": "x"}).status_code == 403


def test_teams_page_is_for_administrators_who_create_teams_and_kinds(sales_manager, administrator, accountant):
    sm_client, acc_client, admin_client_role = logged_in(sales_manager), logged_in(accountant), logged_in(administrator)
    assert sm_client.get("/internal/teams/").status_code == 403
    assert acc_client.get("/internal/teams/").status_code == 403
    response = admin_client_role.post("/internal/teams/", {"name": "IT", "code": "it", "members": [accountant.pk]})
    team = Team.objects.get(code="it")
    assert response.status_code == 302 and list(team.members.all()) == [accountant]
    assert admin_client_role.post("/internal/teams/", {"name": "it", "code": "it2"}).status_code == 400
    response = admin_client_role.post(
        f"/internal/teams/{team.pk}/", {"action": "kind", "code": "laptop", "name": "Laptop", "turnaround_hours": "8"}
    )
    assert response.status_code == 302 and team.kinds.get().turnaround_hours == 8
    bad = admin_client_role.post(
        f"/internal/teams/{team.pk}/", {"action": "kind", "code": "x", "name": "X", "turnaround_hours": "0"}
    )
    assert bad.status_code == 400
    page = admin_client_role.get("/internal/teams/").content.decode()
    assert 'id="team-it"' in page and "Laptop (8.00 h)" in page


def test_queue_page_costs_the_same_queries_at_any_size(accountant, kind, sales_manager):
    client = logged_in(accountant)
    assert_same_queries_at_two_sizes(
        fetch=lambda: client.get(f"/internal/teams/{kind.team_id}/queue/"),
        add_rows=lambda n: [services.request_open(kind=kind, by=sales_manager, subject="s") for _ in range(n)],
        rows=lambda r: r.content.decode().count('id="take-'),
        queries=5,  # session; user with roles; the team; membership; the requests with their people
    )
