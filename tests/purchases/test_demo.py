import io
import random

import pytest
from django.core.management import call_command

from purchases import demo, selectors
from purchases.models import Invoice, Product, Purchase, ReconciliationRun, Refund

pytestmark = pytest.mark.django_db


def test_demo_seeds_real_ledger_once():
    from clients import demo as clients_demo
    from crm import demo as crm_demo

    rng, out = random.Random(1), io.StringIO()
    crm_demo.seed(rng=rng, stdout=out)
    clients_demo.seed(rng=rng, stdout=out)
    demo.seed(rng=rng, stdout=out)
    assert Product.objects.filter(is_key=True).exists() and Product.objects.filter(is_locomotive=True).exists()
    assert Purchase.objects.filter(kind="return").exists()
    assert set(Invoice.objects.values_list("status", flat=True)) >= {
        "requested",
        "issued",
        "sent",
        "paid",
        "partially_refunded",
    }
    assert selectors.ledger_drift() == []
    assert Refund.objects.exists() and Invoice.objects.filter(send_state="sent", sent_at__isnull=False).exists()
    [run] = ReconciliationRun.objects.all()
    assert run.is_clean, run.mismatches
    call_command("verify_ledger", stdout=io.StringIO())
    count = Purchase.objects.count()
    demo.seed(rng=rng, stdout=out)
    assert Purchase.objects.count() == count
