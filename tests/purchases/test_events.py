"""The purchases' domain events reach webhook subscribers once, from the transaction of their cause: a sale,
a return, a tier change, and an invoice's life (requested, issued, sent, paid, voided)."""

from decimal import Decimal

import pytest
from django.db import transaction

from crm.notifications import webhooks
from crm.notifications.models import WebhookEvent
from purchases import services
from purchases.models import ClientAccount
from tests.purchases.factories import record_sale

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture(autouse=True)
def subscriber(administrator):
    return webhooks.subscription_create(name="ERP", url="https://erp.example/hook", by=administrator)


def types(entity=None):
    qs = WebhookEvent.objects.order_by("id")
    if entity:
        qs = qs.filter(entity=entity)
    return [e.type for e in qs]


def test_a_sale_that_crosses_a_threshold_then_a_return(tiers, client_obj, product, sales_manager):
    ClientAccount.objects.create(client=client_obj, cumulative_total=D("950"))
    sale = record_sale(client_obj, product, "1", by=sales_manager)  # 950 -> 1050: over the 1000 tier
    services.purchase_return(original=sale, by=sales_manager, reason="damaged")
    assert types(f"client:{client_obj.pk}") == [
        "purchase.recorded",
        "tier.changed",
        "purchase.returned",
        "tier.changed",
    ]
    recorded = WebhookEvent.objects.filter(type="purchase.recorded").get().payload["data"]
    assert recorded["id"] == sale.pk and recorded["net_total"] == str(sale.net_total)
    changes = [e.payload["data"]["direction"] for e in WebhookEvent.objects.filter(type="tier.changed").order_by("id")]
    assert changes == ["up", "down"]


def test_no_event_when_the_sale_rolls_back(tiers, client_obj, product, sales_manager):
    with pytest.raises(RuntimeError), transaction.atomic():
        record_sale(client_obj, product, "1", by=sales_manager)
        raise RuntimeError("the request failed later")
    assert types() == []


def test_an_invoice_life(tiers, client_obj, product, sales_manager, accountant):
    sale = record_sale(client_obj, product, "2", by=sales_manager)
    invoice = services.invoice_request(client=client_obj, purchases=[sale], by=sales_manager)
    invoice = services.invoice_issue(invoice=invoice, by=accountant)
    services.invoice_send_outcome(invoice_id=invoice.pk, attempt=1, sent=True)
    services.invoice_send_outcome(invoice_id=invoice.pk, attempt=2, sent=True)  # a resend: no second event
    invoice.refresh_from_db()
    services.invoice_payment_record(invoice=invoice, amount=invoice.gross_total / 2, paid_on=None, by=accountant)
    assert types(f"invoice:{invoice.pk}") == ["invoice.requested", "invoice.issued", "invoice.sent"]
    invoice.refresh_from_db()
    services.invoice_payment_record(invoice=invoice, amount=invoice.balance, paid_on=None, by=accountant)
    assert types(f"invoice:{invoice.pk}")[-1] == "invoice.paid"
    paid = WebhookEvent.objects.get(type="invoice.paid").payload["data"]
    assert paid["status"] == "paid" and paid["balance"] == "0.00" and paid["number"] == invoice.number


def test_a_voided_invoice(tiers, client_obj, product, sales_manager, accountant):
    sale = record_sale(client_obj, product, "1", by=sales_manager)
    invoice = services.invoice_issue(
        invoice=services.invoice_request(client=client_obj, purchases=[sale], by=sales_manager), by=accountant
    )
    services.invoice_void(invoice=invoice, by=accountant, reason="wrong client")
    assert types(f"invoice:{invoice.pk}") == ["invoice.requested", "invoice.issued", "invoice.voided"]
