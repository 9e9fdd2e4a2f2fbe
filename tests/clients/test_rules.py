"""Rules with one home in the services, asked by the card page and the API alike: who may hand a client to
another manager (only an administrator; a sales manager may take an unassigned client or release their own),
who manages a client when nobody was picked at first contact, and the acting user's right checked by the
service itself."""

from html import unescape

import pytest
from django.urls import reverse

from clients import importing, services
from clients.models import ChannelConsent, Client, ContactPerson, ManagerAssignment
from clients.services.rights import REASSIGN_DENIED
from crm.exceptions import ApplicationError
from crm.notifications.models import Notification
from tests.factories import ClientFactory, today

pytestmark = pytest.mark.django_db
API = "/api/v1/clients/"


# --- who may hand a client to another manager ------------------------------------------------------------


def _reassign_on_page(client, user, target, manager):
    client.force_login(user)
    response = client.post(reverse("clients:reassign", args=[target.pk]), {"manager": manager.pk if manager else ""})
    return response.status_code != 403, unescape(response.content.decode())


def _reassign_through_api(api_client_for, user, target, manager):
    response = api_client_for(user).patch(
        f"{API}{target.pk}/", {"manager": manager.pk if manager else None}, format="json"
    )
    assert response.status_code in (200, 403), response.content
    return response.status_code == 200, response.json().get("detail", "")


def _reassign_through_erp_upsert(api_client_for, user, target, manager):
    url = f"{API}by-external-id/{target.external_id}/"
    response = api_client_for(user).put(
        url, {"name": target.name, "manager": manager.pk if manager else None}, format="json"
    )
    assert response.status_code in (200, 403), response.content
    return response.status_code == 200, response.json().get("detail", "")


@pytest.fixture(params=["page", "api", "erp_upsert"])
def reassign(request, client, api_client_for):
    """Hand `target` to `manager` as `user` through one entry point: (allowed, the refusal shown)."""
    if request.param == "page":
        return lambda user, target, manager: _reassign_on_page(client, user, target, manager)
    if request.param == "api":
        return lambda user, target, manager: _reassign_through_api(api_client_for, user, target, manager)
    return lambda user, target, manager: _reassign_through_erp_upsert(api_client_for, user, target, manager)


def test_sales_manager_may_not_give_own_client_to_a_colleague_on_any_entry_point(
    reassign, sales_manager, other_sales_manager
):
    target = ClientFactory(manager=sales_manager, external_id="ERP-OWN")
    allowed, shown = reassign(sales_manager, target, other_sales_manager)
    target.refresh_from_db()
    assert not allowed and str(REASSIGN_DENIED) in shown
    assert target.manager == sales_manager and not ManagerAssignment.objects.exists()


def test_sales_manager_releases_own_client_on_every_entry_point(reassign, sales_manager):
    target = ClientFactory(manager=sales_manager, external_id="ERP-REL")
    allowed, _ = reassign(sales_manager, target, None)
    target.refresh_from_db()
    assert allowed and target.manager is None


def test_sales_manager_takes_an_unassigned_client_for_themself_on_every_entry_point(reassign, sales_manager):
    target = ClientFactory(manager=None, external_id="ERP-FREE")
    allowed, _ = reassign(sales_manager, target, sales_manager)
    target.refresh_from_db()
    assert allowed and target.manager == sales_manager


def test_sales_manager_may_not_move_a_colleagues_client_on_any_entry_point(
    reassign, sales_manager, other_sales_manager
):
    target = ClientFactory(manager=other_sales_manager, external_id="ERP-THEIRS")
    allowed, _ = reassign(sales_manager, target, sales_manager)
    target.refresh_from_db()
    assert not allowed and target.manager == other_sales_manager


def test_administrator_gives_an_unassigned_client_to_anyone_on_every_entry_point(
    reassign, administrator, sales_manager
):
    target = ClientFactory(manager=None, external_id="ERP-ADM")
    allowed, _ = reassign(administrator, target, sales_manager)
    target.refresh_from_db()
    assert allowed and target.manager == sales_manager


def test_refused_handover_through_the_api_changes_no_other_field(sm_api, other_sales_manager):
    target = ClientFactory(manager=None, name="Keep")
    response = sm_api.patch(f"{API}{target.pk}/", {"name": "Changed", "manager": other_sales_manager.pk})
    assert response.status_code == 403
    target.refresh_from_db()
    assert (target.name, target.manager) == ("Keep", None)


