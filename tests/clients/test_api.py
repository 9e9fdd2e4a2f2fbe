from datetime import timedelta

import pytest

from clients import services
from clients.models import Client, FollowUpTask, Interaction, Promise
from tests.factories import ClientFactory, SegmentFactory, today
from tests.querycount import assert_same_queries_at_two_sizes

pytestmark = pytest.mark.django_db

URL = "/api/v1/clients/"


def results(response) -> int:
    return len(response.json()["results"])


def test_list_returns_documented_fields_with_the_same_queries_for_2_and_20_clients(sm_api):
    segment = SegmentFactory(code="retail")
    response = assert_same_queries_at_two_sizes(
        fetch=lambda: sm_api.get(URL),
        add_rows=lambda n: [ClientFactory(segment=segment, preferred_channels=["email", "sms"]) for _ in range(n)],
        rows=results,
        queries=2,  # token with user and roles; clients with segment code and consents
    )
    assert response.status_code == 200
    row = response.json()["results"][0]
    assert set(row) >= {
        "id",
        "kind",
        "name",
        "email",
        "phone",
        "segment",
        "manager",
        "status",
        "first_contact_channel",
        "first_contact_at",
        "preferred_channels",
        "consents",
        "external_id",
        "created_at",
        "updated_at",
    }
    assert row["segment"] == "retail"
    assert {c["channel"] for c in row["consents"]} == {"email", "sms"}


def test_list_filters_and_search(sm_api, sales_manager):
    seg = SegmentFactory(code="wholesale")
    a = ClientFactory(name="Alpha Paper", segment=seg, manager=sales_manager, status="lead")
    ClientFactory(name="Beta Ink")
    assert [r["id"] for r in sm_api.get(URL, {"segment": "wholesale"}).json()["results"]] == [a.pk]
    assert sm_api.get(URL, {"segment": "no-such-segment"}).json()["results"] == []
    assert [r["id"] for r in sm_api.get(URL, {"manager": sales_manager.pk}).json()["results"]] == [a.pk]
    assert [r["id"] for r in sm_api.get(URL, {"status": "lead"}).json()["results"]] == [a.pk]
    assert [r["id"] for r in sm_api.get(URL, {"search": "alpha"}).json()["results"]] == [a.pk]
    later = sm_api.get(URL, {"updated_since": "2999-01-01T00:00:00Z"}).json()["results"]
    assert later == []


def test_search_finds_company_by_contact_phone(sm_api):
    company = ClientFactory(name="Gamma")
    services.contact_add(client=company, name="Zed", phone="020 7946 0777")
    assert [r["id"] for r in sm_api.get(URL, {"search": "7946 0777"}).json()["results"]] == [company.pk]


def test_create_normalises_and_assigns_the_creating_manager(sm_api, sales_manager):
    SegmentFactory(code="retail")
    response = sm_api.post(
        URL,
        {
            "name": "New Co",
            "phone": "020 7946 0999",
            "email": "Hi@New.Example",
            "segment": "retail",
            "preferred_channels": ["email"],
            "consents": {"email": "opt_in"},
        },
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["phone"], body["email"], body["manager"]) == ("+442079460999", "hi@new.example", sales_manager.pk)
    assert body["consents"][0]["status"] == "opt_in"


def test_create_with_known_phone_answers_409_with_candidates_unless_forced(sm_api):
    existing = ClientFactory(phone="+442079460555")
    response = sm_api.post(URL, {"name": "Again", "phone": "020 7946 0555"})
    assert response.status_code == 409
    assert response.json()["candidates"][0]["id"] == existing.pk
    assert Client.objects.count() == 1
    assert sm_api.post(URL + "?force=true", {"name": "Again", "phone": "020 7946 0555"}).status_code == 201
    assert sm_api.post(URL, {"name": "Third", "phone": "020 7946 0555", "force": True}).status_code == 201


@pytest.mark.parametrize(
    "payload,field",
    [
        ({"name": "X", "phone": "123"}, "phone"),
        ({"name": "X", "email": "nope"}, "email"),
        ({"name": "X", "segment": "no-such"}, "segment"),
        ({"name": "X", "manager": 999999}, "manager"),
        ({"email": "a@b.example"}, "name"),
        ({"name": "X", "preferred_channels": ["pigeon"]}, "preferred_channels"),
    ],
)
def test_create_bad_input_is_400_with_field_messages_and_saves_nothing(sm_api, payload, field):
    response = sm_api.post(URL, payload)
    assert response.status_code == 400
    assert field in response.json()
    assert not Client.objects.exists()


