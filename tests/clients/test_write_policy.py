"""The one rule for writing on a client (clients.services.rights.can_write_client), checked by the services
themselves: administrators write on every client, sales managers on their own and unassigned ones,
accountants on none; only administrators give work to a colleague; the ERP upsert applies the handover rule
whether the record exists or not and records its actor."""

import pytest

from clients import services
from clients.models import FollowUpTask, Interaction, Promise
from clients.services.rights import ASSIGN_DENIED, REASSIGN_DENIED, WRITE_DENIED
from crm.exceptions import ApplicationError
from tests.factories import ClientFactory, today

pytestmark = pytest.mark.django_db


def _writes(client, user, assignee=None):
    return {
        "interaction": lambda: services.interaction_create(client=client, staff=user, kind="call", summary="Hi"),
        "promise": lambda: services.promise_create(client=client, text="Quote", promised_by=user, due_date=today()),
        "task": lambda: services.task_create(
            client=client, assignee=assignee or user, title="Call", due_date=today(), by=user
        ),
        "edit": lambda: services.client_update(client=client, by=user, name="Changed"),
    }


@pytest.mark.parametrize("write", ["interaction", "promise", "task", "edit"])
def test_sales_manager_may_not_write_on_a_colleagues_client(write, sales_manager, other_sales_manager):
    theirs = ClientFactory(manager=other_sales_manager, name="Theirs")
    with pytest.raises(ApplicationError) as refused:
        _writes(theirs, sales_manager)[write]()
    assert (refused.value.code, refused.value.message) == ("forbidden", WRITE_DENIED)
    theirs.refresh_from_db()
    assert theirs.name == "Theirs"
    assert not Interaction.objects.exists() and not Promise.objects.exists() and not FollowUpTask.objects.exists()


@pytest.mark.parametrize("write", ["interaction", "promise", "task", "edit"])
def test_accountant_writes_on_no_client(write, accountant):
    with pytest.raises(ApplicationError) as refused:
        _writes(ClientFactory(manager=None), accountant)[write]()
    assert refused.value.code == "forbidden"


@pytest.mark.parametrize("manager", ["own", "unassigned"])
def test_sales_manager_writes_on_own_and_unassigned_clients(manager, sales_manager):
    client = ClientFactory(manager=sales_manager if manager == "own" else None)
    for write in _writes(client, sales_manager).values():
        write()
    assert Interaction.objects.count() == Promise.objects.count() == FollowUpTask.objects.count() == 1


def test_administrator_writes_on_every_client_and_gives_tasks_to_colleagues(administrator, other_sales_manager):
    theirs = ClientFactory(manager=other_sales_manager)
    for write in _writes(theirs, administrator, assignee=other_sales_manager).values():
        write()
    task = FollowUpTask.objects.get()
    assert (task.assignee, task.created_by) == (other_sales_manager, administrator)


def test_only_an_administrator_gives_a_task_to_a_colleague(sales_manager, other_sales_manager):
    own = ClientFactory(manager=sales_manager)
    with pytest.raises(ApplicationError) as refused:
        services.task_create(client=own, assignee=other_sales_manager, title="x", due_date=today(), by=sales_manager)
    assert (refused.value.code, refused.value.field, refused.value.message) == ("forbidden", "assignee", ASSIGN_DENIED)
    assert not FollowUpTask.objects.exists()


def test_tasks_the_system_derives_go_to_the_clients_manager_whoever_caused_them(sales_manager, administrator):
    """A next step logged by an administrator on a manager's client is the manager's task; the rule that
    derived it was checked on the interaction, not as a person assigning work."""
    own = ClientFactory(manager=sales_manager)
    services.interaction_create(
        client=own, staff=administrator, kind="call", summary="Hi", next_step="Send quote", next_step_due=today()
    )
    assert FollowUpTask.objects.get().assignee == sales_manager


def test_erp_upsert_may_not_create_a_client_for_another_manager(sales_manager, other_sales_manager, administrator):
    data = {"name": "New", "manager": other_sales_manager}
    with pytest.raises(ApplicationError) as refused:
        services.client_upsert_by_external_id(external_id="ERP-1", data=data, by=sales_manager)
    assert (refused.value.code, refused.value.message) == ("forbidden", REASSIGN_DENIED)
    client, created = services.client_upsert_by_external_id(
        external_id="ERP-1", data={"name": "New", "manager": sales_manager}, by=sales_manager
    )
    assert created and client.manager == sales_manager
    client, created = services.client_upsert_by_external_id(external_id="ERP-2", data=data, by=administrator)
    assert created and client.manager == other_sales_manager


def test_erp_upsert_records_its_actor_in_history_on_create_and_update(sm_api, sales_manager):
    url = "/api/v1/clients/by-external-id/ERP-H/"
    first = {"name": "First", "kind": "company", "contacts": [{"name": "Ann"}]}
    assert sm_api.put(url, first, format="json").status_code == 201
    assert sm_api.put(url, {"name": "Second", "manager": sales_manager.pk}, format="json").status_code == 200
    client = services.client_upsert_by_external_id(external_id="ERP-H", data={"name": "Second"})[0]
    history = list(client.history.order_by("history_date").values_list("name", "history_user"))
    assert history[0] == ("First", sales_manager.pk)
    assert ("Second", sales_manager.pk) in history
    assert client.manager_history.get().assigned_by == sales_manager
    assert client.contacts.get().history.get().history_user == sales_manager


def test_card_tabs_offer_the_write_forms_only_to_who_may_write(client, sales_manager, other_sales_manager):
    theirs, own = ClientFactory(manager=other_sales_manager), ClientFactory(manager=sales_manager)
    client.force_login(sales_manager)
    forms = {"timeline": b'id="interaction-form"', "promises": b'id="promise-form"', "tasks": b'id="task-form"'}
    for tab, marker in forms.items():
        assert marker not in client.get(f"/clients/{theirs.pk}/tab/{tab}/").content, tab
        assert marker in client.get(f"/clients/{own.pk}/tab/{tab}/").content, tab
