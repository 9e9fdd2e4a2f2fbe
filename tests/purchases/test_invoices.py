from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from crm.exceptions import ApplicationError, ConflictError
from crm.notifications.models import Notification
from purchases import selectors, services
from purchases.models import ClientAccount, Invoice, InvoiceCounter
from purchases.pdf import invoice_pdf
from tests.purchases.factories import record_sale

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def sale(tiers, client_obj, product, sales_manager):
    return record_sale(client_obj, product, 2, by=sales_manager)


@pytest.fixture
def requested(sale, client_obj, sales_manager):
    return services.invoice_request(client=client_obj, purchases=[sale], by=sales_manager)


def test_request_sets_totals_and_due_time(requested, sale):
    assert requested.status == Invoice.Status.REQUESTED
    assert requested.net_total == sale.net_total
    assert requested.due_at > requested.requested_at


def test_a_purchase_cannot_be_invoiced_twice(requested, sale, client_obj, sales_manager):
    with pytest.raises(ApplicationError, match=f"Already on an invoice: purchase #{sale.pk}."):
        services.invoice_request(client=client_obj, purchases=[sale], by=sales_manager)
    assert Invoice.objects.get() == requested


def test_issue_numbers_are_gapless_per_year_and_notify_requester(
    requested, accountant, sales_manager, client_obj, product
):
    year = timezone.localdate().year
    issued = services.invoice_issue(invoice=requested, by=accountant)
    assert issued.number == f"{year}-000001"
    other = record_sale(client_obj, product, 1, by=sales_manager)
    second = services.invoice_request(client=client_obj, purchases=[other], by=sales_manager)
    assert services.invoice_issue(invoice=second, by=accountant).number == f"{year}-000002"
    assert Notification.objects.filter(user=sales_manager, event="invoice_issued").count() == 2


def test_invoice_cannot_be_issued_twice(requested, accountant):
    services.invoice_issue(invoice=requested, by=accountant)
    with pytest.raises(ConflictError):
        services.invoice_issue(invoice=requested, by=accountant)
    assert InvoiceCounter.objects.get().last_number == 1


def test_claimed_request_belongs_to_the_claimer(requested, accountant, django_user_model):
    from tests.conftest import make_user

    other = make_user("acc2", "Accountant")
    services.invoice_claim(invoice=requested, by=accountant)
    with pytest.raises(ConflictError, match="already took this request"):
        services.invoice_claim(invoice=requested, by=other)
    with pytest.raises(ConflictError, match="Another accountant claimed this request."):
        services.invoice_issue(invoice=requested, by=other)
    requested.refresh_from_db()
    assert (requested.status, requested.claimed_by, requested.number) == ("requested", accountant, None)


def test_sales_manager_cannot_issue(requested, sales_manager):
    with pytest.raises(ApplicationError, match="Only accountants handle invoices."):
        services.invoice_issue(invoice=requested, by=sales_manager)
    requested.refresh_from_db()
    assert (requested.status, requested.number) == ("requested", None)
    assert not InvoiceCounter.objects.exists()


def test_void_keeps_number_and_issues_credit_note(requested, accountant):
    issued = services.invoice_issue(invoice=requested, by=accountant)
    voided = services.invoice_void(invoice=issued, by=accountant, reason="Wrong address")
    assert voided.status == Invoice.Status.VOID and voided.number == issued.number
    # the credit note takes the first number of its own series; the invoice series is untouched
    note = voided.credit_notes.get()
    assert note.number == f"CN-{timezone.localdate().year}-000001" and note.status == "issued"
    assert note.reason == "void" and note.gross_total == issued.gross_total and voided.credit_note_number is None
    assert voided.balance == 0 and InvoiceCounter.objects.get().last_number == 1
    with pytest.raises(ConflictError):
        services.invoice_void(invoice=voided, by=accountant, reason="again")


def test_void_needs_reason(requested, accountant):
    with pytest.raises(ApplicationError, match="Say why the invoice is voided."):
        services.invoice_void(invoice=requested, by=accountant, reason=" ")
    requested.refresh_from_db()
    assert requested.status == "requested"


