"""Concurrent recording and issuing on PostgreSQL: the account row lock and the locked invoice counter keep
totals equal to the ledger and invoice numbers gapless and unique."""

import threading
from decimal import Decimal

import pytest
from django.db import connection, connections
from django.db.models import Sum

from purchases import selectors, services
from purchases.models import ClientAccount, Invoice, Purchase
from purchases.services import LineInput
from tests.conftest import make_user
from tests.factories import ClientFactory, ProductFactory

from . import process_worker
from .factories import demo_tiers, record_sale

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

THREADS = 6
EACH = 5


def _run_in_threads(target, count):
    errors, barrier = [], threading.Barrier(count)

    def wrapped(i):
        try:
            barrier.wait()
            target(i)
        except Exception as exc:  # surfaced below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=wrapped, args=(i,)) for i in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []


def test_concurrent_purchases_and_invoices_keep_ledger_and_numbers_exact():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (row locks)")
    demo_tiers()
    seller = make_user("sm-conc", "Sales manager")
    accountant = make_user("acc-conc", "Accountant")
    client = ClientFactory()  # no ClientAccount yet: the threads race to create it
    product = ProductFactory(unit_price=Decimal("123.45"))

    def record(i):
        for n in range(EACH):
            services.purchase_record(
                client=client, lines=[LineInput(product=product, quantity=Decimal(1 + (i + n) % 3))], by=seller
            )
            # the same ERP post from every thread: recorded once
            services.purchase_record(
                client=client,
                lines=[LineInput(product=product, quantity=Decimal(1))],
                by=seller,
                external_id=f"ERP-{n}",
            )

    _run_in_threads(record, THREADS)
    account = ClientAccount.objects.get(client=client)
    ledger = Purchase.objects.filter(client=client).aggregate(total=Sum("net_total"))["total"]
    assert account.cumulative_total == ledger
    assert Purchase.objects.filter(client=client).count() == THREADS * EACH + EACH
    assert selectors.ledger_drift() == []
    # running totals chain: each entry starts where the one before ended
    entries = list(Purchase.objects.filter(client=client).order_by("id"))
    assert all(a.cumulative_after == b.cumulative_before for a, b in zip(entries, entries[1:], strict=False))

    invoices = [services.invoice_request(client=client, purchases=[p], by=seller) for p in entries]

    def issue(i):
        for invoice in invoices[i::THREADS]:
            services.invoice_issue(invoice=invoice, by=accountant)

    _run_in_threads(issue, THREADS)
    numbers = sorted(int(n.split("-")[1]) for n in Invoice.objects.values_list("number", flat=True))
    assert numbers == list(range(1, len(invoices) + 1))


def test_several_processes_record_and_issue_at_once():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (row locks)")
    import multiprocessing

    demo_tiers()
    seller = make_user("sm-proc", "Sales manager")
    accountant = make_user("acc-proc", "Accountant")
    client = ClientFactory()
    product = ProductFactory(unit_price=Decimal("99.99"))
    seeded = [record_sale(client, product, 1, by=seller) for _ in range(THREADS * 2)]
    invoice_ids = [services.invoice_request(client=client, purchases=[p], by=seller).pk for p in seeded]
    database_name = connection.settings_dict["NAME"]
    ctx = multiprocessing.get_context("spawn")
    procs = [
        ctx.Process(
            target=process_worker.record_and_issue,
            args=(database_name, client.pk, product.pk, seller.pk, accountant.pk, invoice_ids),
        )
        for _ in range(THREADS)
    ]
    for p in procs:
        p.start()
    for p in procs:
        p.join(120)
    for p in procs:
        if p.is_alive():
            p.kill()
    assert [p.exitcode for p in procs] == [0] * THREADS
    account = ClientAccount.objects.get(client=client)
    assert account.cumulative_total == Purchase.objects.filter(client=client).aggregate(t=Sum("net_total"))["t"]
    assert Purchase.objects.filter(client=client).count() == THREADS * 2 + THREADS * EACH
    numbers = sorted(int(n.split("-")[1]) for n in Invoice.objects.values_list("number", flat=True))
    assert numbers == list(range(1, len(invoice_ids) + 1))


def test_several_processes_move_money_at_once_and_reconciliation_finds_nothing():
    """Sales, returns before and after the invoice, invoice requests and issues, credit-note issues, payments
    and refunds (retried with their external_id) for the same clients from several processes; afterwards every
    reconciliation check is clean and both number series are gapless and unique."""
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (row locks)")
    import multiprocessing
    from datetime import date

    from purchases.models import CreditNote, InvoicePayment, ReconciliationRun, Refund

    processes = 4
    demo_tiers()
    seller = make_user("sm-money", "Sales manager")
    accountant = make_user("acc-money", "Accountant")
    admin = make_user("adm-money", "Administrator")
    clients = [ClientFactory(), ClientFactory()]
    product = ProductFactory(unit_price=Decimal("99.99"))
    services.tax_rate_create(category=product.category, rate=Decimal("20"), effective_from=date(2000, 1, 1), by=admin)
    shared = []
    for client in clients:
        sale = record_sale(client, product, 2, by=seller)  # 199.98 net, 239.98 gross each
        shared.append(
            services.invoice_issue(
                invoice=services.invoice_request(client=client, purchases=[sale], by=seller), by=accountant
            ).pk
        )
    ctx = multiprocessing.get_context("spawn")
    procs = [
        ctx.Process(
            target=process_worker.money_at_once,
            args=(
                connection.settings_dict["NAME"], [c.pk for c in clients], product.pk, seller.pk, accountant.pk,
                shared, worker,
            ),
        )
        for worker in range(processes)
    ]  # fmt: skip
    for p in procs:
        p.start()
    for p in procs:
        p.join(240)
    for p in procs:
        if p.is_alive():
            p.kill()
    assert [p.exitcode for p in procs] == [0] * processes

    each = process_worker.EACH_MONEY * len(clients)
    assert Invoice.objects.filter(number__isnull=False).count() == len(shared) + processes * each
    assert InvoicePayment.objects.filter(external_id__startswith="P-").count() == processes * each
    for pk in shared:  # 40 at a time while the balance allows: five fit in 239.98, the rest were refused
        invoice = Invoice.objects.get(pk=pk)
        assert invoice.amount_paid == Decimal("200.00") and invoice.payments.count() == 5
    # every return after an issue has its credit note, issued once, refunded once against the note
    notes = CreditNote.objects.filter(entry__isnull=False)
    assert notes.count() == processes * each and not notes.exclude(status="issued").exists()
    assert Refund.objects.filter(external_id__startswith="R-").count() == processes * each
    for invoice in Invoice.objects.filter(credit_notes__isnull=False):
        assert (invoice.status, invoice.balance) == ("partially_refunded", 0), invoice.number
    cn_numbers = sorted(int(n.rsplit("-", 1)[1]) for n in notes.values_list("number", flat=True))
    assert cn_numbers == list(range(1, processes * each + 1))
    [amid] = ReconciliationRun.objects.filter(trigger="manual")  # ran amid the writes, in one snapshot
    assert amid.is_clean, amid.mismatches
    result = services.reconciliation_run()
    assert result.is_clean, result.mismatches
    numbers = sorted(int(n.split("-")[1]) for n in Invoice.objects.values_list("number", flat=True))
    assert numbers == list(range(1, len(numbers) + 1))
