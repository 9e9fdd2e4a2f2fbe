"""Sending an invoice: the email carries the PDF, the invoice turns sent only when the outbox says the message
went out, and says why when it could not; a service message, so a news opt-out does not stop it."""

from decimal import Decimal

import pytest
from django.core import mail
from django.urls import reverse

from clients import messaging
from crm.exceptions import ApplicationError, ConflictError
from crm.notifications import channels, delivery
from crm.notifications.models import Notification
from purchases import services
from purchases.models import Invoice
from tests.factories import ClientFactory
from tests.purchases.factories import record_sale

pytestmark = pytest.mark.django_db
D = Decimal


def to_client(client):
    """The invoice emails to the client (the outbox also mails staff, and the client their new tier)."""
    return [m for m in mail.outbox if m.to == [client.email] and m.subject.startswith("Invoice ")]


@pytest.fixture
def issue(tiers, product, sales_manager, accountant):
    def make(client):
        sale = record_sale(client, product, 2, by=sales_manager)
        requested = services.invoice_request(client=client, purchases=[sale], by=sales_manager)
        return services.invoice_issue(invoice=requested, by=accountant)

    return make


def test_the_invoice_email_carries_the_pdf_and_the_invoice_turns_sent_once_it_went_out(issue, client_obj, accountant):
    invoice = services.invoice_send(invoice=issue(client_obj), by=accountant)
    assert (invoice.status, invoice.send_state, invoice.sent_at) == ("issued", "queued", None)
    delivery.relay_pending()
    [message] = to_client(client_obj)
    assert message.subject == f"Invoice {invoice.number}"
    [(name, content, mimetype)] = message.attachments
    assert (name, mimetype) == (f"invoice-{invoice.number}.pdf", "application/pdf")
    assert content.startswith(b"%PDF")
    invoice.refresh_from_db()
    assert (invoice.status, invoice.send_state, invoice.send_error) == ("sent", "sent", "")
    assert invoice.sent_at is not None


def test_no_email_address_means_not_sent_and_the_reason_shows_on_the_invoice_and_in_the_queue(
    issue, accountant, acc_client
):
    invoice = services.invoice_send(invoice=issue(ClientFactory(email="")), by=accountant)
    assert (invoice.status, invoice.send_state) == ("issued", "failed")
    assert invoice.send_error == "client has no email address"
    delivery.relay_pending()
    assert not [m for m in mail.outbox if m.attachments]
    invoice.refresh_from_db()
    assert invoice.status == "issued" and invoice.sent_at is None
    page = acc_client.get(reverse("purchases:invoice", args=[invoice.pk])).content.decode()
    assert "Not sent to the client: client has no email address" in page
    queue = acc_client.get(reverse("purchases:invoices")).content.decode()
    assert 'id="invoice-send-problems"' in queue and "client has no email address" in queue


def test_a_client_unsubscribed_from_news_still_gets_the_invoice(issue, client_obj, accountant):
    client, channel = messaging.unsubscribe(token=messaging.unsubscribe_token(client_id=client_obj.pk, channel="email"))
    assert not client.consents.filter(channel="email", status="opt_in").exists()
    invoice = services.invoice_send(invoice=issue(client_obj), by=accountant)
    delivery.relay_pending()
    assert len(to_client(client_obj)) == 1
    invoice.refresh_from_db()
    assert invoice.status == "sent"


def test_a_delivery_failure_is_recorded_on_the_invoice_and_sending_again_works(
    issue, client_obj, accountant, monkeypatch
):
    invoice = services.invoice_send(invoice=issue(client_obj), by=accountant)

    def refused(row, subject, body, *, to):
        raise channels.PermanentError("550 mailbox unavailable")

    monkeypatch.setattr(channels, "send_email", refused)
    delivery.relay_pending()
    invoice.refresh_from_db()
    assert (invoice.status, invoice.send_state, invoice.send_error) == ("issued", "failed", "550 mailbox unavailable")
    monkeypatch.undo()
    invoice = services.invoice_send(invoice=invoice, by=accountant)
    assert invoice.send_state == "queued" and invoice.send_attempts == 2
    delivery.relay_pending()
    invoice.refresh_from_db()
    assert (invoice.status, invoice.send_state, invoice.send_error) == ("sent", "sent", "")
    assert Notification.objects.filter(event="invoice_sent", attachment="purchases.invoice_pdf").count() == 2


def test_sending_twice_while_queued_is_a_conflict_and_requests_cannot_be_sent(
    issue, client_obj, accountant, sales_manager, product
):
    invoice = services.invoice_send(invoice=issue(client_obj), by=accountant)
    with pytest.raises(ConflictError):
        services.invoice_send(invoice=invoice, by=accountant)
    request = services.invoice_request(
        client=client_obj, purchases=[record_sale(client_obj, product, 1, by=sales_manager)], by=sales_manager
    )
    with pytest.raises(ApplicationError, match="Only an issued invoice can be sent."):
        services.invoice_send(invoice=request, by=accountant)


def test_a_paid_invoice_delivered_later_keeps_its_status(issue, client_obj, accountant):
    invoice = services.invoice_send(invoice=issue(client_obj), by=accountant)
    services.invoice_payment_record(invoice=invoice, amount=invoice.net_total, paid_on=None, by=accountant)
    delivery.relay_pending()
    invoice.refresh_from_db()
    assert (invoice.status, invoice.send_state) == ("paid", "sent") and invoice.sent_at


def test_api_send_answers_the_queued_invoice(issue, client_obj, acc_api):
    invoice = issue(client_obj)
    body = acc_api.post(f"/api/v1/invoices/{invoice.pk}/send/").json()
    assert (body["status"], body["send_state"], body["send_error"]) == ("issued", "queued", "")
    delivery.relay_pending()
    assert acc_api.get(f"/api/v1/invoices/{invoice.pk}/").json()["status"] == Invoice.Status.SENT
