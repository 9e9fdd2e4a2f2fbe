import itertools
import re
from datetime import timedelta

import pytest
from django.urls import reverse

from clients import services
from clients.card import tabs_for
from clients.models import Client, FollowUpTask, Interaction, Promise
from tests.factories import ClientFactory, SegmentFactory, today
from tests.querycount import assert_same_queries_at_two_sizes

pytestmark = pytest.mark.django_db
HX = {"HTTP_HX_REQUEST": "true"}


def client_rows(response) -> int:
    return len(re.findall(rb'<td><a href="/clients/\d+/">', response.content))


def test_list_page_renders_filters_with_the_same_queries_for_2_and_20_clients(sm_client, sales_manager):
    seg = SegmentFactory(code="retail")

    def add(n):
        for i in range(n):
            c = ClientFactory(segment=seg, manager=sales_manager if i % 2 else None)
            services.client_update(client=c, tags=["vip"])

    response = assert_same_queries_at_two_sizes(
        fetch=lambda: sm_client.get(reverse("clients:list")), add_rows=add, rows=client_rows, queries=6
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert f'<option value="{seg.pk}">{seg.name}</option>' in body and ">vip</option>" in body


def test_list_search_fragment_is_htmx_partial_with_the_same_queries_for_2_and_20_matches(sm_client):
    ClientFactory(name="Ink World")

    def add(n):
        for _ in range(n):
            ClientFactory(name=f"Paper House {Client.objects.count()}")

    response = assert_same_queries_at_two_sizes(
        fetch=lambda: sm_client.get(reverse("clients:list"), {"q": "paper"}, **HX),
        add_rows=add,
        rows=client_rows,
        queries=3,  # session, user with roles, the matching clients (company contacts inside the same statement)
    )
    body = response.content.decode()
    assert "<html" not in body and body.count("Paper House") == 20 and "Ink World" not in body


def test_list_filters_by_manager_status_and_paginates(sm_client, sales_manager):
    mine = ClientFactory(manager=sales_manager, status="lead", name="Mine Co")
    ClientFactory(status="active", name="Other Co")
    body = sm_client.get(reverse("clients:list"), {"manager": sales_manager.pk, "status": "lead"}).content.decode()
    assert mine.name in body and "Other Co" not in body
    for _ in range(55):
        ClientFactory()
    page1 = sm_client.get(reverse("clients:list")).content.decode()
    assert 'id="next-page"' in page1
    page2 = sm_client.get(reverse("clients:list"), {"page": 2}).content.decode()
    assert 'id="prev-page"' in page2


def test_export_csv_follows_the_filters(sm_client, sales_manager):
    ClientFactory(name="Alpha", manager=sales_manager)
    ClientFactory(name="Beta")
    response = sm_client.get(reverse("clients:export"), {"q": "alpha"})
    content = b"".join(response.streaming_content).decode()
    assert response["Content-Type"].startswith("text/csv")
    assert "Alpha" in content and "Beta" not in content


@pytest.mark.parametrize("role, queries", [("sales_manager", 4), ("accountant", 3)])
def test_export_csv_costs_the_same_queries_for_2_and_20_clients(client, sales_manager, accountant, role, queries):
    client.force_login({"sales_manager": sales_manager, "accountant": accountant}[role])
    segment = SegmentFactory(code="retail")

    def add(n):
        for i in range(n):
            c = ClientFactory(segment=segment, manager=sales_manager if i % 2 else None)
            services.client_update(client=c, tags=["vip", f"fair {i % 3}"])

    def fetch():
        response = client.get(reverse("clients:export"))
        return b"".join(response.streaming_content).decode()  # the rows are read while streaming

    assert_same_queries_at_two_sizes(
        fetch=fetch, add_rows=add, rows=lambda body: len(body.splitlines()) - 1, queries=queries
    )


def test_accountant_sees_billing_only_and_is_denied_the_card_and_forms(acc_client):
    client = ClientFactory(address="1 Billing Road", first_contact_request="SECRET REQUEST")
    body = acc_client.get(reverse("clients:list")).content.decode()
    assert "1 Billing Road" in body and "Manager" not in body
    assert acc_client.get(reverse("clients:card", args=[client.pk])).url == reverse("clients:billing", args=[client.pk])
    billing = acc_client.get(reverse("clients:billing", args=[client.pk])).content.decode()
    assert "1 Billing Road" in billing and "SECRET REQUEST" not in billing
    for name in ("tab_overview", "tab_timeline", "tab_history", "edit"):
        assert acc_client.get(reverse(f"clients:{name}", args=[client.pk])).status_code == 403
    assert acc_client.get(reverse("clients:new")).status_code == 403
    assert acc_client.get(reverse("clients:tasks")).status_code == 403
    assert acc_client.get(reverse("clients:import")).status_code == 403
    assert acc_client.post(reverse("clients:interaction_new", args=[client.pk]), {}).status_code == 403
    export = b"".join(acc_client.get(reverse("clients:export")).streaming_content).decode()
    assert export.startswith("id,name,kind,address,email,phone,external_id")


def test_no_role_user_is_denied_every_page(client, no_role_user):
    client.force_login(no_role_user)
    assert client.get(reverse("clients:list")).status_code == 403
    assert client.get(reverse("clients:new")).status_code == 403


def test_anonymous_is_sent_to_login(client):
    assert client.get(reverse("clients:list")).status_code == 302


def test_first_contact_creates_client_with_contact_and_consent(sm_client, sales_manager):
    response = sm_client.post(
        reverse("clients:new"),
        {
            "kind": "company",
            "name": "Fresh Prints",
            "phone": "020 7946 0111",
            "email": "Hello@Fresh.Example",
            "first_contact_channel": "phone",
            "first_contact_request": "Business cards",
            "opt_in": ["email"],
            "contact_name": "Jo",
            "contact_phone": "020 7946 0112",
        },
    )
    client = Client.objects.get(name="Fresh Prints")
    assert response.url == reverse("clients:card", args=[client.pk])
    assert client.manager == sales_manager and client.phone == "+442079460111"
    assert client.contacts.get().phone == "+442079460112"
    assert client.consents.get().channel == "email"


def test_first_contact_warns_of_duplicate_and_needs_confirmation(sm_client):
    existing = ClientFactory(phone="+442079460222", name="Known Ltd")
    data = {"kind": "company", "name": "Someone", "phone": "02079460222", "first_contact_channel": "phone"}
    response = sm_client.post(reverse("clients:new"), data)
    assert response.status_code == 200
    assert "Known Ltd" in response.content.decode() and Client.objects.count() == 1
    response = sm_client.post(reverse("clients:new"), {**data, "create_anyway": "on"})
    assert response.status_code == 302 and Client.objects.count() == 2
    created = Client.objects.exclude(pk=existing.pk).get()
    assert response.url == reverse("clients:card", args=[created.pk])
    assert (created.name, created.phone) == ("Someone", "+442079460222")
    existing.refresh_from_db()
    assert existing.name == "Known Ltd" and existing.merged_into is None


def test_first_contact_bad_phone_shows_field_error_and_saves_nothing(sm_client):
    response = sm_client.post(
        reverse("clients:new"), {"kind": "person", "name": "X", "phone": "12", "first_contact_channel": "phone"}
    )
    assert response.status_code == 200 and 'id="id_phone-error"' in response.content.decode()
    assert not Client.objects.exists()


def test_duplicates_fragment_lists_candidates_with_the_same_queries_for_2_and_8(sm_client, sales_manager):
    def add(n):
        for _ in range(n):  # matched by email: the name match differs by database (trigrams on PostgreSQL)
            ClientFactory(name=f"Known {Client.objects.count()}", email="np@x.example", manager=sales_manager)

    response = assert_same_queries_at_two_sizes(
        fetch=lambda: sm_client.get(reverse("clients:duplicates"), {"email": "NP@x.example"}, **HX),
        add_rows=add,
        rows=lambda r: r.content.count(b"phone or email"),
        queries=3,
        sizes=(2, 8),  # the fragment shows at most eight candidates
    )
    assert response.status_code == 200


def test_duplicates_fragment_finds_a_client_by_email(sm_client):
    ClientFactory(name="Northern Paper Mill", email="np@x.example")
    response = sm_client.get(reverse("clients:duplicates"), {"email": "NP@x.example", "name": "Northern"}, **HX)
    assert "Northern Paper Mill" in response.content.decode()


def test_card_opens_and_history_tab_shows_who_changed_what(sm_client, sales_manager):
    client = ClientFactory(manager=sales_manager)
    for i in range(3):
        services.client_update(client=client, by=sales_manager, address=f"street {i}")
    assert sm_client.get(reverse("clients:card", args=[client.pk])).status_code == 200
    history = sm_client.get(reverse("clients:tab_history", args=[client.pk]), **HX).content.decode()
    assert "street 2" in history and "Sm" in history


TAB_ROW = {
    "timeline": rb'<li class="timeline-item">',
    "contacts": rb"<tr><td>",
    "promises": rb'<tr class="promise"',
    "tasks": rb'<tr id="task-',
    "history": rb'<td class="nowrap">',
}


_numbers = itertools.count()


def _add_to_tab(tab, *, client, manager, n):
    for _ in range(n):
        i = next(_numbers)  # a fresh number each time, so each new address is a change
        if tab == "timeline":
            services.interaction_create(client=client, staff=manager, kind="call", summary=f"call {i}")
        elif tab == "contacts":
            services.contact_add(client=client, name=f"contact {i}")
        elif tab == "promises":
            services.promise_create(client=client, text=f"promise {i}", promised_by=manager, due_date=today())
        elif tab == "tasks":
            services.task_create(client=client, assignee=manager, title=f"task {i}", due_date=today())
        else:
            services.client_update(client=client, by=manager, address=f"street {i}")


@pytest.mark.parametrize(
    "tab, queries", [("timeline", 6), ("contacts", 6), ("promises", 6), ("tasks", 6), ("history", 7)]
)
def test_card_list_tabs_cost_the_same_queries_for_2_and_20_rows(sm_client, sales_manager, tab, queries):
    client = ClientFactory(manager=sales_manager, consent=[])
    shown_before = 1 if tab == "history" else 0  # the history starts with the client's creation
    response = assert_same_queries_at_two_sizes(
        fetch=lambda: sm_client.get(reverse(f"clients:tab_{tab}", args=[client.pk]), **HX),
        add_rows=lambda n: _add_to_tab(tab, client=client, manager=sales_manager, n=n),
        rows=lambda r: len(re.findall(TAB_ROW[tab], r.content)) - shown_before,
        queries=queries,
    )
    assert response.status_code == 200


def test_overview_tab_costs_the_same_queries_for_2_and_20_hand_overs(
    admin_client_role, administrator, sales_manager, other_sales_manager
):
    client = ClientFactory(manager=None, preferred_channels=["email", "sms"])

    def hand_over(n):
        for _ in range(n):
            nxt = other_sales_manager if client.manager_id == sales_manager.pk else sales_manager
            client.manager = services.client_reassign(client=client, manager=nxt, by=administrator).manager

    response = assert_same_queries_at_two_sizes(
        fetch=lambda: admin_client_role.get(reverse("clients:tab_overview", args=[client.pk]), **HX),
        add_rows=hand_over,
        rows=lambda r: r.content.decode().split('id="manager-history"')[1].count("<li>"),
        queries=8,  # one of them the consent history
    )
    assert response.status_code == 200 and b"Sm2" in response.content


def test_history_tab_shows_consent_changes(sm_client, sales_manager):
    client = ClientFactory(manager=sales_manager, consent=[])
    services.consent_set(client=client, channel="sms", status="opt_in", source="web form", by=sales_manager)
    services.consent_set(client=client, channel="sms", status="opt_out", source="unsubscribe link")
    history = sm_client.get(reverse("clients:tab_history", args=[client.pk]), **HX).content.decode()
    assert "consent: sms" in history and "opt_out (unsubscribe link)" in history


def test_card_tabs_skip_urls_that_do_not_exist_yet():
    labels = [t["label"] for t in tabs_for(1)]
    assert labels[:5] == ["Overview", "Timeline", "Contacts", "Promises", "Tasks"] and labels[-1] == "History"


def test_log_call_with_next_step_then_promise_from_the_card(sm_client, sales_manager):
    client = ClientFactory(manager=sales_manager)
    due = today() + timedelta(days=1)
    response = sm_client.post(
        reverse("clients:interaction_new", args=[client.pk]),
        {"kind": "call", "summary": "Wants a quote", "next_step": "Send quote", "next_step_due": due.isoformat()},
        **HX,
    )
    assert "Wants a quote" in response.content.decode()
    assert FollowUpTask.objects.get(client=client).title == "Send quote"
    response = sm_client.post(
        reverse("clients:promise_new", args=[client.pk]), {"text": "Samples", "due_date": due.isoformat()}, **HX
    )
    assert "Samples" in response.content.decode()
    promise = Promise.objects.get()
    sm_client.post(reverse("clients:promise_resolve", args=[promise.pk, "keep"]), {"resolution": "posted"}, **HX)
    promise.refresh_from_db()
    assert promise.status == "kept"


def test_interaction_form_error_saves_nothing(sm_client):
    client = ClientFactory()
    response = sm_client.post(
        reverse("clients:interaction_new", args=[client.pk]), {"kind": "call", "summary": "x", "next_step": "y"}, **HX
    )
    assert "Give the next step a due date." in response.content.decode()
    assert not Interaction.objects.exists()


def test_sales_manager_cannot_edit_or_reassign_another_managers_client(sm_client, other_sales_manager, sales_manager):
    client = ClientFactory(manager=other_sales_manager, name="Theirs")
    assert sm_client.get(reverse("clients:edit", args=[client.pk])).status_code == 403
    assert sm_client.post(reverse("clients:edit", args=[client.pk]), {"name": "Mine"}).status_code == 403
    assert sm_client.post(reverse("clients:contact_new", args=[client.pk]), {"name": "x"}).status_code == 403
    assert (
        sm_client.post(reverse("clients:reassign", args=[client.pk]), {"manager": sales_manager.pk}).status_code == 403
    )
    client.refresh_from_db()
    assert client.name == "Theirs" and client.manager == other_sales_manager


def test_edit_own_client(sm_client, sales_manager):
    client = ClientFactory(manager=sales_manager, kind="company", external_id=None)
    response = sm_client.post(
        reverse("clients:edit", args=[client.pk]),
        {
            "kind": "company",
            "name": "Renamed",
            "phone": "",
            "email": "",
            "status": "dormant",
            "tags": "a, b",
            "preferred_channels": ["sms"],
        },
    )
    assert response.status_code == 302
    client.refresh_from_db()
    assert (client.name, client.status, client.preferred_channels) == ("Renamed", "dormant", ["sms"])


def test_consent_change_from_card(sm_client, sales_manager):
    client = ClientFactory(manager=sales_manager, consent=["email"])
    sm_client.post(
        reverse("clients:consent", args=[client.pk]),
        {"channel": "email", "status": "opt_out", "source": "asked on the phone"},
        **HX,
    )
    assert client.consents.get().status == "opt_out"


def test_tasks_page_lists_mine_and_completes(sm_client, sales_manager, other_sales_manager):
    client = ClientFactory()
    mine = [
        services.task_create(client=client, assignee=sales_manager, title=f"m{i}", due_date=today())[0]
        for i in range(4)
    ]
    services.task_create(client=client, assignee=other_sales_manager, title="theirs", due_date=today())
    body = sm_client.get(reverse("clients:tasks")).content.decode()
    assert "m3" in body and "theirs" not in body
    sm_client.post(reverse("clients:task_close", args=[mine[0].pk, "done"]), {"next": "tasks"}, **HX)
    mine[0].refresh_from_db()
    assert mine[0].status == "done"


def test_tasks_page_costs_the_same_queries_for_2_and_20_tasks(sm_client, sales_manager, other_sales_manager):
    services.task_create(client=ClientFactory(), assignee=other_sales_manager, title="theirs", due_date=today())

    def add(n):
        for i in range(n):
            services.task_create(client=ClientFactory(), assignee=sales_manager, title=f"m{i}", due_date=today())

    response = assert_same_queries_at_two_sizes(
        fetch=lambda: sm_client.get(reverse("clients:tasks")),
        add_rows=add,
        rows=lambda r: r.content.count(b'<tr id="task-'),
        queries=3,
    )
    assert b"theirs" not in response.content


def test_closing_someone_elses_task_is_denied(sm_client, other_sales_manager):
    task, _ = services.task_create(client=ClientFactory(), assignee=other_sales_manager, title="x", due_date=today())
    assert sm_client.post(reverse("clients:task_close", args=[task.pk, "done"])).status_code == 403


def test_merge_page_is_denied_to_sales_managers(sm_client):
    assert sm_client.get(reverse("clients:merge")).status_code == 403


def test_merge_page_merges_for_administrators(admin_client_role):
    a, b = ClientFactory(), ClientFactory()
    assert admin_client_role.get(reverse("clients:merge"), {"survivor": a.pk, "loser": b.pk}).status_code == 200
    response = admin_client_role.post(reverse("clients:merge"), {"survivor": a.pk, "loser": b.pk, "confirm": "1"})
    assert response.status_code == 302
    b.refresh_from_db()
    assert b.merged_into == a


def test_dashboard_shows_sales_manager_panels(sm_client, sales_manager):
    client = ClientFactory()
    services.task_create(client=client, assignee=sales_manager, title="Ring back", due_date=today())
    services.promise_create(
        client=client, text="Late promise", promised_by=sales_manager, due_date=today() - timedelta(days=2)
    )
    body = sm_client.get("/").content.decode()
    assert "Ring back" in body and "Late promise" in body and "panel-my-kept-rate" in body


def test_dashboard_shows_admin_rates(admin_client_role, sales_manager):
    p = services.promise_create(client=ClientFactory(), text="x", promised_by=sales_manager, due_date=today())
    services.promise_keep(promise=p, how="done")
    body = admin_client_role.get("/").content.decode()
    assert "panel-kept-rates" in body and "100%" in body


def test_quick_action_is_new_contact_for_sales_and_admin_only(rf, sales_manager, accountant):
    from clients.context_processors import quick_action

    request = rf.get("/")
    request.user = sales_manager
    assert quick_action(request)["quick_action"]["url"] == reverse("clients:new")
    request.user = accountant
    assert quick_action(request) == {}


def test_every_page_carries_the_new_contact_button_for_sales_not_for_accounts(sales_manager, accountant):
    from django.test import Client as Browser

    seller, accounts = Browser(), Browser()
    seller.force_login(sales_manager)
    accounts.force_login(accountant)
    body = seller.get(reverse("clients:list")).content.decode()
    assert 'id="quick-action"' in body and f'href="{reverse("clients:new")}"' in body
    assert 'id="quick-action"' not in accounts.get("/").content.decode()


def test_history_restore_after_push_url_gets_the_whole_page(sm_client):
    response = sm_client.get(
        reverse("clients:list"), {"q": "x"}, HTTP_HX_REQUEST="true", HTTP_HX_HISTORY_RESTORE_REQUEST="true"
    )
    assert b"<html" in response.content


def test_merge_page_prefilled_from_the_card_shows_no_errors(admin_client_role):
    loser = ClientFactory()
    body = admin_client_role.get(reverse("clients:merge"), {"loser": loser.pk}).content.decode()
    assert "field-error" not in body and f'value="{loser.pk}"' in body


def test_filter_choices_are_cached_yet_show_a_new_segment_tag_or_manager_at_once(sm_client, django_assert_num_queries):
    from tests.conftest import make_user

    sm_client.get(reverse("clients:list"))
    SegmentFactory(name="Print shops")
    services.client_update(client=ClientFactory(), tags=["trade fair"])
    make_user("nadianew", "Sales manager")
    body = sm_client.get(reverse("clients:list")).content.decode()
    assert "Print shops" in body and "trade fair" in body and "Nadianew" in body
    with django_assert_num_queries(3):  # session, user with roles, rows with their tags: no choice lists
        sm_client.get(reverse("clients:list"))
