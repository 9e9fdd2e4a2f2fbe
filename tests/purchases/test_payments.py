"""Payments and refunds: idempotent by external_id, never over the balance or over what was paid, the status
following the money; the page and the API, with their denials."""

from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from crm.exceptions import ApplicationError, ConflictError
from purchases import services
from purchases.models import Invoice, InvoicePayment, Refund
from tests.purchases.factories import record_sale

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def invoice(tiers, client_obj, product, sales_manager, accountant):
    sale = record_sale(client_obj, product, 2, by=sales_manager)  # 200.00
    requested = services.invoice_request(client=client_obj, purchases=[sale], by=sales_manager)
    return services.invoice_issue(invoice=requested, by=accountant)


@pytest.fixture
def paid(invoice, accountant):
    services.invoice_payment_record(invoice=invoice, amount=D("200"), paid_on=None, by=accountant)
    invoice.refresh_from_db()
    return invoice


def pay(invoice, accountant, amount="50", **extra):
    return services.invoice_payment_record(invoice=invoice, amount=D(amount), paid_on=None, by=accountant, **extra)


# --- payments: service --------------------------------------------------------------------------------------


def test_payment_replay_with_the_same_external_id_records_once(invoice, accountant):
    first, created = pay(invoice, accountant, external_id="BANK-1", method="transfer", reference="REF 9")
    again, created_again = pay(invoice, accountant, external_id="BANK-1", method="transfer", reference="REF 9")
    assert created and not created_again and again == first
    invoice.refresh_from_db()
    assert InvoicePayment.objects.count() == 1 and invoice.amount_paid == D("50.00")
    assert (first.method, first.reference) == ("transfer", "REF 9")


def test_payment_replay_answers_the_first_result_even_once_the_invoice_is_paid(invoice, accountant):
    pay(invoice, accountant, "200", external_id="BANK-ALL")
    again, created = pay(invoice, accountant, "200", external_id="BANK-ALL")
    assert not created and again.amount == D("200.00")
    assert InvoicePayment.objects.count() == 1


def test_the_same_external_id_on_another_invoice_is_a_conflict(invoice, accountant, client_obj, product, sales_manager):
    pay(invoice, accountant, external_id="BANK-2")
    other = services.invoice_issue(
        invoice=services.invoice_request(
            client=client_obj, purchases=[record_sale(client_obj, product, 1, by=sales_manager)], by=sales_manager
        ),
        by=accountant,
    )
    with pytest.raises(ConflictError):
        pay(other, accountant, external_id="BANK-2")
    assert not other.payments.exists()


def test_payment_over_the_open_balance_is_refused(invoice, accountant):
    pay(invoice, accountant, "150")
    with pytest.raises(ApplicationError, match="Only 50.00 is left to pay.") as refused:
        pay(invoice, accountant, "50.01")
    assert refused.value.field == "amount"
    invoice.refresh_from_db()
    assert invoice.amount_paid == D("150.00") and invoice.status == Invoice.Status.ISSUED


def test_payment_method_must_be_known(invoice, accountant):
    with pytest.raises(ApplicationError) as refused:
        pay(invoice, accountant, method="bitcoin")
    assert refused.value.field == "method" and not invoice.payments.exists()


def test_payment_needs_an_accountant(invoice, sales_manager, administrator):
    for user in (sales_manager, administrator):
        with pytest.raises(ApplicationError):
            pay(invoice, user)
    assert not invoice.payments.exists()


# --- refunds: service ---------------------------------------------------------------------------------------


def test_refund_of_a_paid_invoice_moves_it_to_partially_refunded_then_refunded(paid, accountant):
    refund, created = services.invoice_refund_record(
        invoice=paid, amount=D("30"), refunded_on=None, by=accountant, reference="Damaged box"
    )
    paid.refresh_from_db()
    assert created and refund.method == "transfer" and refund.refunded_on == timezone.localdate()
    assert (paid.status, paid.amount_refunded, paid.refundable) == ("partially_refunded", D("30.00"), D("170.00"))
    services.invoice_refund_record(invoice=paid, amount=D("170"), refunded_on=None, by=accountant)
    paid.refresh_from_db()
    assert (paid.status, paid.amount_refunded, paid.refundable) == ("refunded", D("200.00"), D("0.00"))
    assert paid.amount_paid == D("200.00")  # payments stay as they were: refunds are rows of their own


