"""Pages people enjoy using, server side: htmx actions confirm through an HX-Trigger toast, fragments vary by
HX-Request and are never stored, history restores get the whole page, the menu is grouped per role, the
first-contact look-up answers on a phone or an email alone, and a field's errors are tied to it."""

import json

import pytest
from django.urls import reverse

from clients.forms import FirstContactForm
from clients.models import FollowUpTask
from clients.services import task_create
from crm.navigation import nav_groups
from tests.factories import ClientFactory, today

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}


def _toasts(response) -> list[dict]:
    return json.loads(response["HX-Trigger"])["crm:toast"]


def test_an_htmx_action_answers_with_its_message_as_a_toast_and_the_page_keeps_it_for_later(sm_client, sales_manager):
    client = ClientFactory(manager=sales_manager)
    task, _ = task_create(client=client, assignee=sales_manager, title="Ring back", due_date=today())
    url = reverse("clients:task_close", args=[task.pk, "done"])
    response = sm_client.post(url, {"next": "card"}, headers=HTMX)
    assert response.status_code == 200
    assert _toasts(response) == [{"level": "success", "text": "Task done: Ring back"}]
    assert "HX-Request" in response["Vary"] and "no-store" in response["Cache-Control"]
    task.refresh_from_db()
    assert task.status == FollowUpTask.Status.DONE

    # without htmx: a redirect, and the message waits for the page it leads to
    other, _ = task_create(client=client, assignee=sales_manager, title="Send samples", due_date=today())
    response = sm_client.post(reverse("clients:task_close", args=[other.pk, "cancel"]), {"next": "card"})
    assert response.status_code == 302 and "HX-Trigger" not in response
    assert b"Task cancelled: Send samples" in sm_client.get(response["Location"], follow=True).content


def test_every_card_form_action_confirms(sm_client, sales_manager):
    client = ClientFactory(manager=sales_manager)
    posts = [
        ("clients:task_new", {"kind": "call_back", "title": "Call", "due_date": today().isoformat()}, "Task added."),
        ("clients:promise_new", {"text": "Samples", "due_date": today().isoformat()}, "Promise recorded."),
        (
            "clients:contact_new",
            {"name": "Ann Lee", "role": "Buyer", "email": "ann@example.com"},
            "Contact person added.",
        ),
        ("clients:interaction_new", {"kind": "call", "summary": "Talked"}, "Interaction logged."),
    ]
    for url_name, data, text in posts:
        response = sm_client.post(reverse(url_name, args=[client.pk]), data, headers=HTMX)
        assert response.status_code == 200, url_name
        assert text in [t["text"] for t in _toasts(response)], (url_name, response.content[:500])


def test_a_refused_form_gets_no_success_toast_and_its_errors_are_tied_to_the_fields(sm_client, sales_manager):
    client = ClientFactory(manager=sales_manager)
    response = sm_client.post(reverse("clients:task_new", args=[client.pk]), {"kind": "call_back"}, headers=HTMX)
    assert "HX-Trigger" not in response
    body = response.content.decode()
    assert 'id="id_title-error"' in body and 'aria-describedby="id_title-error"' in body
    assert 'aria-invalid="true"' in body


def test_a_field_with_errors_and_help_names_both(sm_client):
    form = FirstContactForm({"kind": "person", "name": "X", "phone": "12", "first_contact_channel": "phone"})
    assert not form.is_valid()
    html = str(form["phone"])
    assert 'aria-invalid="true"' in html and 'aria-describedby="id_phone-error"' in html
    page = sm_client.post(reverse("clients:new"), form.data).content.decode()
    assert 'id="id_phone-error"' in page


def test_a_history_restore_gets_the_whole_page_and_a_plain_swap_the_fragment(sm_client):
    ClientFactory(name="Riverside Printing")
    url = reverse("clients:list") + "?q=river"
    restore = sm_client.get(url, headers={**HTMX, "HX-History-Restore-Request": "true"})
    swap = sm_client.get(url, headers=HTMX)
    page = sm_client.get(url)
    assert b'id="main-nav"' in restore.content and b'id="main-nav"' in page.content
    assert b'id="main-nav"' not in swap.content and b"Riverside Printing" in swap.content
    for response in (restore, swap, page):
        assert "HX-Request" in response["Vary"]
    assert "no-store" in swap["Cache-Control"]


@pytest.mark.parametrize(
    ("query", "found"),
    [
        ({"phone": "020 7946 0345"}, True),  # a phone number alone, as typed
        ({"email": "HELLO@Riverside.example"}, True),  # an email alone
        ({"phone": "020 7946"}, False),  # not yet a whole number
        ({"name": "", "phone": "", "email": ""}, False),
    ],
)
def test_the_first_contact_look_up_answers_on_a_phone_or_an_email_alone(sm_client, query, found):
    ClientFactory(name="Riverside Printing Ltd", phone="+442079460345", email="hello@riverside.example")
    response = sm_client.get(reverse("clients:duplicates"), query, headers=HTMX)
    assert response.status_code == 200
    assert (b"Riverside Printing Ltd" in response.content) is found


def test_the_first_contact_form_asks_for_the_look_up_from_the_phone_and_email_fields(sm_client):
    body = sm_client.get(reverse("clients:new")).content.decode()
    aside = body[body.index('<aside id="duplicates"') :]
    aside = aside[: aside.index(">")]
    assert "from:#id_phone" in aside and "from:#id_email" in aside and 'hx-get="/clients/duplicates/"' in aside
    form = body[body.index('<form method="post" id="first-contact-form"') :]
    assert "hx-get" not in form[: form.index(">")]  # htmx validates a form: the required name would block it


def test_the_menu_is_grouped_per_role_and_the_current_group_is_marked(sales_manager, accountant, administrator):
    admin_groups = {g["id"]: [i["label"] for i in g["items"]] for g in nav_groups(administrator)}
    assert admin_groups["clients"] == ["Clients", "Tasks"]
    assert "Invoices" in admin_groups["sales"] and "Admin" in admin_groups["admin"]
    acc = {g["id"] for g in nav_groups(accountant)}
    assert "admin" in acc and "service" in acc  # API docs; standards
    assert all(
        "Admin" not in [i["label"] for i in g["items"]] for g in nav_groups(accountant) + nav_groups(sales_manager)
    )
    lit = [g["id"] for g in nav_groups(sales_manager, "/complaints/12/") if g["active"]]
    assert lit == ["service"]
    largest = max(len(g["items"]) for g in nav_groups(administrator))
    assert largest <= 5, "a group this long no longer reads at a glance"


def test_pages_follow_the_system_colour_scheme_and_link_the_search_box(sm_client):
    body = sm_client.get(reverse("dashboard")).content.decode()
    assert 'data-theme="light"' not in body and 'name="color-scheme" content="light dark"' in body
    assert 'id="global-search"' in body and 'role="search"' in body and 'id="toasts"' in body


def test_closing_a_task_from_the_tasks_page_answers_with_its_rows_and_a_toast(sm_client, sales_manager):
    task, _ = task_create(client=ClientFactory(), assignee=sales_manager, title="Ring back", due_date=today())
    task_create(client=ClientFactory(), assignee=sales_manager, title="Still open", due_date=today())
    response = sm_client.post(reverse("clients:task_close", args=[task.pk, "done"]), {"next": "tasks"}, headers=HTMX)
    assert response.status_code == 200
    assert b"Still open" in response.content and b'id="main-nav"' not in response.content
    assert _toasts(response) == [{"level": "success", "text": "Task done: Ring back"}]