# --- the manager at first contact -------------------------------------------------------------------------


def _first_contact_on_page(client, user, name):
    client.force_login(user)
    response = client.post(
        reverse("clients:new"), {"kind": "person", "name": name, "first_contact_channel": "phone", "manager": ""}
    )
    assert response.status_code == 302
    return Client.objects.get(name=name).manager


def _first_contact_through_api(api_client_for, user, name, payload_manager):
    payload = {"name": name} if payload_manager == "omitted" else {"name": name, "manager": None}
    response = api_client_for(user).post(API, payload, format="json")
    assert response.status_code == 201, response.content
    return Client.objects.get(pk=response.json()["id"]).manager


def test_sales_manager_keeps_a_first_contact_with_no_manager_picked_on_page_and_api(
    client, api_client_for, sales_manager
):
    assert _first_contact_on_page(client, sales_manager, "Page Person") == sales_manager
    assert _first_contact_through_api(api_client_for, sales_manager, "Omitted Person", "omitted") == sales_manager
    assert _first_contact_through_api(api_client_for, sales_manager, "Null Person", "null") == sales_manager


def test_administrators_first_contact_with_no_manager_picked_stays_unassigned_on_page_and_api(
    client, api_client_for, administrator
):
    assert _first_contact_on_page(client, administrator, "Page Person") is None
    assert _first_contact_through_api(api_client_for, administrator, "Omitted Person", "omitted") is None
    assert _first_contact_through_api(api_client_for, administrator, "Null Person", "null") is None


def test_first_contact_page_offers_the_manager_client_create_would_pick(client, sales_manager, administrator):
    client.force_login(sales_manager)
    assert client.get(reverse("clients:new")).context["form"].initial == {"manager": sales_manager.pk}
    client.force_login(administrator)
    assert client.get(reverse("clients:new")).context["form"].initial == {}


def test_client_create_default_manager_applies_only_when_nobody_was_chosen(
    sales_manager, other_sales_manager, administrator
):
    picked = services.client_create(name="Picked", manager=other_sales_manager, by=administrator)
    not_chosen = services.client_create(name="Not chosen", manager=services.MANAGER_NOT_CHOSEN, by=sales_manager)
    unassigned = services.client_create(name="Unassigned", manager=None, by=sales_manager)  # import, intake
    system = services.client_create(name="System", manager=services.MANAGER_NOT_CHOSEN)
    assert picked.manager == other_sales_manager
    assert not_chosen.manager == sales_manager
    assert not_chosen.manager_history.get().reason == "first contact"
    assert unassigned.manager is None and system.manager is None


def test_first_contact_records_consents_even_when_handed_to_a_colleague(administrator, other_sales_manager):
    created = services.client_create(
        name="Handed", kind="company", manager=other_sales_manager, by=administrator,
        contacts=[{"name": "Ann"}], consents={"email": "opt_in"},
    )  # fmt: skip
    assert created.contacts.count() == 1
    assert created.consents.get().recorded_by == administrator


def test_only_an_administrator_gives_a_new_client_to_another_manager_on_page_api_and_import(
    client, sm_api, sales_manager, other_sales_manager
):
    with pytest.raises(ApplicationError) as refused:
        services.client_create(name="Theirs", manager=other_sales_manager, by=sales_manager)
    assert (refused.value.code, refused.value.field, refused.value.message) == ("forbidden", "manager", REASSIGN_DENIED)
    client.force_login(sales_manager)
    page = client.post(
        reverse("clients:new"),
        {"kind": "person", "name": "Theirs", "first_contact_channel": "phone", "manager": other_sales_manager.pk},
    )
    assert page.status_code == 200, page.context["form"].errors
    assert page.context["form"].errors == {"manager": [REASSIGN_DENIED]}
    assert str(REASSIGN_DENIED) in unescape(page.content.decode())
    assert sm_api.post(API, {"name": "Theirs", "manager": other_sales_manager.pk}, format="json").status_code == 403
    job = importing.import_job_create(
        filename="c.csv", content=b"name,manager\nTheirs,sm2\nMine,sm\n", by=sales_manager
    )
    assert [(e["row"], e["field"], e["message"]) for e in job.errors] == [(2, "manager", REASSIGN_DENIED)]
    assert not Client.objects.filter(name="Theirs").exists()


# --- the acting user's right, checked by the service -------------------------------------------------------