def test_partial_payments_then_paid(requested, accountant):
    invoice = services.invoice_issue(invoice=requested, by=accountant)
    services.invoice_payment_record(invoice=invoice, amount=D("50.00"), paid_on=None, by=accountant)
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.ISSUED and invoice.balance == D("150.00")
    with pytest.raises(ApplicationError):
        services.invoice_payment_record(invoice=invoice, amount=D("150.01"), paid_on=None, by=accountant)
    services.invoice_payment_record(invoice=invoice, amount=D("150"), paid_on=None, by=accountant)
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.PAID and invoice.paid_at


def test_payment_refused_on_requested_invoice(requested, accountant):
    with pytest.raises(ApplicationError, match="Payments can be recorded on issued or sent invoices only."):
        services.invoice_payment_record(invoice=requested, amount=D("1"), paid_on=None, by=accountant)
    assert not requested.payments.exists()


def test_overdue_requests_remind_accountants_and_requester_once(requested, accountant, sales_manager):
    later = requested.due_at + timedelta(minutes=1)
    assert services.invoices_remind_overdue(now=later) == 1
    assert services.invoices_remind_overdue(now=later) == 0
    assert Notification.objects.filter(user=accountant, event="invoice_overdue").count() == 1
    assert Notification.objects.filter(user=sales_manager, event="invoice_overdue_requester").count() == 1


def test_queue_orders_by_due_time(requested, sale, client_obj, product, sales_manager):
    other = record_sale(client_obj, product, 1, by=sales_manager)
    later = services.invoice_request(client=client_obj, purchases=[other], by=sales_manager)
    Invoice.objects.filter(pk=requested.pk).update(due_at=timezone.now() - timedelta(hours=1))
    assert [i.pk for i in selectors.invoice_queue()] == [requested.pk, later.pk]


def test_turnaround_per_accountant(requested, accountant):
    services.invoice_issue(invoice=requested, by=accountant)
    [row] = selectors.invoice_turnaround()
    assert row["accountant"] == accountant and row["issued"] == 1 and row["within_standard"] == 100.0


def test_pdf_escapes_client_supplied_markup(tiers, sales_manager, accountant, product, monkeypatch):
    from reportlab.platypus import Paragraph

    from tests.factories import ClientFactory

    evil = '<img src="/etc/passwd"/><a href="http://example.invalid/x">x</a>'
    client = ClientFactory(name=evil, address=evil)
    product.name = evil
    product.save()
    sale = record_sale(client, product, 1, by=sales_manager)
    invoice = services.invoice_request(client=client, purchases=[sale], by=sales_manager, note=evil)
    invoice = services.invoice_issue(invoice=invoice, by=accountant)
    seen = []
    original_init = Paragraph.__init__

    def spy(self, text, *args, **kwargs):
        seen.append(text)
        return original_init(self, text, *args, **kwargs)

    monkeypatch.setattr(Paragraph, "__init__", spy)
    from reportlab.lib import utils

    def no_files(*args, **kwargs):
        raise AssertionError("the PDF tried to open an image or URL")

    monkeypatch.setattr(utils, "ImageReader", no_files)
    pdf = invoice_pdf(selectors.invoice_get(pk=invoice.pk), selectors.invoice_lines(invoice=invoice))
    assert pdf.startswith(b"%PDF")
    assert not any("<img" in text or "<a " in text for text in seen)
    assert any("&lt;img" in text for text in seen)


def test_verify_ledger_passes_and_reports_drift(sale, client_obj, capsys):
    call_command("verify_ledger")
    ClientAccount.objects.filter(client=client_obj).update(cumulative_total=D("1.00"))
    with pytest.raises(CommandError):
        call_command("verify_ledger")
    assert f"client {client_obj.pk}" in capsys.readouterr().out


def test_sending_queues_the_invoice_to_the_client(requested, accountant, client_obj):
    invoice = services.invoice_issue(invoice=requested, by=accountant)
    services.invoice_mark_sent(invoice=invoice, by=accountant)
    note = Notification.objects.get(client=client_obj, event="invoice_sent")
    assert note.context["number"] == invoice.number
