"""Each domain event reaches webhook subscribers once, from its cause's transaction, and never when the cause
rolls back."""

import pytest
from django.db import transaction

from clients import services as client_services
from complaints import services as complaint_services
from complaints.models import Complaint
from crm.exceptions import ApplicationError
from crm.notifications import webhooks
from crm.notifications.models import WebhookEvent
from incentives import services as incentive_services
from incentives.models import Award
from tests.complaints.factories import make_complaint
from tests.factories import ClientFactory
from tests.incentives.factories import AwardTypeFactory

pytestmark = pytest.mark.django_db
S = Complaint.Status


@pytest.fixture(autouse=True)
def subscriber(administrator):
    return webhooks.subscription_create(name="ERP", url="https://erp.example/hook", by=administrator)


def events(type_=None):
    qs = WebhookEvent.objects.order_by("id")
    if type_:
        qs = qs.filter(type=type_)
    return [(e.type, e.entity, e.payload["data"]) for e in qs]


def test_client_created_updated_reassigned_and_merged(administrator, sales_manager, other_sales_manager):
    client = client_services.client_create(name="Acme Print", by=administrator, manager=sales_manager)
    assert events("client.created") == [
        ("client.created", f"client:{client.pk}", {"id": client.pk, "external_id": None, "manager": sales_manager.pk})
    ]
    client_services.client_update(client=client, by=administrator, name="Acme Print Ltd")
    client_services.client_update(client=client, by=administrator, name="Acme Print Ltd")  # no change, no event
    assert [d["changed"] for _, _, d in events("client.updated")] == [["name"]]
    client_services.client_reassign(client=client, manager=other_sales_manager, by=administrator)
    [(_, _, moved)] = events("client.reassigned")
    assert moved["manager"] == other_sales_manager.pk and moved["previous_manager"] == sales_manager.pk
    loser = ClientFactory(external_id="ERP-7")
    client_services.client_merge(survivor=client, loser=loser, by=administrator)
    [(_, entity, merged)] = events("client.merged")
    assert entity == f"client:{loser.pk}" and merged["merged_into"] == client.pk


def test_complaint_opened_resolved_and_reopened(sales_manager):
    client = ClientFactory(manager=sales_manager)
    complaint = make_complaint(client=client, by=sales_manager)
    complaint_services.complaint_transition(complaint=complaint, to_status=S.IN_PROGRESS, by=sales_manager)
    complaint_services.complaint_transition(
        complaint=complaint, to_status=S.RESOLVED, by=sales_manager, resolution_note="Replaced", root_cause="delivery"
    )
    complaint_services.complaint_transition(complaint=complaint, to_status=S.REOPENED, by=sales_manager)
    assert [t for t, _, _ in events()] == ["complaint.opened", "complaint.resolved", "complaint.reopened"]
    assert {e for _, e, _ in events()} == {f"complaint:{complaint.pk}"}
    assert events()[1][2]["status"] == "resolved"


def test_award_decided(administrator, sales_manager):
    award = Award.objects.create(period="2026-11", award_type=AwardTypeFactory(), user=sales_manager, cash_amount=10)
    incentive_services.award_decide(award=award, approve=True, by=administrator)
    assert events() == [
        (
            "award.decided",
            f"award:{award.pk}",
            {"id": award.pk, "user": sales_manager.pk, "status": "approved", "period": "2026-11"},
        )
    ]


def test_no_event_when_the_cause_rolls_back(administrator, sales_manager):
    with pytest.raises(RuntimeError), transaction.atomic():
        client_services.client_create(name="Never was", by=administrator, manager=sales_manager)
        raise RuntimeError("the request failed after the service")
    assert events() == []


def test_a_refused_cause_sends_nothing(sales_manager, other_sales_manager):
    client = ClientFactory(manager=other_sales_manager)
    with pytest.raises(ApplicationError):
        client_services.client_update(client=client, by=sales_manager, name="Not mine")
    assert events() == []
