"""The internal requests API: the same services and rules as the pages, each denial per role, bad input as
400 with nothing saved, cursor paging with updated_since, and no query per row in the lists."""

from datetime import timedelta

import pytest
from django.utils import timezone

from crm.internal_requests import services
from crm.internal_requests.models import InternalRequest, Team
from tests.querycount import assert_same_queries_at_two_sizes

from .factories import make_kind, make_team

pytestmark = pytest.mark.django_db
BASE = "/api/v1/internal"


@pytest.fixture
def team(accountant):
    return make_team(members=[accountant])


@pytest.fixture
def kind(team):
    return make_kind(team, hours="4")


def results(response) -> int:
    return len(response.json()["results"])


def test_a_sales_manager_asks_and_the_due_time_follows_the_standard(sm_api, kind):
    response = sm_api.post(f"{BASE}/requests/", {"kind": kind.pk, "subject": "Slot on Friday"}, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "open" and body["kind_code"] == "delivery-slot" and body["target_hours"] == "4.00"
    assert body["team"] == kind.team_id


@pytest.mark.parametrize(
    ("payload", "field"),
    [({"kind": 999999, "subject": "x"}, "kind"), ({"subject": "x"}, "kind"), ({"kind": None, "subject": ""}, "kind")],
)
def test_bad_request_input_is_a_400_with_field_messages_and_nothing_saved(sm_api, kind, payload, field):
    response = sm_api.post(f"{BASE}/requests/", payload, format="json")
    assert response.status_code == 400 and field in response.json()
    assert not InternalRequest.objects.exists()


def test_a_blank_subject_is_refused_by_the_service_rule(sm_api, kind):
    response = sm_api.post(f"{BASE}/requests/", {"kind": kind.pk, "subject": "   "}, format="json")
    assert response.status_code == 400 and "subject" in response.json()


def test_the_team_handles_it_and_the_requester_rates_it(sm_api, acc_api, kind, sales_manager, accountant):
    pk = sm_api.post(f"{BASE}/requests/", {"kind": kind.pk, "subject": "Slot"}, format="json").json()["id"]
    assert sm_api.post(f"{BASE}/requests/{pk}/take/").status_code == 403  # not a member
    response = acc_api.post(f"{BASE}/requests/{pk}/take/")
    assert response.status_code == 200 and response.json()["assignee"] == accountant.pk
    assert acc_api.post(f"{BASE}/requests/{pk}/complete/", {}, format="json").status_code == 400
    response = acc_api.post(f"{BASE}/requests/{pk}/complete/", {"note": "Booked 9:00"}, format="json")
    assert response.status_code == 200 and response.json()["status"] == "done"
    assert acc_api.post(f"{BASE}/requests/{pk}/rate/", {"rating": 5}, format="json").status_code == 403
    assert sm_api.post(f"{BASE}/requests/{pk}/rate/", {"rating": 9}, format="json").status_code == 400
    response = sm_api.post(f"{BASE}/requests/{pk}/rate/", {"rating": 4, "comment": "Good"}, format="json")
    assert response.status_code == 200 and response.json()["rating"] == 4
    assert sm_api.post(f"{BASE}/requests/{pk}/rate/", {"rating": 5}, format="json").status_code == 409


def test_assign_refuses_a_non_member_with_a_field_message(admin_api, kind, sales_manager, accountant):
    item = services.request_open(kind=kind, by=sales_manager, subject="Slot")
    response = admin_api.post(f"{BASE}/requests/{item.pk}/assign/", {"assignee": sales_manager.pk}, format="json")
    assert response.status_code == 400 and "assignee" in response.json()
    response = admin_api.post(f"{BASE}/requests/{item.pk}/assign/", {"assignee": accountant.pk}, format="json")
    assert response.status_code == 200 and response.json()["assignee"] == accountant.pk


def test_a_request_is_invisible_to_who_neither_asked_nor_serves(
    api_client_for, kind, sales_manager, other_sales_manager
):
    item = services.request_open(kind=kind, by=sales_manager, subject="Slot")
    assert api_client_for(other_sales_manager).get(f"{BASE}/requests/{item.pk}/").status_code == 404
    assert api_client_for(other_sales_manager).post(f"{BASE}/requests/{item.pk}/take/").status_code == 404


def test_the_queue_is_for_members_and_administrators(sm_api, acc_api, admin_api, team):
    assert sm_api.get(f"{BASE}/teams/{team.pk}/queue/").status_code == 403
    assert acc_api.get(f"{BASE}/teams/{team.pk}/queue/").status_code == 200
    assert admin_api.get(f"{BASE}/teams/{team.pk}/queue/").status_code == 200


def test_queue_pages_by_cursor_soonest_due_first_with_the_same_queries_at_any_size(acc_api, kind, sales_manager):
    start = timezone.now() - timedelta(days=1)

    def add(n):
        for i in range(n):
            services.request_open(kind=kind, by=sales_manager, subject=f"r{i}", at=start + timedelta(minutes=i))

    response = assert_same_queries_at_two_sizes(
        fetch=lambda: acc_api.get(f"{BASE}/teams/{kind.team_id}/queue/?page_size=50"),
        add_rows=add,
        rows=results,
        queries=4,  # token with user and roles; the team; membership; the page of requests with their people
    )
    dues = [r["due_at"] for r in response.json()["results"]]
    assert dues == sorted(dues)
    first = acc_api.get(f"{BASE}/teams/{kind.team_id}/queue/?page_size=15").json()
    second = acc_api.get(first["next"]).json()
    assert len(first["results"]) == 15 and len(second["results"]) == 5
    assert not {r["id"] for r in first["results"]} & {r["id"] for r in second["results"]}


def test_queue_updated_since_and_status_filters(acc_api, kind, sales_manager, accountant):
    old = services.request_open(kind=kind, by=sales_manager, subject="old")
    InternalRequest.objects.filter(pk=old.pk).update(updated_at=timezone.now() - timedelta(days=2))
    new = services.request_open(kind=kind, by=sales_manager, subject="new")
    since = (timezone.now() - timedelta(days=1)).isoformat()
    body = acc_api.get(f"{BASE}/teams/{kind.team_id}/queue/", {"updated_since": since}).json()
    assert [r["id"] for r in body["results"]] == [new.pk]
    services.request_complete(request=new, by=accountant, note="done")
    assert [r["id"] for r in acc_api.get(f"{BASE}/teams/{kind.team_id}/queue/").json()["results"]] == [old.pk]
    done = acc_api.get(f"{BASE}/teams/{kind.team_id}/queue/", {"status": "done"}).json()["results"]
    assert [r["id"] for r in done] == [new.pk]
    assert acc_api.get(f"{BASE}/teams/{kind.team_id}/queue/", {"updated_since": "yesterday"}).status_code == 400


def test_my_requests_list_has_the_same_queries_at_any_size(sm_api, kind, sales_manager):
    assert_same_queries_at_two_sizes(
        fetch=lambda: sm_api.get(f"{BASE}/requests/?page_size=50"),
        add_rows=lambda n: [services.request_open(kind=kind, by=sales_manager, subject="s") for _ in range(n)],
        rows=results,
        queries=2,  # token with user and roles; the page of requests with their people
    )


def test_teams_and_kinds_are_set_up_by_administrators(sm_api, acc_api, admin_api, accountant):
    payload = {"name": "IT", "code": "it", "members": [accountant.pk]}
    assert sm_api.post(f"{BASE}/teams/", payload, format="json").status_code == 403
    assert acc_api.post(f"{BASE}/teams/", payload, format="json").status_code == 403
    response = admin_api.post(f"{BASE}/teams/", payload, format="json")
    assert response.status_code == 201, response.content
    team_id = response.json()["id"]
    assert admin_api.post(f"{BASE}/teams/", payload, format="json").status_code == 400  # name taken
    assert sm_api.patch(f"{BASE}/teams/{team_id}/", {"name": "Tech"}, format="json").status_code == 403
    response = admin_api.patch(f"{BASE}/teams/{team_id}/", {"name": "Tech", "members": []}, format="json")
    assert response.status_code == 200 and response.json()["name"] == "Tech" and response.json()["members"] == []
    kind = {"team": team_id, "code": "laptop", "name": "Laptop", "turnaround_hours": "8"}
    assert sm_api.post(f"{BASE}/kinds/", kind, format="json").status_code == 403
    assert admin_api.post(f"{BASE}/kinds/", {**kind, "turnaround_hours": "0"}, format="json").status_code == 400
    response = admin_api.post(f"{BASE}/kinds/", kind, format="json")
    assert response.status_code == 201
    kind_id = response.json()["id"]
    assert acc_api.patch(f"{BASE}/kinds/{kind_id}/", {"turnaround_hours": "4"}, format="json").status_code == 403
    response = admin_api.patch(f"{BASE}/kinds/{kind_id}/", {"turnaround_hours": "4"}, format="json")
    assert response.status_code == 200 and response.json()["turnaround_hours"] == "4.00"
    assert Team.objects.filter(code="it").exists()
    assert acc_api.get(f"{BASE}/kinds/").status_code == 200 and acc_api.get(f"{BASE}/teams/").status_code == 200


def test_team_list_costs_the_same_queries_at_any_size(acc_api, accountant):
    counter = iter(range(1000))

    def add(n):
        for _ in range(n):
            i = next(counter)
            make_team(code=f"team-{i}", name=f"Team {i}", members=[accountant])

    assert_same_queries_at_two_sizes(
        fetch=lambda: acc_api.get(f"{BASE}/teams/?page_size=50"),
        add_rows=add,
        rows=lambda r: len([t for t in r.json()["results"] if t["code"].startswith("team-")]),
        queries=3,  # token with user and roles; the page of teams; their members
    )
