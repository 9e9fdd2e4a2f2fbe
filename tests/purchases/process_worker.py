"""The body of one process in the multi-process concurrency test. Kept apart from the test module so a spawned
interpreter can import it before Django is set up."""

import contextlib

EACH = 5


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