def test_refund_of_a_partly_paid_invoice(invoice, accountant):
    pay(invoice, accountant, "80")
    services.invoice_refund_record(invoice=invoice, amount=D("80"), refunded_on=None, by=accountant)
    invoice.refresh_from_db()
    # no credit note: the payment is given back, so the whole invoice is owed again
    assert invoice.status == "refunded" and invoice.balance == D("200.00")


def test_refund_over_what_was_paid_and_not_refunded_is_refused(paid, accountant):
    services.invoice_refund_record(invoice=paid, amount=D("150"), refunded_on=None, by=accountant)
    with pytest.raises(ApplicationError, match="At most 50.00 can be refunded.") as refused:
        services.invoice_refund_record(invoice=paid, amount=D("50.01"), refunded_on=None, by=accountant)
    assert refused.value.field == "amount" and Refund.objects.count() == 1


def test_refund_refused_without_payments_and_on_requests(invoice, accountant, client_obj, product, sales_manager):
    with pytest.raises(ApplicationError, match="Nothing was paid"):
        services.invoice_refund_record(invoice=invoice, amount=D("1"), refunded_on=None, by=accountant)
    request = services.invoice_request(
        client=client_obj, purchases=[record_sale(client_obj, product, 1, by=sales_manager)], by=sales_manager
    )
    with pytest.raises(ApplicationError, match="issued invoices only"):
        services.invoice_refund_record(invoice=request, amount=D("1"), refunded_on=None, by=accountant)
    assert not Refund.objects.exists()


def test_refund_bad_input_is_refused(paid, accountant):
    tomorrow = timezone.localdate() + timezone.timedelta(days=1)
    for kwargs, field in (
        ({"amount": D("0")}, "amount"),
        ({"amount": D("-5")}, "amount"),
        ({"amount": D("5"), "refunded_on": tomorrow}, "refunded_on"),
        ({"amount": D("5"), "method": ""}, "method"),
    ):
        kwargs.setdefault("refunded_on", None)
        with pytest.raises(ApplicationError) as refused:
            services.invoice_refund_record(invoice=paid, by=accountant, **kwargs)
        assert refused.value.field == field
    assert not Refund.objects.exists()


def test_refund_replay_records_once(paid, accountant):
    first, _ = services.invoice_refund_record(
        invoice=paid, amount=D("20"), refunded_on=None, by=accountant, external_id="RF-1"
    )
    again, created = services.invoice_refund_record(
        invoice=paid, amount=D("20"), refunded_on=None, by=accountant, external_id="RF-1"
    )
    paid.refresh_from_db()
    assert again == first and not created and paid.amount_refunded == D("20.00")


def test_refund_needs_an_accountant(paid, sales_manager, administrator):
    for user in (sales_manager, administrator):
        with pytest.raises(ApplicationError):
            services.invoice_refund_record(invoice=paid, amount=D("1"), refunded_on=None, by=user)
    assert not Refund.objects.exists()


# --- API ----------------------------------------------------------------------------------------------------


def test_api_payment_replay_answers_201_then_200_and_records_once(invoice, acc_api):
    url = f"/api/v1/invoices/{invoice.pk}/payments/"
    body = {"amount": "60", "external_id": "ERP-PAY-1", "method": "card", "reference": "x-1"}
    first = acc_api.post(url, body, format="json")
    again = acc_api.post(url, body, format="json")
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"] and first.json()["method"] == "card"
    assert InvoicePayment.objects.count() == 1
    assert acc_api.get(f"/api/v1/invoices/{invoice.pk}/").json()["amount_paid"] == "60.00"


def test_api_payment_over_balance_is_400_with_the_field(invoice, acc_api):
    response = acc_api.post(f"/api/v1/invoices/{invoice.pk}/payments/", {"amount": "200.01"}, format="json")
    assert response.status_code == 400 and "amount" in response.json()
    assert not InvoicePayment.objects.exists()


def test_api_refunds_list_and_create(paid, acc_api, sm_api, admin_api):
    url = f"/api/v1/invoices/{paid.pk}/refunds/"
    body = {"amount": "25.50", "method": "transfer", "reference": "RMA 7", "external_id": "RF-API"}
    created = acc_api.post(url, body, format="json")
    assert created.status_code == 201, created.json()
    assert created.json()["amount"] == "25.50" and created.json()["invoice"] == paid.pk
    assert acc_api.post(url, body, format="json").status_code == 200
    invoice = sm_api.get(f"/api/v1/invoices/{paid.pk}/").json()
    assert (invoice["status"], invoice["amount_refunded"], invoice["refundable"]) == (
        "partially_refunded",
        "25.50",
        "174.50",
    )
    for api in (acc_api, sm_api, admin_api):  # every role reads
        listed = api.get(url)
        assert listed.status_code == 200 and [r["reference"] for r in listed.json()["results"]] == ["RMA 7"]


