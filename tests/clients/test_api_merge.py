"""Merging clients and reading a client's manager history through the API."""

import pytest

from clients import services
from clients.models import Interaction
from tests.factories import ClientFactory

pytestmark = pytest.mark.django_db


def test_administrator_merges_through_the_api(admin_api, sales_manager):
    survivor = ClientFactory(manager=sales_manager)
    loser = ClientFactory(email="dup@example.com")
    services.interaction_create(client=loser, staff=sales_manager, kind="call", summary="On the duplicate")
    response = admin_api.post(f"/api/v1/clients/{survivor.pk}/merge/", {"loser": loser.pk}, format="json")
    assert response.status_code == 200 and response.json()["id"] == survivor.pk
    assert Interaction.objects.get().client_id == survivor.pk
    tombstone = admin_api.get(f"/api/v1/clients/{loser.pk}/").json()
    assert tombstone["merged_into"] == survivor.pk
    again = admin_api.post(f"/api/v1/clients/{survivor.pk}/merge/", {"loser": loser.pk}, format="json")
    assert again.status_code == 400  # already merged
    assert (
        admin_api.post(f"/api/v1/clients/{survivor.pk}/merge/", {"loser": survivor.pk}, format="json").status_code
        == 400
    )
    assert admin_api.post(f"/api/v1/clients/{survivor.pk}/merge/", {}, format="json").status_code == 400


def test_only_administrators_merge(sm_api, acc_api, sales_manager):
    survivor, loser = ClientFactory(manager=sales_manager), ClientFactory(manager=sales_manager)
    for api in (sm_api, acc_api):
        assert api.post(f"/api/v1/clients/{survivor.pk}/merge/", {"loser": loser.pk}, format="json").status_code == 403
    loser.refresh_from_db()
    assert loser.merged_into_id is None


def test_manager_history_newest_first(sm_api, acc_api, administrator, sales_manager, other_sales_manager):
    client = ClientFactory(manager=None)
    services.client_reassign(client=client, manager=sales_manager, by=administrator, reason="first")
    services.client_reassign(client=client, manager=other_sales_manager, by=administrator, reason="holiday cover")
    rows = sm_api.get(f"/api/v1/clients/{client.pk}/managers/").json()["results"]
    assert [(r["manager"], r["previous_manager"], r["reason"]) for r in rows] == [
        (other_sales_manager.pk, sales_manager.pk, "holiday cover"),
        (sales_manager.pk, None, "first"),
    ]
    assert acc_api.get(f"/api/v1/clients/{client.pk}/managers/").status_code == 403
    assert sm_api.get("/api/v1/clients/999999/managers/").status_code == 404