def test_manager_must_be_a_sales_manager(admin_api, accountant):
    response = admin_api.post(URL, {"name": "X", "manager": accountant.pk})
    assert response.status_code == 400 and "manager" in response.json()


def test_accountant_reads_billing_details_only_and_cannot_write(acc_api):
    client = ClientFactory(address="1 Road")
    rows = acc_api.get(URL).json()["results"]
    assert set(rows[0]) == {"id", "name", "kind", "address", "email", "phone", "external_id"}
    assert set(acc_api.get(f"{URL}{client.pk}/").json()) == set(rows[0])
    assert acc_api.post(URL, {"name": "X"}).status_code == 403
    assert acc_api.patch(f"{URL}{client.pk}/", {"name": "X"}).status_code == 403
    assert acc_api.get(f"{URL}{client.pk}/interactions/").status_code == 403
    assert acc_api.get(f"{URL}{client.pk}/promises/").status_code == 403
    assert acc_api.get("/api/v1/tasks/").status_code == 403
    assert acc_api.get(f"{URL}duplicates/?name=abc").status_code == 403


def test_accountant_may_not_filter_by_what_the_list_page_hides_from_them(acc_api, sm_api, sales_manager):
    ClientFactory(manager=sales_manager, name="Own")
    segment = SegmentFactory()
    for query in (f"manager={sales_manager.pk}", "status=active", f"segment={segment.code}"):
        refused = acc_api.get(f"{URL}?{query}")
        assert refused.status_code == 403, query
        assert query.split("=")[0] in refused.json()["detail"]
        assert sm_api.get(f"{URL}?{query}").status_code == 200
    assert acc_api.get(f"{URL}?search=Own").json()["results"][0]["name"] == "Own"


def test_unauthenticated_and_roleless_are_refused(api_client, api_client_for, no_role_user):
    assert api_client.get(URL).status_code == 401
    assert api_client_for(no_role_user).get(URL).status_code == 403


def test_sales_manager_updates_own_and_unassigned_but_not_others(sm_api, sales_manager, other_sales_manager):
    own = ClientFactory(manager=sales_manager)
    unassigned = ClientFactory(manager=None)
    foreign = ClientFactory(manager=other_sales_manager, name="Theirs")
    assert sm_api.patch(f"{URL}{own.pk}/", {"status": "active"}).status_code == 200
    assert sm_api.patch(f"{URL}{unassigned.pk}/", {"address": "x"}).status_code == 200
    assert sm_api.patch(f"{URL}{foreign.pk}/", {"name": "Mine"}).status_code == 403
    foreign.refresh_from_db()
    assert foreign.name == "Theirs"


def test_update_with_bad_phone_is_400_and_changes_nothing(admin_api):
    client = ClientFactory(name="Keep")
    response = admin_api.patch(f"{URL}{client.pk}/", {"name": "Changed", "phone": "12"})
    assert response.status_code == 400 and "phone" in response.json()
    client.refresh_from_db()
    assert client.name == "Keep"


def test_upsert_by_external_id_creates_then_updates_and_is_safe_to_repeat(admin_api):
    url = f"{URL}by-external-id/ERP-1/"
    payload = {"name": "ERP Client", "email": "erp@x.example", "contacts": [{"name": "Ann"}]}
    first = admin_api.put(url, payload)
    assert first.status_code == 201
    again = admin_api.put(url, payload)
    assert again.status_code == 200 and again.json()["id"] == first.json()["id"]
    changed = admin_api.put(url, {**payload, "name": "ERP Client 2"})
    assert changed.json()["name"] == "ERP Client 2"
    client = Client.objects.get(external_id="ERP-1")
    assert client.contacts.count() == 1
    assert Client.objects.count() == 1


def test_upsert_bad_input_is_400_and_saves_nothing(admin_api):
    response = admin_api.put(f"{URL}by-external-id/ERP-2/", {"name": "X", "email": "bad"})
    assert response.status_code == 400 and "email" in response.json()
    assert not Client.objects.exists()


def test_upsert_denied_for_accountant(acc_api):
    assert acc_api.put(f"{URL}by-external-id/ERP-3/", {"name": "X"}).status_code == 403


