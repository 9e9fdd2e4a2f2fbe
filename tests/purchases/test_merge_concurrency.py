"""A purchase recorded while its client is being merged (two processes on PostgreSQL): the merge holds both
clients' row locks; a sale for the loser waits, re-reads the client once the merge commits and is refused,
naming the survivor; a sale for the survivor waits and lands on the survivor. Afterwards the survivor's account
equals the sum of its lineage's ledger and nothing landed on the loser."""

import multiprocessing
import time
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.db.models import Sum

from clients import selectors as client_selectors
from clients import services as client_services
from purchases import selectors
from purchases.models import ClientAccount, Purchase
from tests.conftest import make_user
from tests.factories import ClientFactory, ProductFactory

from . import process_worker
from .factories import demo_tiers, record_sale

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _waiting_on_locks() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")  # inside a transaction the view is a cached snapshot
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return cursor.fetchone()[0]


def test_a_purchase_for_the_loser_during_a_merge_is_refused_and_never_lands_on_the_loser():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (row locks, several processes)")
    demo_tiers()
    seller = make_user("sm-merge", "Sales manager")
    admin = make_user("adm-merge", "Administrator")
    survivor, loser = ClientFactory(name="Survivor Ltd"), ClientFactory(name="Loser Ltd")
    product = ProductFactory(unit_price=Decimal("400.00"))
    for _ in range(2):
        record_sale(survivor, product, 1, by=seller)
        record_sale(loser, product, 2, by=seller)
    on_loser_before = Purchase.objects.filter(client=loser).count()
    database_name = connection.settings_dict["NAME"]
    ctx = multiprocessing.get_context("spawn")
    procs = [
        ctx.Process(target=process_worker.record_one, args=(database_name, c.pk, product.pk, seller.pk))
        for c in (loser, survivor)
    ]
    with transaction.atomic():
        client_services.client_merge(survivor=survivor, loser=loser, by=admin)  # holds both clients' locks
        for p in procs:
            p.start()
        deadline = time.monotonic() + 90
        while _waiting_on_locks() < 2 and time.monotonic() < deadline:  # both sales queue behind the merge
            time.sleep(0.2)
        assert _waiting_on_locks() == 2
    for p in procs:
        p.join(120)
        if p.is_alive():
            p.kill()
    assert [p.exitcode for p in procs] == [process_worker.REFUSED_MERGED, process_worker.RECORDED]
    assert Purchase.objects.filter(client=loser).count() == on_loser_before  # nothing landed on the loser
    assert Purchase.objects.filter(client=survivor).count() == 3
    lineage = client_selectors.client_lineage_ids(client=survivor)
    ledger = Purchase.objects.filter(client_id__in=lineage).aggregate(t=Sum("net_total"))["t"]
    assert ClientAccount.objects.get(client=survivor).cumulative_total == ledger
    assert not ClientAccount.objects.filter(client=loser).exists()
    assert selectors.ledger_drift() == []
