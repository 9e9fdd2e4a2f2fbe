"""An invoice request is an internal request of the "invoice" kind: it waits in the accounting queue with the
invoice's due time, taking it in the queue claims the invoice, issuing the invoice completes it (and scores the
accountant), voiding the request cancels it."""

import pytest

from crm.exceptions import ApplicationError
from crm.internal_requests import selectors, services
from crm.internal_requests.models import InternalRequest
from purchases import services as purchase_services
from tests.factories import ClientFactory, ProductFactory
from tests.purchases.factories import demo_tiers, record_sale

from .factories import accounting

pytestmark = pytest.mark.django_db


@pytest.fixture
def invoice(db, sales_manager, accountant):
    demo_tiers()
    accounting().members.add(accountant)
    client = ClientFactory(manager=sales_manager, name="Baker & Sons")
    sale = record_sale(client, ProductFactory(unit_price="100.00"), 2, by=sales_manager)
    return purchase_services.invoice_request(client=client, purchases=[sale], by=sales_manager, note="By Friday")


def test_the_invoice_request_waits_in_the_accounting_queue_with_its_due_time(invoice, sales_manager):
    item = InternalRequest.objects.get(source="invoice", source_id=invoice.pk)
    assert item.team == accounting() and item.kind.code == "invoice"
    assert item.due_at == invoice.due_at and item.requested_by == sales_manager
    assert item.subject == "Invoice for Baker & Sons" and item.details == "By Friday"
    assert list(selectors.team_queue(team=accounting())) == [item]


def test_taking_it_in_the_queue_claims_the_invoice(invoice, accountant):
    item = InternalRequest.objects.get(source="invoice")
    services.request_take(request=item, by=accountant)
    invoice.refresh_from_db()
    item.refresh_from_db()
    assert invoice.claimed_by == accountant and item.assignee == accountant and item.status == "in_progress"


def test_it_cannot_be_completed_in_the_queue_only_by_issuing_the_invoice(invoice, accountant, sales_manager):
    item = InternalRequest.objects.get(source="invoice")
    with pytest.raises(ApplicationError) as exc:
        services.request_complete(request=item, by=accountant, note="done")
    assert "Issue the invoice" in exc.value.message
    issued = purchase_services.invoice_issue(invoice=invoice, by=accountant)
    item.refresh_from_db()
    assert item.status == "done" and item.completed_by == accountant and item.on_time is not None
    assert issued.number in item.completion_note
    services.request_rate(request=item, by=sales_manager, rating=5, comment="Fast")
    assert (
        selectors.service_scores(starts_at=item.requested_at, ends_at=item.completed_at.replace(year=2100))[0].user
        == accountant
    )


def test_voiding_the_request_cancels_it(invoice, accountant):
    purchase_services.invoice_void(invoice=invoice, by=accountant, reason="Client cancelled the order")
    item = InternalRequest.objects.get(source="invoice")
    assert item.status == "cancelled" and item.completion_note == "Client cancelled the order"
    assert list(selectors.team_queue(team=accounting())) == []


def test_overdue_invoice_requests_are_reminded_by_purchases_only(invoice, accountant):
    from datetime import timedelta

    from crm.notifications.models import Notification

    services.requests_remind(now=invoice.due_at + timedelta(minutes=1))
    assert not Notification.objects.filter(event="internal_request_overdue").exists()
    item = InternalRequest.objects.get(source="invoice")
    assert item.overdue_notified_at is not None


def test_a_missing_invoice_kind_is_set_up_again_rather_than_refusing_the_invoice(db, sales_manager):
    from crm.internal_requests.models import RequestKind, Team

    RequestKind.objects.filter(code="invoice").delete()
    Team.objects.filter(code="accounting").delete()
    demo_tiers()
    client = ClientFactory(manager=sales_manager)
    sale = record_sale(client, ProductFactory(unit_price="100.00"), 1, by=sales_manager)
    invoice = purchase_services.invoice_request(client=client, purchases=[sale], by=sales_manager)
    item = InternalRequest.objects.get(source="invoice", source_id=invoice.pk)
    assert item.kind.code == "invoice" and item.team.code == "accounting"