def test_duplicates_endpoint_matches_phone_email_and_name(sm_api):
    by_phone = ClientFactory(phone="+442079460321", name="Phone Match")
    by_name = ClientFactory(name="Riverside Printing", email="r@x.example")
    response = sm_api.get(f"{URL}duplicates/", {"phone": "020 7946 0321", "name": "Riverside"})
    found = {r["id"]: r["match"] for r in response.json()}
    assert found == {by_phone.pk: "phone or email", by_name.pk: "similar name"}


def test_interactions_create_with_next_step_and_list(sm_api, sales_manager):
    client = ClientFactory(manager=sales_manager)
    due = (today() + timedelta(days=1)).isoformat()
    response = sm_api.post(
        f"{URL}{client.pk}/interactions/",
        {"kind": "call", "summary": "Wants paper", "next_step": "Send offer", "next_step_due": due},
    )
    assert response.status_code == 201, response.json()
    assert FollowUpTask.objects.get().title == "Send offer"
    for _ in range(4):
        services.interaction_create(client=client, staff=sales_manager, kind="note", summary="n")
    assert results(sm_api.get(f"{URL}{client.pk}/interactions/")) == 5


def test_interactions_list_costs_the_same_queries_for_2_and_20(sm_api, sales_manager):
    client = ClientFactory(manager=sales_manager)
    assert_same_queries_at_two_sizes(
        fetch=lambda: sm_api.get(f"{URL}{client.pk}/interactions/"),
        add_rows=lambda n: [
            services.interaction_create(client=client, staff=sales_manager, kind="note", summary="n") for _ in range(n)
        ],
        rows=results,
        queries=3,
    )


def test_interaction_bad_input_is_400(sm_api):
    client = ClientFactory()
    response = sm_api.post(f"{URL}{client.pk}/interactions/", {"kind": "call", "summary": "x", "next_step": "y"})
    assert response.status_code == 400 and "next_step_due" in response.json()
    assert not Interaction.objects.exists()
    assert sm_api.post(f"{URL}{client.pk}/interactions/", {"kind": "shout", "summary": "x"}).status_code == 400


def test_promises_create_and_list(sm_api, sales_manager):
    client = ClientFactory()
    response = sm_api.post(f"{URL}{client.pk}/promises/", {"text": "Samples", "due_date": today().isoformat()})
    assert response.status_code == 201
    assert response.json()["promised_by"] == sales_manager.pk
    for _ in range(3):
        services.promise_create(client=client, text="x", promised_by=sales_manager, due_date=today())
    assert results(sm_api.get(f"{URL}{client.pk}/promises/")) == 4
    assert sm_api.post(f"{URL}{client.pk}/promises/", {"text": "x"}).status_code == 400
    assert Promise.objects.count() == 4


def test_promises_list_costs_the_same_queries_for_2_and_20(sm_api, sales_manager):
    client = ClientFactory()
    assert_same_queries_at_two_sizes(
        fetch=lambda: sm_api.get(f"{URL}{client.pk}/promises/"),
        add_rows=lambda n: [
            services.promise_create(client=client, text="x", promised_by=sales_manager, due_date=today())
            for _ in range(n)
        ],
        rows=results,
        queries=3,
    )


def test_tasks_list_own_only_for_sales_manager(sm_api, admin_api, sales_manager, other_sales_manager):
    client = ClientFactory()
    for user in (sales_manager, sales_manager, other_sales_manager):
        services.task_create(client=client, assignee=user, title="t", due_date=today())
    assert results(sm_api.get("/api/v1/tasks/")) == 2
    assert results(admin_api.get("/api/v1/tasks/")) == 3
    created = sm_api.post("/api/v1/tasks/", {"client": client.pk, "title": "Call", "due_date": today().isoformat()})
    assert created.status_code == 201 and created.json()["assignee"] == sales_manager.pk
    assert sm_api.post("/api/v1/tasks/", {"client": client.pk, "title": "Call"}).status_code == 400


def test_tasks_list_costs_the_same_queries_for_2_and_20(sm_api, sales_manager, other_sales_manager):
    services.task_create(client=ClientFactory(), assignee=other_sales_manager, title="theirs", due_date=today())
    assert_same_queries_at_two_sizes(
        fetch=lambda: sm_api.get("/api/v1/tasks/"),
        add_rows=lambda n: [
            services.task_create(client=ClientFactory(), assignee=sales_manager, title="t", due_date=today())
            for _ in range(n)
        ],
        rows=results,
        queries=2,
    )


