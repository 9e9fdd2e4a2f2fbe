"""Sync for an ERP: merged clients as tombstones, lookups that say where a merged client went, and
`updated_since` on the timeline (interactions, promises, tasks)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from clients import services
from clients.models import FollowUpTask, Interaction, Promise
from tests.factories import ClientFactory, today

pytestmark = pytest.mark.django_db
URL = "/api/v1/clients/"


def ids(response) -> list[int]:
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


def test_a_merged_client_comes_back_in_a_sync_as_a_tombstone(admin_api, administrator):
    survivor = ClientFactory(external_id="ERP-S")
    loser = ClientFactory(external_id="ERP-L")
    since = (timezone.now() - timedelta(seconds=1)).isoformat()
    services.client_merge(survivor=survivor, loser=loser, by=administrator)
    assert loser.pk not in ids(admin_api.get(URL))  # a plain listing shows live clients only
    synced = {row["id"]: row for row in admin_api.get(URL, {"updated_since": since}).json()["results"]}
    assert synced[loser.pk]["merged_into"] == survivor.pk
    assert synced[survivor.pk]["merged_into"] is None


def test_looking_up_a_merged_clients_external_id_says_where_it_went(admin_api, administrator):
    survivor = ClientFactory(external_id="ERP-S")
    loser = ClientFactory(external_id="ERP-L")
    services.client_merge(survivor=survivor, loser=loser, by=administrator)
    found = admin_api.get(f"{URL}by-external-id/ERP-L/")
    assert found.status_code == 200 and found.json()["id"] == loser.pk and found.json()["merged_into"] == survivor.pk
    refused = admin_api.put(f"{URL}by-external-id/ERP-L/", {"name": "Renamed"}, format="json")
    assert refused.status_code == 409 and refused.json()["merged_into"] == survivor.pk
    assert admin_api.get(f"{URL}by-external-id/NOPE/").status_code == 404


def test_merge_hands_the_key_to_a_survivor_without_one(admin_api, administrator):
    survivor = ClientFactory(external_id=None)
    loser = ClientFactory(external_id="ERP-L")
    services.client_merge(survivor=survivor, loser=loser, by=administrator)
    found = admin_api.get(f"{URL}by-external-id/ERP-L/").json()
    assert found["id"] == survivor.pk and found["merged_into"] is None


def test_timeline_lists_support_updated_since(sm_api, sales_manager):
    client = ClientFactory(manager=sales_manager)
    services.interaction_create(client=client, staff=sales_manager, kind="call", summary="Old call")
    promise = services.promise_create(client=client, text="Send samples", promised_by=sales_manager, due_date=today())
    task, _ = services.task_create(client=client, assignee=sales_manager, title="Call back", due_date=today())
    Interaction.objects.update(updated_at=timezone.now() - timedelta(days=2))
    Promise.objects.update(updated_at=timezone.now() - timedelta(days=2))
    FollowUpTask.objects.update(updated_at=timezone.now() - timedelta(days=2))
    since = (timezone.now() - timedelta(days=1)).isoformat()
    assert ids(sm_api.get(f"{URL}{client.pk}/interactions/", {"updated_since": since})) == []
    assert ids(sm_api.get(f"{URL}{client.pk}/promises/", {"updated_since": since})) == []
    assert ids(sm_api.get("/api/v1/tasks/", {"updated_since": since})) == []
    # changes move updated_at
    services.promise_keep(promise=promise, how="Sent", by=sales_manager)
    services.task_complete(task=task, by=sales_manager)
    new = services.interaction_create(client=client, staff=sales_manager, kind="note", summary="New")
    assert ids(sm_api.get(f"{URL}{client.pk}/interactions/", {"updated_since": since})) == [new.pk]
    assert ids(sm_api.get(f"{URL}{client.pk}/promises/", {"updated_since": since})) == [promise.pk]
    assert ids(sm_api.get("/api/v1/tasks/", {"updated_since": since})) == [task.pk]
    assert sm_api.get("/api/v1/tasks/", {"updated_since": "yesterday"}).status_code == 400
