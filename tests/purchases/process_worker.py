"""The body of one process in the multi-process concurrency test. Kept apart from the test module so a spawned
interpreter can import it before Django is set up."""

import contextlib

EACH = 5
EACH_MONEY = 3


def record_and_issue(database_name, client_id, product_id, seller_id, accountant_id, invoice_ids):
    """Runs in a fresh (spawned) interpreter with its own database connection to the test database.

    Spawned, not forked: by the time this test runs the pytest process has threads (the live server, the
    browser driver), and forking a threaded process can leave a child holding a lock nobody will release."""
    import os

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "crm.settings.test")
    django.setup()
    from django.conf import settings

    settings.DATABASES["default"]["NAME"] = database_name
    from django.contrib.auth import get_user_model
    from django.db import connections

    from clients.models import Client
    from crm.exceptions import ConflictError
    from purchases import services
    from purchases.models import Invoice, Product
    from tests.purchases.factories import record_sale

    User = get_user_model()
    client, product = Client.objects.get(pk=client_id), Product.objects.get(pk=product_id)
    seller, accountant = User.objects.get(pk=seller_id), User.objects.get(pk=accountant_id)
    for n in range(EACH):
        record_sale(client, product, 1 + n, by=seller)
        # every process tries every invoice: each is issued once, the others get a conflict
        for invoice in Invoice.objects.filter(pk__in=invoice_ids[n::EACH]):
            with contextlib.suppress(ConflictError):
                services.invoice_issue(invoice=invoice, by=accountant)
    connections.close_all()


def money_at_once(database_name, client_ids, product_id, seller_id, accountant_id, shared_invoice_ids, worker):
    """One process of the money concurrency test: for every client it records a sale, returns part of it,
    requests and issues an invoice for it and pays it in full (each payment posted twice with its external_id,
    as a retrying ERP would), returns one more unit after the issue (a credit note request), issues every
    credit note request it finds (racing the other processes for them), and refunds its own credit note
    against the note (posted twice too); it also pays the shared invoices with ids every process uses
    (recorded once each), and runs the reconciliation while the others write."""
    import os
    from decimal import Decimal

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "crm.settings.test")
    django.setup()
    from django.conf import settings

    settings.DATABASES["default"]["NAME"] = database_name
    from django.contrib.auth import get_user_model
    from django.db import connections

    from clients.models import Client
    from crm.exceptions import ApplicationError, ConflictError
    from purchases import services
    from purchases.models import CreditNote, Invoice, Product
    from tests.purchases.factories import record_sale

    User = get_user_model()
    product = Product.objects.get(pk=product_id)
    seller, accountant = User.objects.get(pk=seller_id), User.objects.get(pk=accountant_id)
    clients = list(Client.objects.filter(pk__in=client_ids).order_by("pk"))
    for n in range(EACH_MONEY):
        for client in clients:
            sale = record_sale(client, product, 3, by=seller)
            services.purchase_return(
                original=sale, by=seller, lines=[services.ReturnLineInput(line=sale.lines.get(), quantity=Decimal(1))]
            )
            invoice = services.invoice_request(client=client, purchases=[sale], by=seller)
            invoice = services.invoice_issue(invoice=invoice, by=accountant)
            for _ in range(2):  # the retry answers the first payment
                services.invoice_payment_record(
                    invoice=invoice,
                    amount=invoice.gross_total,
                    paid_on=None,
                    by=accountant,
                    external_id=f"P-{invoice.pk}",
                )
            entry, _ = services.purchase_return(
                original=sale, by=seller, lines=[services.ReturnLineInput(line=sale.lines.get(), quantity=Decimal(1))]
            )
            for note in CreditNote.objects.filter(status="requested", invoice__client__in=clients).order_by("?"):
                with contextlib.suppress(ConflictError):  # another process issued it first
                    services.credit_note_issue(credit_note=note, by=accountant)
            note = CreditNote.objects.get(entry=entry)  # issued by now, by this process or another
            for _ in range(2):
                services.invoice_refund_record(
                    credit_note=note,
                    amount=note.gross_total,
                    refunded_on=None,
                    by=accountant,
                    external_id=f"R-{note.pk}",
                )
        for pk in shared_invoice_ids:
            invoice = Invoice.objects.get(pk=pk)
            # the same id from every process (recorded once), then one of this process's own
            for key in (f"S-{pk}-{n}", f"U-{pk}-{worker}-{n}"):
                with contextlib.suppress(ApplicationError):  # over the balance once the others paid: refused
                    services.invoice_payment_record(
                        invoice=invoice, amount=Decimal("40"), paid_on=None, by=accountant, external_id=key
                    )
        if n == 1 and worker == 0:
            services.reconciliation_run(trigger="manual", by=accountant)
    connections.close_all()


RECORDED, REFUSED_MERGED = 0, 3


def record_one(database_name, client_id, product_id, seller_id):
    """One sale for a client, in a spawned interpreter: exits 0 when recorded, 3 when refused because the
    client was merged away (any other error fails the process)."""
    import os
    import sys

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "crm.settings.test")
    django.setup()
    from django.conf import settings

    settings.DATABASES["default"]["NAME"] = database_name
    from django.contrib.auth import get_user_model
    from django.db import connections

    from clients.models import Client
    from crm.exceptions import ApplicationError
    from purchases.models import Product
    from tests.purchases.factories import record_sale

    client = Client.objects.get(pk=client_id)  # read before the merge commits: merged_into is still empty here
    product, seller = Product.objects.get(pk=product_id), get_user_model().objects.get(pk=seller_id)
    print("ready", flush=True)
    try:
        record_sale(client, product, 1, by=seller)
    except ApplicationError as exc:
        print(exc.message, file=sys.stderr, flush=True)
        connections.close_all()
        sys.exit(REFUSED_MERGED if exc.code == "merged" else 1)
    connections.close_all()
    sys.exit(RECORDED)