def test_segments_list_costs_the_same_queries_for_2_and_20(acc_api):
    assert_same_queries_at_two_sizes(
        fetch=lambda: acc_api.get("/api/v1/segments/"),
        add_rows=lambda n: [SegmentFactory() for _ in range(n)],
        rows=results,
        queries=2,
    )


def test_duplicates_endpoint_costs_the_same_queries_for_2_and_8_candidates(sm_api, sales_manager):
    def add(n):
        for _ in range(n):  # matched by phone: the name match differs by database (trigrams on PostgreSQL)
            ClientFactory(phone="+442079460321", manager=sales_manager)

    assert_same_queries_at_two_sizes(
        fetch=lambda: sm_api.get(f"{URL}duplicates/", {"phone": "020 7946 0321"}),
        add_rows=add,
        rows=lambda r: len(r.json()),
        queries=2,
        sizes=(2, 8),  # at most eight candidates are answered
    )


def test_segments_read_for_all_roles_write_for_admins(sm_api, acc_api, admin_api):
    SegmentFactory(code="retail")
    assert len(acc_api.get("/api/v1/segments/").json()["results"]) == 1
    assert sm_api.post("/api/v1/segments/", {"name": "Office", "code": "office"}).status_code == 403
    assert admin_api.post("/api/v1/segments/", {"name": "Office", "code": "office"}).status_code == 201
    assert admin_api.post("/api/v1/segments/", {"name": "", "code": "x"}).status_code == 400


def test_cursor_pagination_walks_every_client_once(sm_api):
    ids = {ClientFactory().pk for _ in range(7)}
    seen, url = [], f"{URL}?page_size=3"
    while url:
        body = sm_api.get(url).json()
        seen += [r["id"] for r in body["results"]]
        url = body["next"]
    assert sorted(seen) == sorted(ids)


def test_task_complete_and_cancel_through_the_api(sm_api, acc_api, sales_manager, other_sales_manager):
    client = ClientFactory()
    mine, _ = services.task_create(client=client, assignee=sales_manager, title="a", due_date=today())
    theirs, _ = services.task_create(client=client, assignee=other_sales_manager, title="b", due_date=today())
    assert sm_api.post(f"/api/v1/tasks/{mine.pk}/complete/").json()["status"] == "done"
    assert sm_api.post(f"/api/v1/tasks/{mine.pk}/cancel/").status_code == 400  # already done
    assert sm_api.post(f"/api/v1/tasks/{theirs.pk}/complete/").status_code == 403
    assert acc_api.post(f"/api/v1/tasks/{theirs.pk}/cancel/").status_code == 403
    theirs.refresh_from_db()
    assert theirs.status == "open"


def test_promise_keep_and_break_through_the_api(sm_api, sales_manager, other_sales_manager):
    client = ClientFactory()
    p1 = services.promise_create(client=client, text="a", promised_by=sales_manager, due_date=today())
    p2 = services.promise_create(client=client, text="b", promised_by=sales_manager, due_date=today())
    p3 = services.promise_create(client=client, text="c", promised_by=other_sales_manager, due_date=today())
    assert sm_api.post(f"/api/v1/promises/{p1.pk}/keep/", {"how": ""}).status_code == 400
    assert sm_api.post(f"/api/v1/promises/{p1.pk}/keep/", {"how": "posted"}).json()["status"] == "kept"
    assert sm_api.post(f"/api/v1/promises/{p2.pk}/break/", {"reason": "no stock"}).json()["status"] == "broken"
    assert sm_api.post(f"/api/v1/promises/{p3.pk}/keep/", {"how": "x"}).status_code == 403
    p3.refresh_from_db()
    assert p3.status == "open"


def test_list_and_detail_give_the_same_consents_with_times(sm_api):
    client = ClientFactory(preferred_channels=["sms", "email"])
    listed = next(r for r in sm_api.get(URL).json()["results"] if r["id"] == client.pk)
    detail = sm_api.get(f"{URL}{client.pk}/").json()
    assert listed["consents"] == detail["consents"]
    assert [c["channel"] for c in listed["consents"]] == ["email", "sms"]
    given = client.consents.get(channel="sms").given_at
    assert listed["consents"][1]["given_at"] == given.isoformat().replace("+00:00", "Z")
