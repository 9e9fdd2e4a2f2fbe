from datetime import timedelta

import pytest
from django.utils import timezone

from clients import selectors, services
from clients.models import ChannelConsent, Client, ClientMerge, ContactPerson, FollowUpTask, Promise
from crm.exceptions import ApplicationError, ConflictError
from crm.notifications.models import Notification
from tests.factories import ClientFactory, SegmentFactory, today

pytestmark = pytest.mark.django_db


def test_client_create_normalises_contact_details_and_records_everything(sales_manager):
    segment = SegmentFactory(code="retail")
    client = services.client_create(
        name="  Print & Co ",
        by=sales_manager,
        email=" Info@PrintCo.Example ",
        phone="020 7946 0123",
        manager=sales_manager,
        segment=segment,
        tags=["vip", "b2b"],
        contacts=[{"name": "Ann", "role": "buyer", "phone": "07400 123456", "email": "ANN@x.example"}],
        preferred_channels=["sms", "email", "sms"],
        consents={"sms": "opt_in", "email": "opt_out"},
        first_contact_channel="phone",
    )
    assert client.name == "Print & Co"
    assert client.email == "info@printco.example"
    assert client.phone == "+442079460123"
    assert client.preferred_channels == ["sms", "email"]
    assert sorted(client.tags.values_list("name", flat=True)) == ["b2b", "vip"]
    contact = client.contacts.get()
    assert (contact.phone, contact.email) == ("+447400123456", "ann@x.example")
    assert dict(client.consents.values_list("channel", "status")) == {"sms": "opt_in", "email": "opt_out"}
    assert client.manager_history.get().manager == sales_manager
    assert client.status_changed_at is not None


@pytest.mark.parametrize(
    "field,kwargs",
    [("phone", {"phone": "12"}), ("email", {"email": "not-an-email"}), ("name", {"name": " "})],
)
def test_client_create_rejects_bad_input_and_saves_nothing(field, kwargs):
    data = {"name": "Acme", **kwargs}
    with pytest.raises(ApplicationError) as err:
        services.client_create(**data)
    assert err.value.field == field
    assert not Client.objects.exists()


def test_client_create_refuses_known_phone_unless_duplicates_allowed():
    existing = ClientFactory(phone="+442079460001")
    with pytest.raises(ConflictError) as err:
        services.client_create(name="Other", phone="020 7946 0001", allow_duplicate=False)
    assert err.value.extra["candidates"][0]["id"] == existing.pk
    assert Client.objects.count() == 1
    other = services.client_create(name="Other", phone="020 7946 0001")
    assert other.pk != existing.pk and Client.objects.filter(phone="+442079460001").count() == 2


def test_client_create_finds_duplicate_through_contact_person_email():
    company = ClientFactory()
    ContactPerson.objects.create(client=company, name="Bob", email="bob@corp.example")
    with pytest.raises(ConflictError) as err:
        services.client_create(name="Bob", kind="person", email="BOB@corp.example", allow_duplicate=False)
    assert err.value.extra["candidates"][0]["id"] == company.pk
    assert Client.objects.count() == 1


def test_client_update_dates_status_change_and_keeps_history(sales_manager):
    client = services.client_create(name="Acme", manager=sales_manager, by=sales_manager)
    before = client.status_changed_at
    updated = services.client_update(client=client, by=sales_manager, status="active", address="1 Road")
    assert updated.status == "active" and updated.status_changed_at > before
    assert client.history.count() == 2  # created, then changed once


def test_client_update_by_other_manager_is_refused(sales_manager, other_sales_manager):
    client = ClientFactory(manager=sales_manager)
    with pytest.raises(ApplicationError):
        services.client_update(client=client, by=other_sales_manager, name="Hijack")
    client.refresh_from_db()
    assert client.name != "Hijack"


def test_client_reassign_keeps_dated_history_and_notifies_both_managers(
    sales_manager, other_sales_manager, administrator
):
    client = services.client_create(name="Acme", manager=sales_manager)
    services.client_reassign(client=client, manager=other_sales_manager, by=administrator, reason="holiday")
    client.refresh_from_db()
    assert client.manager == other_sales_manager
    last = client.manager_history.first()
    assert (last.manager, last.previous_manager, last.reason) == (other_sales_manager, sales_manager, "holiday")
    told = set(Notification.objects.filter(event="client_reassigned").values_list("user__username", flat=True))
    assert told == {"sm", "sm2"}


def test_client_reassign_refuses_non_sales_manager(sales_manager, accountant):
    client = ClientFactory(manager=sales_manager)
    with pytest.raises(ApplicationError, match="The manager must be a sales manager."):
        services.client_reassign(client=client, manager=accountant)
    client.refresh_from_db()
    assert client.manager == sales_manager and not client.manager_history.exists()


def test_interaction_with_next_step_creates_follow_up_task_for_manager(sales_manager, administrator):
    client = ClientFactory(manager=sales_manager)
    due = today() + timedelta(days=2)
    interaction = services.interaction_create(
        client=client,
        staff=administrator,
        kind="call",
        summary="Asked for prices",
        next_step="Send prices",
        next_step_due=due,
    )
    task = FollowUpTask.objects.get(source=f"interaction:{interaction.pk}")
    assert (task.assignee, task.due_date, task.title) == (sales_manager, due, "Send prices")


def test_interaction_next_step_without_date_is_refused(sales_manager):
    client = ClientFactory()
    with pytest.raises(ApplicationError) as err:
        services.interaction_create(client=client, staff=sales_manager, kind="call", summary="x", next_step="y")
    assert err.value.field == "next_step_due"
    assert not client.interactions.exists()


