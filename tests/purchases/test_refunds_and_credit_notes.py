"""One balance and status model for invoices, credit notes and refunds (services/settlement.py):
balance = gross - credited - paid + refunded; a credit note on a paid invoice leaves money due back, a refund
(against the invoice or the credit note) brings it back to 0; refunds never exceed what is due back once credit
notes exist. Credit notes are sent to the client with their PDF, as a service message."""

from datetime import date
from decimal import Decimal

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from clients import messaging
from clients import services as client_services
from crm.exceptions import ApplicationError, ConflictError
from crm.notifications import delivery
from purchases import services
from purchases.models import CreditNote, Invoice, Refund
from purchases.services import LineInput, ReturnLineInput

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def paid(tiers, administrator, client_obj, product, sales_manager, accountant):
    """An invoice for 3 x 100.00 at 20% tax (gross 360.00), paid in full."""
    services.tax_rate_create(category=product.category, rate=D("20"), effective_from=date(2000, 1, 1), by=administrator)
    sale, _ = services.purchase_record(
        client=client_obj, lines=[LineInput(product=product, quantity=D("3"))], by=sales_manager
    )
    invoice = services.invoice_issue(
        invoice=services.invoice_request(client=client_obj, purchases=[sale], by=sales_manager), by=accountant
    )
    assert invoice.gross_total == D("360.00")
    services.invoice_payment_record(invoice=invoice, amount=D("360"), paid_on=None, by=accountant)
    invoice.refresh_from_db()
    return invoice


def give_back(invoice, quantity, by, accountant=None):
    """Return `quantity` units of the invoice's sale; the credit note it asks for, issued when `accountant`."""
    sale = invoice.purchases.get()
    entry, _ = services.purchase_return(
        original=sale, by=by, lines=[ReturnLineInput(line=sale.lines.get(), quantity=D(quantity))], reason="Broken"
    )
    note = entry.credit_note
    if accountant is not None:
        note = services.credit_note_issue(credit_note=note, by=accountant)
    return note


def refund(accountant, amount, **kwargs):
    return services.invoice_refund_record(amount=D(amount), refunded_on=None, by=accountant, **kwargs)


def reload(invoice):
    return Invoice.objects.get(pk=invoice.pk)


def test_credit_note_on_a_paid_invoice_leaves_money_due_back_and_a_refund_against_it_settles(
    paid, sales_manager, accountant
):
    note = give_back(paid, "1", sales_manager, accountant)
    assert (note.net_total, note.tax_total, note.gross_total) == (D("100.00"), D("20.00"), D("120.00"))
    invoice = reload(paid)
    assert (invoice.status, invoice.credited_total, invoice.balance, invoice.refund_due) == (
        "paid",
        D("120.00"),
        D("-120.00"),
        D("120.00"),
    )
    row, created = refund(accountant, "120", credit_note=note, reference="RMA-1")
    assert created and row.invoice_id == paid.pk and row.credit_note_id == note.pk
    invoice = reload(paid)
    assert (invoice.status, invoice.amount_refunded, invoice.balance, invoice.refund_due) == (
        "partially_refunded",
        D("120.00"),
        D("0.00"),
        D("0"),
    )
    # the rest comes back too: everything paid is refunded
    rest = give_back(paid, "2", sales_manager, accountant)
    assert reload(paid).balance == D("-240.00")
    refund(accountant, "240", credit_note=rest)
    invoice = reload(paid)
    assert (invoice.status, invoice.balance, invoice.credited_total) == ("refunded", D("0.00"), D("360.00"))


def test_refund_is_limited_to_what_is_due_back_once_credit_notes_exist(paid, sales_manager, accountant):
    note = give_back(paid, "1", sales_manager, accountant)
    with pytest.raises(ApplicationError, match="At most 120.00 can be refunded.") as refused:
        refund(accountant, "120.01", credit_note=note)
    assert refused.value.field == "amount"
    with pytest.raises(ApplicationError, match="At most 120.00 can be refunded."):
        refund(accountant, "200", invoice=paid)  # on the invoice too: only what is due back
    refund(accountant, "50", invoice=paid)
    assert services.invoice_refund_limit(reload(paid), credit_note=note) == D("70.00")
    with pytest.raises(ApplicationError, match="At most 70.00"):
        refund(accountant, "71", credit_note=note)
    assert Refund.objects.count() == 1


def test_refund_against_a_credit_note_never_exceeds_that_note(paid, sales_manager, accountant):
    first = give_back(paid, "1", sales_manager, accountant)
    second = give_back(paid, "1", sales_manager, accountant)
    refund(accountant, "120", credit_note=first)
    with pytest.raises(ApplicationError, match="At most 0.00|Nothing is due back"):
        refund(accountant, "1", credit_note=first)
    refund(accountant, "120", credit_note=second)
    assert reload(paid).balance == 0


