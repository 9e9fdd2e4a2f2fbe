"""Everyone on the team can take a complaint from a client and pass it to the right person: an accountant
records it (page and API) and hands it to a handler who may act on the client; they still see no complaint
list, detail or history, only what they recorded on the intake page (reference, client, handler, status)."""

import pytest
from django.test import Client as PageClient

from complaints import services
from complaints.models import Complaint
from crm.exceptions import ApplicationError
from tests.factories import ClientFactory

pytestmark = pytest.mark.django_db
URL = "/api/v1/complaints/"


def logged_in(user) -> PageClient:
    client = PageClient()
    client.force_login(user)
    return client


def test_an_accountant_records_a_complaint_which_goes_to_the_clients_manager(accountant, sales_manager):
    client = ClientFactory(manager=sales_manager)
    complaint = services.complaint_create(text="Invoice twice", channel="phone", client=client, by=accountant)
    assert complaint.created_by == accountant and complaint.assigned_to == sales_manager


def test_an_accountant_hands_it_to_a_handler_who_looks_after_the_client(
    accountant, sales_manager, other_sales_manager, administrator
):
    client = ClientFactory(manager=sales_manager)
    with pytest.raises(ApplicationError) as exc:
        services.complaint_create(text="x", channel="phone", client=client, by=accountant, hand_to=other_sales_manager)
    assert exc.value.field == "hand_to"
    with pytest.raises(ApplicationError) as exc:
        services.complaint_create(text="x", channel="phone", client=client, by=accountant, hand_to=accountant)
    assert exc.value.field == "hand_to"
    assert not Complaint.objects.exists()
    complaint = services.complaint_create(
        text="x", channel="phone", client=client, by=accountant, hand_to=administrator
    )
    assert complaint.assigned_to == administrator
    assert complaint.events.filter(kind="assigned", note="handed over at intake").exists()


def test_an_unassigned_client_may_be_handed_to_any_sales_manager(accountant, other_sales_manager):
    client = ClientFactory(manager=None)
    complaint = services.complaint_create(
        text="x", channel="walk_in", client=client, by=accountant, hand_to=other_sales_manager
    )
    assert complaint.assigned_to == other_sales_manager


def test_the_accountant_records_on_the_page_stays_there_and_sees_only_what_they_recorded(accountant, sales_manager):
    client = ClientFactory(manager=sales_manager, name="Baker & Sons")
    someone_elses = services.complaint_create(text="Other", channel="phone", client=client, by=sales_manager)
    page = logged_in(accountant)
    response = page.post(
        "/complaints/new/",
        {"channel": "phone", "kind": "complaint", "client_id": client.pk, "text": "Billed twice", "severity": "medium",
         "hand_to": sales_manager.pk},
    )  # fmt: skip
    mine = Complaint.objects.get(created_by=accountant)
    assert response.status_code == 302 and response["Location"] == "/complaints/new/"
    html = page.get("/complaints/new/").content.decode()
    assert f'id="recorded-{mine.reference}"' in html and "Baker &amp; Sons" in html
    assert someone_elses.reference not in html and "Billed twice" not in html  # no text shown
    assert 'href="/complaints/list/"' not in html  # no handler tabs
    assert page.get(f"/complaints/{mine.pk}/").status_code == 403
    assert page.get("/complaints/list/").status_code == 403


def test_bad_intake_on_the_page_is_a_form_error(accountant, other_sales_manager, sales_manager):
    client = ClientFactory(manager=sales_manager)
    page = logged_in(accountant)
    response = page.post(
        "/complaints/new/",
        {"channel": "phone", "kind": "complaint", "client_id": client.pk, "text": "x", "severity": "medium",
         "hand_to": other_sales_manager.pk},
    )  # fmt: skip
    assert response.status_code == 400 and "does not look after this client" in response.content.decode()
    assert not Complaint.objects.exists()


def test_the_api_takes_an_accountants_intake_with_a_hand_over_but_lists_nothing(
    acc_api, sales_manager, other_sales_manager
):
    client = ClientFactory(manager=sales_manager)
    response = acc_api.post(URL, {"text": "Billed twice", "client": client.pk, "channel": "phone"}, format="json")
    assert response.status_code == 201 and response.json()["assigned_to"] == sales_manager.pk
    bad = acc_api.post(
        URL, {"text": "x", "client": client.pk, "channel": "phone", "hand_to": other_sales_manager.pk}, format="json"
    )
    assert bad.status_code == 400 and "hand_to" in bad.json()
    assert acc_api.get(URL).status_code == 403
    assert acc_api.get(f"{URL}{response.json()['id']}/").status_code == 403
    assert Complaint.objects.count() == 1


def test_a_user_without_a_role_still_cannot_record(no_role_user, api_client_for):
    client = ClientFactory()
    assert api_client_for(no_role_user).post(URL, {"text": "x", "client": client.pk}, format="json").status_code == 403
    assert logged_in(no_role_user).get("/complaints/new/").status_code == 403
    with pytest.raises(ApplicationError) as exc:
        services.complaint_create(text="x", channel="phone", client=client, by=no_role_user)
    assert exc.value.code == "forbidden"
