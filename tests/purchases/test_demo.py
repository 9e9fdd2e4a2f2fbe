import io
import random

import pytest
from django.core.management import call_command

from clients.models import Client
from purchases import demo, selectors
from purchases.models import (
    CreditNote,
    Invoice,
    Perk,
    PerkKind,
    PriceOverride,
    Product,
    Purchase,
    ReconciliationRun,
    Refund,
    TaxRate,
)

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
    assert TaxRate.objects.filter(product__isnull=False).exists()
    assert len(set(TaxRate.objects.values_list("rate", flat=True))) >= 2
    # an issued invoice whose sale was partly returned afterwards, credited by an issued credit note
    note = CreditNote.objects.get(reason="return", status="issued", invoice__amount_paid=0)
    assert note.invoice.status == "issued" and note.gross_total > 0 and note.number.startswith("CN-")
    assert note.invoice.gross_total > note.gross_total and note.invoice.tax_total > 0
    assert CreditNote.objects.filter(status="requested").exists()
    # a paid invoice partly returned: its credit note refunded against the note, the invoice partly refunded
    refund = Refund.objects.get(credit_note__isnull=False)
    assert refund.amount == refund.credit_note.gross_total and refund.invoice.status == "partially_refunded"
    assert refund.invoice.balance == 0
    assert PriceOverride.objects.count() >= 3 and all(o.reason for o in PriceOverride.objects.all())
    loser = Client.objects.filter(merged_into__isnull=False).get()
    assert Purchase.objects.filter(client=loser).exists()  # the merge left the loser's entries in place
    survivor_ids = {p.pk for p in selectors.purchase_list(client=loser.merged_into)}
    assert set(Purchase.objects.filter(client=loser).values_list("pk", flat=True)) <= survivor_ids
    assert selectors.ledger_drift() == []
    assert Refund.objects.exists() and Invoice.objects.filter(send_state="sent", sent_at__isnull=False).exists()
    [run] = ReconciliationRun.objects.all()
    assert run.is_clean, run.mismatches
    call_command("verify_ledger", stdout=io.StringIO())
    # perks of each kind with their costs, standing ones for a segment and a client
    assert set(Perk.objects.values_list("kind__code", flat=True)) == set(
        PerkKind.objects.values_list("code", flat=True)
    )
    assert {"one_off", "standing_client", "standing_segment"} <= set(Perk.objects.values_list("scope", flat=True))
    count, perks = Purchase.objects.count(), Perk.objects.count()
    demo.seed(rng=rng, stdout=out)
    assert Purchase.objects.count() == count and Perk.objects.count() == perks


def test_demo_perks_give_the_perk_report_a_drop_candidate():
    from django.utils import timezone

    from clients import demo as clients_demo
    from crm import demo as crm_demo
    from crm.reports import perks as perk_report

    rng, out = random.Random(1), io.StringIO()
    crm_demo.seed(rng=rng, stdout=out)
    clients_demo.seed(rng=rng, stdout=out)
    demo.seed(rng=rng, stdout=out)
    rows = {r["kind"]: r for r in perk_report.rows(timezone.now())[0]}
    assert rows["perk:birthday-card"]["drop_candidate"] is True
    assert all(rows[f"perk:{code}"]["source"] == "perk" for code in PerkKind.objects.values_list("code", flat=True))