def test_refund_refused_against_a_credit_note_not_issued_or_on_an_unpaid_invoice(
    paid, sales_manager, accountant, client_obj, product
):
    requested = give_back(paid, "1", sales_manager)
    with pytest.raises(ApplicationError, match="issued credit notes only") as refused:
        refund(accountant, "1", credit_note=requested)
    assert refused.value.field == "credit_note"
    # a credit note on an invoice nothing was paid on leaves nothing due back
    sale, _ = services.purchase_record(
        client=client_obj, lines=[LineInput(product=product, quantity=D("2"))], by=sales_manager
    )
    unpaid = services.invoice_issue(
        invoice=services.invoice_request(client=client_obj, purchases=[sale], by=sales_manager), by=accountant
    )
    note = give_back(unpaid, "1", sales_manager, accountant)
    assert reload(unpaid).balance == D("120.00") and reload(unpaid).status == "issued"
    with pytest.raises(ApplicationError, match="Nothing was paid"):
        refund(accountant, "1", credit_note=note)
    assert not Refund.objects.exists()


def test_partly_paid_invoice_credited_below_what_was_paid_turns_paid_with_money_due_back(
    tiers, administrator, client_obj, product, sales_manager, accountant
):
    services.tax_rate_create(category=product.category, rate=D("20"), effective_from=date(2000, 1, 1), by=administrator)
    sale, _ = services.purchase_record(
        client=client_obj, lines=[LineInput(product=product, quantity=D("3"))], by=sales_manager
    )
    invoice = services.invoice_issue(
        invoice=services.invoice_request(client=client_obj, purchases=[sale], by=sales_manager), by=accountant
    )
    services.invoice_payment_record(invoice=invoice, amount=D("300"), paid_on=None, by=accountant)
    assert reload(invoice).status == "issued" and reload(invoice).balance == D("60.00")
    give_back(invoice, "1", sales_manager, accountant)  # 120.00 credited: 240 due, 300 paid
    invoice = reload(invoice)
    assert (invoice.status, invoice.balance, invoice.refund_due) == ("paid", D("-60.00"), D("60.00"))
    with pytest.raises(ApplicationError, match="issued or sent invoices only"):
        services.invoice_payment_record(invoice=invoice, amount=D("1"), paid_on=None, by=accountant)


def test_refund_replay_against_a_credit_note_records_once_and_another_note_is_a_conflict(
    paid, sales_manager, accountant
):
    first = give_back(paid, "1", sales_manager, accountant)
    second = give_back(paid, "1", sales_manager, accountant)
    one, created = refund(accountant, "100", credit_note=first, external_id="RF-9")
    again, created_again = refund(accountant, "100", credit_note=first, external_id="RF-9")
    assert created and not created_again and again == one
    with pytest.raises(ConflictError):
        refund(accountant, "100", credit_note=second, external_id="RF-9")
    with pytest.raises(ConflictError):
        refund(accountant, "100", invoice=paid, external_id="RF-9")  # the same id without the note
    assert Refund.objects.count() == 1 and reload(paid).amount_refunded == D("100.00")


# --- API and page --------------------------------------------------------------------------------------------


def test_api_credit_note_refunds_create_replay_and_list(paid, sales_manager, accountant, acc_api, sm_api, admin_api):
    note = give_back(paid, "1", sales_manager, accountant)
    url = f"/api/v1/credit-notes/{note.pk}/refunds/"
    body = {"amount": "120.00", "method": "card", "reference": "RMA 8", "external_id": "CN-RF-1"}
    created = acc_api.post(url, body, format="json")
    assert created.status_code == 201, created.json()
    assert (created.json()["credit_note"], created.json()["invoice"]) == (note.pk, paid.pk)
    assert acc_api.post(url, body, format="json").status_code == 200
    invoice = sm_api.get(f"/api/v1/invoices/{paid.pk}/").json()
    assert (invoice["status"], invoice["balance"], invoice["refund_due"]) == ("partially_refunded", "0.00", "0.00")
    for api in (acc_api, sm_api, admin_api):
        listed = api.get(url)
        assert listed.status_code == 200 and [r["amount"] for r in listed.json()["results"]] == ["120.00"]


def test_api_credit_note_refund_denials_and_bad_input(paid, sales_manager, accountant, acc_api, sm_api, admin_api):
    note = give_back(paid, "1", sales_manager, accountant)
    url = f"/api/v1/credit-notes/{note.pk}/refunds/"
    for api in (sm_api, admin_api):
        assert api.post(url, {"amount": "5"}, format="json").status_code == 403
    for body in ({}, {"amount": "-1"}, {"amount": "120.01"}, {"amount": "5", "method": "barter"}):
        assert acc_api.post(url, body, format="json").status_code == 400, body
    assert acc_api.post("/api/v1/credit-notes/999999/refunds/", {"amount": "5"}, format="json").status_code == 404
    assert not Refund.objects.exists()