def test_api_refund_denied_to_sales_manager_and_administrator(paid, sm_api, admin_api):
    for api in (sm_api, admin_api):
        response = api.post(f"/api/v1/invoices/{paid.pk}/refunds/", {"amount": "5"}, format="json")
        assert response.status_code == 403
    assert not Refund.objects.exists()


def test_api_refund_bad_input_is_400_and_saves_nothing(paid, acc_api):
    url = f"/api/v1/invoices/{paid.pk}/refunds/"
    for body, field in (
        ({}, "amount"),
        ({"amount": "abc"}, "amount"),
        ({"amount": "-1"}, "amount"),
        ({"amount": "200.01"}, "amount"),
        ({"amount": "5", "method": "barter"}, "method"),
    ):
        response = acc_api.post(url, body, format="json")
        assert response.status_code == 400 and field in response.json(), (body, response.json())
    assert not Refund.objects.exists()


def test_api_refund_list_costs_the_same_queries_for_1_and_10_refunds(
    paid, acc_api, accountant, django_assert_num_queries
):
    url = f"/api/v1/invoices/{paid.pk}/refunds/"
    services.invoice_refund_record(invoice=paid, amount=D("1"), refunded_on=None, by=accountant)
    with django_assert_num_queries(2) as one:  # the user's roles, the refunds
        assert len(acc_api.get(url).json()["results"]) == 1
    for _ in range(9):
        services.invoice_refund_record(invoice=paid, amount=D("1"), refunded_on=None, by=accountant)
    with django_assert_num_queries(len(one.captured_queries)):
        assert len(acc_api.get(url).json()["results"]) == 10


# --- pages --------------------------------------------------------------------------------------------------


def test_page_shows_payments_and_refunds_and_the_refund_form_to_accountants(paid, acc_client, accountant):
    services.invoice_refund_record(invoice=paid, amount=D("12.34"), refunded_on=None, by=accountant, reference="RMA")
    page = acc_client.get(reverse("purchases:invoice", args=[paid.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert "-12.34" in html and "RMA" in html and 'id="refund-form"' in html
    assert "Partially refunded" in html


def test_page_refund_records_and_redirects(paid, acc_client):
    response = acc_client.post(
        reverse("purchases:invoice_action", args=[paid.pk, "refund"]),
        {"refund-amount": "40", "refund-refunded_on": timezone.localdate(), "refund-method": "cash"},
    )
    assert response.status_code == 302
    paid.refresh_from_db()
    assert paid.amount_refunded == D("40.00") and paid.refunds.get().method == "cash"


def test_page_refund_over_paid_shows_the_form_error(paid, acc_client):
    response = acc_client.post(
        reverse("purchases:invoice_action", args=[paid.pk, "refund"]),
        {"refund-amount": "500", "refund-refunded_on": timezone.localdate(), "refund-method": "transfer"},
    )
    assert response.status_code == 400
    assert "At most 200.00 can be refunded." in response.content.decode()
    assert not Refund.objects.exists()


def test_page_payment_over_balance_shows_the_form_error(invoice, acc_client):
    response = acc_client.post(
        reverse("purchases:invoice_action", args=[invoice.pk, "payment"]),
        {"amount": "200.01", "paid_on": timezone.localdate()},
    )
    assert response.status_code == 400
    assert 'id="id_amount-error"' in response.content.decode()
    assert "Only 200.00 is left to pay." in response.content.decode()
    assert not InvoicePayment.objects.exists()


def test_page_refund_denied_to_sales_manager_and_administrator(paid, sm_client, admin_client_role):
    for client in (sm_client, admin_client_role):
        response = client.post(
            reverse("purchases:invoice_action", args=[paid.pk, "refund"]),
            {"refund-amount": "5", "refund-refunded_on": timezone.localdate(), "refund-method": "transfer"},
        )
        assert response.status_code == 403
        page = client.get(reverse("purchases:invoice", args=[paid.pk]))
        assert 'id="refund-form"' not in page.content.decode()
    assert not Refund.objects.exists()
