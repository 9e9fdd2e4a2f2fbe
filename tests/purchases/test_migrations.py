"""Migration 0003 keeps old invoices meaning what they meant: the old gross_total ("before discount") becomes
list_total, the amount due (old net_total, no tax then) becomes gross_total, and issued invoices get their lines."""

from decimal import Decimal

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from purchases.models import Invoice, InvoiceLine
from tests.factories import ClientFactory, ProductFactory

from .factories import demo_tiers, record_sale

pytestmark = pytest.mark.django_db(transaction=True)
BEFORE = [("purchases", "0002_ledger_history_invoices")]
AFTER = [("purchases", "0003_tax_invoice_lines_credit_notes")]


def _leaves():
    """Every app at its newest migration (what `migrate` leaves a fresh database at)."""
    from django.db.migrations.loader import MigrationLoader

    return MigrationLoader(connection, ignore_no_migrations=True).graph.leaf_nodes()


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.fixture(autouse=True)
def _back_to_the_latest_schema():
    """Leave the database at the latest migrations (tables and PostgreSQL triggers of later migrations), or every
    later test on this worker would run on the 0003 schema."""
    yield
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())


def test_old_invoices_become_net_tax_gross_with_their_lines(sales_manager):
    demo_tiers()
    client = ClientFactory()
    product = ProductFactory(unit_price=Decimal("50.00"))
    sales = [record_sale(client, product, 2, by=sales_manager) for _ in range(2)]
    old_apps = migrate(BEFORE)
    OldInvoice = old_apps.get_model("purchases", "Invoice")
    issued = OldInvoice.objects.create(
        client_id=client.pk,
        requested_by_id=sales_manager.pk,
        requested_at=sales[0].purchased_at,
        due_at=sales[0].purchased_at,
        status="paid",
        number="2025-000007",
        gross_total=Decimal("100.00"),  # before discount, in the old meaning
        discount_amount=Decimal("0.00"),
        net_total=Decimal("100.00"),
        amount_paid=Decimal("100.00"),
    )
    issued.purchases.set([sales[0].pk])
    requested = OldInvoice.objects.create(
        client_id=client.pk,
        requested_by_id=sales_manager.pk,
        requested_at=sales[1].purchased_at,
        due_at=sales[1].purchased_at,
        gross_total=Decimal("105.00"),
        discount_amount=Decimal("5.00"),
        net_total=Decimal("100.00"),
    )
    requested.purchases.set([sales[1].pk])
    migrate(AFTER)
    migrate(_leaves())  # the later migrations (payments, refunds, sending) keep what 0003 made

    issued, requested = Invoice.objects.get(pk=issued.pk), Invoice.objects.get(pk=requested.pk)
    assert (requested.list_total, requested.discount_amount) == (Decimal("105.00"), Decimal("5.00"))
    assert (requested.net_total, requested.tax_total, requested.gross_total) == (
        Decimal("100.00"),
        Decimal("0.00"),
        Decimal("100.00"),
    )
    assert not requested.lines.exists()
    assert issued.gross_total == Decimal("100.00") and issued.balance == 0
    [line] = InvoiceLine.objects.filter(invoice=issued)
    assert line.purchase_line == sales[0].lines.get() and line.tax_rate == 0
    assert line.net_amount == line.gross_amount == issued.net_total