def test_client_reassign_refuses_a_sales_manager_who_does_not_manage_the_client(sales_manager, other_sales_manager):
    target = ClientFactory(manager=other_sales_manager)
    with pytest.raises(ApplicationError) as refused:
        services.client_reassign(client=target, manager=sales_manager, by=sales_manager)
    assert (refused.value.code, refused.value.field, refused.value.message) == ("forbidden", "manager", REASSIGN_DENIED)
    target.refresh_from_db()
    assert target.manager == other_sales_manager
    assert not ManagerAssignment.objects.exists() and not Notification.objects.exists()


def test_client_update_refuses_a_handover_before_changing_anything(sales_manager, other_sales_manager):
    target = ClientFactory(manager=None, name="Keep", consent=[])
    with pytest.raises(ApplicationError) as refused:
        services.client_update(
            client=target, by=sales_manager, name="Changed", consents={"sms": "opt_in"}, manager=other_sales_manager
        )
    assert refused.value.code == "forbidden"
    target.refresh_from_db()
    assert (target.name, target.manager) == ("Keep", None) and not target.consents.exists()


def test_contact_and_consent_writes_refuse_whoever_may_not_edit_the_client(sales_manager, other_sales_manager):
    target = ClientFactory(manager=other_sales_manager, consent=[])
    with pytest.raises(ApplicationError) as refused:
        services.contact_add(client=target, name="Ann", by=sales_manager)
    assert refused.value.code == "forbidden"
    with pytest.raises(ApplicationError) as refused:
        services.consent_set(client=target, channel="sms", status="opt_in", source="phone call", by=sales_manager)
    assert refused.value.code == "forbidden"
    assert not ContactPerson.objects.exists() and not ChannelConsent.objects.exists()
    services.contact_add(client=target, name="Ann", by=other_sales_manager)
    assert ContactPerson.objects.count() == 1


def test_contact_and_consent_forms_on_the_card_answer_a_denied_actor_with_403(sm_client, other_sales_manager):
    target = ClientFactory(manager=other_sales_manager, consent=[])
    consent = {"channel": "sms", "status": "opt_in", "source": "phone call"}
    assert sm_client.post(reverse("clients:consent", args=[target.pk]), consent).status_code == 403
    assert sm_client.post(reverse("clients:contact_new", args=[target.pk]), {"name": "Ann"}).status_code == 403
    assert not ChannelConsent.objects.exists() and not ContactPerson.objects.exists()


def test_import_confirm_refuses_someone_elses_job(sales_manager, other_sales_manager):
    job = importing.import_job_create(filename="c.csv", content=b"name\nAcme\n", by=sales_manager)
    with pytest.raises(ApplicationError) as refused:
        importing.import_job_confirm(job=job, skip_bad_rows=False, by=other_sales_manager)
    assert refused.value.code == "forbidden"
    job.refresh_from_db()
    assert job.status == job.Status.PREVIEW


# --- idempotent writes say whether they wrote -----------------------------------------------------------


def test_task_create_from_the_same_source_says_it_created_nothing(sales_manager):
    target = ClientFactory()
    kwargs = {"client": target, "assignee": sales_manager, "title": "x", "due_date": today(), "source": "p:9"}
    first, created_first = services.task_create(**kwargs)
    again, created_again = services.task_create(**kwargs)
    assert (created_first, created_again) == (True, False) and first == again


def test_consent_set_says_whether_it_changed_anything(sales_manager):
    target = ClientFactory(manager=sales_manager, consent=[])
    kwargs = {"client": target, "channel": "sms", "source": "phone call", "by": sales_manager}
    assert services.consent_set(status="opt_in", **kwargs)[1] is True
    assert services.consent_set(status="opt_in", **kwargs)[1] is False
    consent, changed = services.consent_set(status="opt_out", **kwargs)
    assert changed and consent.status == "opt_out" and ChannelConsent.objects.count() == 1


def test_consent_change_saves_only_its_own_fields(sales_manager):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    target = ClientFactory(manager=sales_manager, consent=["sms"])
    with CaptureQueriesContext(connection) as queries:
        services.consent_set(client=target, channel="sms", status="opt_out", source="phone call", by=sales_manager)
    update = next(q["sql"] for q in queries if q["sql"].startswith('UPDATE "clients_channelconsent"'))
    assert '"client_id"' not in update.split("WHERE")[0] and '"channel"' not in update.split("WHERE")[0]