def test_page_refund_is_denied_to_a_sales_manager(paid, sales_manager, accountant, sm_client):
    note = give_back(paid, "1", sales_manager, accountant)
    assert (
        'id="credit-note-refund-form"'
        not in sm_client.get(reverse("purchases:credit_note", args=[note.pk])).content.decode()
    )
    url = reverse("purchases:credit_note_refund", args=[note.pk])
    form = {"refund-amount": "120.00", "refund-refunded_on": "2000-01-01", "refund-method": "transfer"}
    assert sm_client.post(url, form).status_code == 403
    assert sm_client.post(reverse("purchases:credit_note_send", args=[note.pk])).status_code == 403
    assert not Refund.objects.exists()


def test_page_records_a_refund_against_the_credit_note(paid, sales_manager, accountant, acc_client):
    note = give_back(paid, "1", sales_manager, accountant)
    page = acc_client.get(reverse("purchases:credit_note", args=[note.pk])).content.decode()
    assert 'id="credit-note-refund-form"' in page and "120.00 due back to the client" in page
    url = reverse("purchases:credit_note_refund", args=[note.pk])
    form = {"refund-amount": "120.00", "refund-refunded_on": "2000-01-01", "refund-method": "transfer"}
    refused = acc_client.post(url, {**form, "refund-amount": "500"})
    assert refused.status_code == 400 and "At most 120.00 can be refunded." in refused.content.decode()
    assert acc_client.post(url, form).status_code == 302
    assert Refund.objects.get().credit_note == note
    page = acc_client.get(reverse("purchases:invoice", args=[paid.pk])).content.decode()
    assert note.number in page and 'id="invoice-balance">0.00<' in page


# --- sending credit notes ------------------------------------------------------------------------------------


def test_the_credit_note_email_carries_its_pdf_even_after_a_news_opt_out(paid, sales_manager, accountant, client_obj):
    client_services.consent_set(client=client_obj, channel="email", status="opt_out", source="unsubscribe link")
    note = give_back(paid, "1", sales_manager, accountant)
    note = services.credit_note_send(credit_note=note, by=accountant)
    assert note.send_state == "queued"
    delivery.relay_pending()
    [message] = [m for m in mail.outbox if m.to == [client_obj.email] and m.subject.startswith("Credit note ")]
    [(name, content, mimetype)] = message.attachments
    assert name == f"credit-note-{note.number}.pdf" and mimetype == "application/pdf" and content[:4] == b"%PDF"
    note = CreditNote.objects.get(pk=note.pk)
    assert note.send_state == "sent" and note.sent_at is not None


def test_a_service_opt_out_leaves_the_credit_note_unsent_with_the_reason(
    paid, sales_manager, accountant, client_obj, acc_api, sm_api
):
    client_services.consent_set(
        client=client_obj, channel="email", status="opt_out", source="letter", purpose=messaging.SERVICE
    )
    note = give_back(paid, "1", sales_manager, accountant)
    assert sm_api.post(f"/api/v1/credit-notes/{note.pk}/send/").status_code == 403
    response = acc_api.post(f"/api/v1/credit-notes/{note.pk}/send/")
    assert response.status_code == 200
    assert (response.json()["send_state"], response.json()["send_error"]) == (
        "failed",
        "client opted out of service messages by email",
    )


def test_a_credit_note_not_sent_is_listed_beside_the_invoices_not_sent(
    paid, sales_manager, accountant, client_obj, acc_client
):
    client_services.consent_set(
        client=client_obj, channel="email", status="opt_out", source="letter", purpose=messaging.SERVICE
    )
    note = services.credit_note_send(credit_note=give_back(paid, "1", sales_manager, accountant), by=accountant)
    assert note.send_state == "failed"
    page = acc_client.get(reverse("purchases:invoices")).content.decode()
    listed = page.split('id="invoice-send-problems"', 1)[1].split("</table>", 1)[0]
    assert reverse("purchases:credit_note", args=[note.pk]) in listed
    assert "client opted out of service messages by email" in listed and client_obj.name in listed
    # sales managers have no accountants' queue (a browser of their own: acc_client and sm_client share one)
    browser = Client()
    browser.force_login(sales_manager)
    assert 'id="invoice-send-problems"' not in browser.get(reverse("purchases:invoices")).content.decode()


def test_a_requested_credit_note_cannot_be_sent(paid, sales_manager, accountant):
    note = give_back(paid, "1", sales_manager)
    with pytest.raises(ApplicationError, match="Only an issued credit note"):
        services.credit_note_send(credit_note=note, by=accountant)