def test_task_complete_and_cancel_only_once(sales_manager):
    client = ClientFactory()
    task, _ = services.task_create(client=client, assignee=sales_manager, title="Call", due_date=today())
    services.task_complete(task=task, by=sales_manager)
    with pytest.raises(ApplicationError):
        services.task_cancel(task=task, by=sales_manager)
    task.refresh_from_db()
    assert task.status == FollowUpTask.Status.DONE


def test_task_create_repeat_from_same_source_returns_existing(sales_manager):
    client = ClientFactory()
    a, _ = services.task_create(client=client, assignee=sales_manager, title="x", due_date=today(), source="p:1")
    b, _ = services.task_create(client=client, assignee=sales_manager, title="x", due_date=today(), source="p:1")
    assert a.pk == b.pk


def test_promise_keep_and_break_feed_the_kept_rate(sales_manager, other_sales_manager):
    client = ClientFactory()
    promises = [
        services.promise_create(client=client, text=f"p{i}", promised_by=sales_manager, due_date=today())
        for i in range(4)
    ]
    services.promise_keep(promise=promises[0], how="sent samples", by=sales_manager)
    services.promise_keep(promise=promises[1], how="called back", by=sales_manager)
    services.promise_break(promise=promises[2], reason="forgot", by=sales_manager)
    rates = selectors.promise_kept_rates()
    assert rates == [
        {"user_id": sales_manager.pk, "name": "Sm", "kept": 2, "broken": 1, "open": 1, "rate": 67},
    ]
    with pytest.raises(ApplicationError):
        services.promise_keep(promise=promises[3], how="x", by=other_sales_manager)
    with pytest.raises(ApplicationError):
        services.promise_keep(promise=promises[0], how="again", by=sales_manager)


def test_promise_keep_needs_how(sales_manager):
    promise = services.promise_create(client=ClientFactory(), text="x", promised_by=sales_manager, due_date=today())
    with pytest.raises(ApplicationError):
        services.promise_keep(promise=promise, how=" ", by=sales_manager)
    promise.refresh_from_db()
    assert promise.status == Promise.Status.OPEN


def test_promise_remind_overdue_tells_each_person_once_a_day(sales_manager, other_sales_manager):
    client = ClientFactory()
    for user in (sales_manager, sales_manager, other_sales_manager):
        services.promise_create(client=client, text="x", promised_by=user, due_date=today() - timedelta(days=1))
    services.promise_create(client=client, text="later", promised_by=sales_manager, due_date=today())
    assert services.promise_remind_overdue() == 2
    services.promise_remind_overdue()
    assert Notification.objects.filter(event="promises_overdue").count() == 2


def test_client_merge_moves_everything_and_records_it(administrator, sales_manager):
    survivor = ClientFactory(consent=["email"], external_id=None, address="")
    loser = ClientFactory(consent=[], external_id="ERP-9", address="2 Street")
    services.consent_set(client=loser, channel="email", status="opt_out", source="phone")
    ContactPerson.objects.create(client=loser, name="Ann")
    services.interaction_create(client=loser, staff=sales_manager, kind="note", summary="hello")
    services.promise_create(client=loser, text="x", promised_by=sales_manager, due_date=today())
    services.task_create(client=loser, assignee=sales_manager, title="t", due_date=today())
    merge = services.client_merge(survivor=survivor, loser=loser, by=administrator)
    loser.refresh_from_db()
    survivor.refresh_from_db()
    assert loser.merged_into == survivor
    assert survivor.contacts.count() == 1 and survivor.interactions.count() == 1
    assert survivor.promises.count() == 1 and survivor.tasks.count() == 1
    assert survivor.external_id == "ERP-9" and survivor.address == "2 Street"
    assert survivor.consents.get(channel="email").status == ChannelConsent.Status.OPT_OUT
    assert merge.loser_snapshot["name"] == loser.name
    assert merge.moved["clients.Interaction"] == 1
    assert ClientMerge.objects.count() == 1
    assert not selectors.client_list().filter(pk=loser.pk).exists()


def test_client_merge_is_for_administrators_only(sales_manager):
    a, b = ClientFactory(), ClientFactory()
    with pytest.raises(ApplicationError):
        services.client_merge(survivor=a, loser=b, by=sales_manager)
    b.refresh_from_db()
    assert b.merged_into is None


def test_client_upsert_by_external_id_is_safe_to_repeat(administrator):
    data = {"name": "ERP Co", "email": "erp@x.example"}
    a, created = services.client_upsert_by_external_id(external_id="E1", data=data, by=administrator)
    b, created_again = services.client_upsert_by_external_id(external_id="E1", data=data, by=administrator)
    assert created and not created_again and a.pk == b.pk
    assert Client.objects.filter(external_id="E1").count() == 1


def test_consent_recorded_at_time_given(sales_manager):
    client = ClientFactory(consent=[])
    at = timezone.now() - timedelta(days=3)
    consent, _ = services.consent_set(client=client, channel="email", status="opt_in", source="web form", at=at)
    assert consent.given_at == at


def test_client_merge_moves_rows_of_other_apps_and_calls_the_account_merge(administrator, monkeypatch):
    from clients import messaging
    from purchases.services import accounts as purchase_accounts

    survivor, loser = ClientFactory(), ClientFactory()
    note = messaging.notification_enqueue_for_client(client=loser, event="test", dedup_key="t:1", subject="x")
    calls = []
    monkeypatch.setattr(purchase_accounts, "client_accounts_merge", lambda **kw: calls.append(kw), raising=False)
    merge = services.client_merge(survivor=survivor, loser=loser, by=administrator)
    note.refresh_from_db()
    assert note.client == survivor
    assert merge.moved["notifications.Notification"] == 1
    assert calls == [{"loser": loser, "survivor": survivor}]
