"""Demo catalogue, tiers, tax rates, a year of purchases through purchase_record (so totals and tiers are real), a
few returns, prices below the catalogue with their reasons, invoice requests in every state (sent ones really
delivered through the outbox with their PDF), credit notes for sales returned after their invoice was issued (one
on a paid invoice, refunded against the credit note), two buyers merged (the survivor's history read through its
lineage) and a clean reconciliation run."""

from datetime import date, timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.test.utils import override_settings
from django.utils import timezone

from crm.notifications import delivery

from . import perk_demo, services
from .models import DiscountTier, Invoice, PaymentMethod, Product, Purchase, ReconciliationRun

CATEGORIES = ["Paper", "Ink & toner", "Office supplies", "Printers", "Packaging", "Services"]
PRODUCTS = [
    # (name, category, price, locomotive, key)
    ("A4 copy paper 80g, box of 5 reams", "Paper", "24.90", True, False),
    ("A3 copy paper 80g, ream", "Paper", "9.80", False, False),
    ("Premium photo paper A4, 50 sheets", "Paper", "18.50", False, False),
    ("Recycled paper A4, box", "Paper", "22.00", False, False),
    ("Coloured card A4, 250 sheets", "Paper", "14.20", False, False),
    ("Plotter roll 914mm", "Paper", "39.00", False, False),
    ("Thermal receipt rolls, 20 pack", "Paper", "16.40", False, False),
    ("Black toner HP 59A", "Ink & toner", "89.00", True, False),
    ("Colour toner set Brother TN-247", "Ink & toner", "149.00", False, False),
    ("Ink cartridge Epson 603 XL", "Ink & toner", "32.50", False, False),
    ("Drum unit Kyocera DK-1150", "Ink & toner", "118.00", False, False),
    ("Maintenance kit Lexmark", "Ink & toner", "210.00", False, False),
    ("Ink bottle set EcoTank", "Ink & toner", "44.00", False, False),
    ("Ballpoint pens, 50 pack", "Office supplies", "12.90", True, False),
    ("Lever arch files, 10 pack", "Office supplies", "19.90", False, False),
    ("Sticky notes, 12 pads", "Office supplies", "8.40", False, False),
    ("Stapler heavy duty", "Office supplies", "27.00", False, False),
    ("Laminating pouches A4, 100", "Office supplies", "11.50", False, False),
    ("Whiteboard markers, 8", "Office supplies", "7.90", False, False),
    ("Desk organiser", "Office supplies", "15.00", False, False),
    ("Envelopes C4, 250", "Office supplies", "21.30", False, False),
    ("Label printer tape 12mm", "Office supplies", "13.60", False, False),
    ("Office laser printer M404", "Printers", "329.00", False, True),
    ("Colour multifunction MFC-L3770", "Printers", "549.00", False, True),
    ("Large format plotter T230", "Printers", "1890.00", False, True),
    ("Label printer QL-820", "Printers", "179.00", False, True),
    ("Receipt printer TM-T20", "Printers", "149.00", False, False),
    ("Shipping boxes medium, 25", "Packaging", "23.00", False, False),
    ("Bubble wrap roll 50m", "Packaging", "17.80", False, False),
    ("Packing tape, 6 rolls", "Packaging", "9.90", True, False),
    ("Mailing bags, 100", "Packaging", "12.40", False, False),
    ("Pallet stretch film", "Packaging", "28.50", False, False),
    ("Printer installation on site", "Services", "95.00", False, False),
    ("Annual maintenance contract", "Services", "480.00", False, True),
    ("Managed print service, month", "Services", "260.00", False, False),
    ("Toner recycling collection", "Services", "25.00", False, False),
    ("Business cards printing, 500", "Services", "39.00", False, False),
    ("Flyers A5 printing, 1000", "Services", "79.00", False, False),
    ("Rush delivery", "Services", "15.00", False, False),
    ("Gift voucher", "Services", "50.00", False, False),
]
TIERS = [
    (Decimal("0"), Decimal("0"), "Standard"),
    (Decimal("1000"), Decimal("2"), "Bronze"),
    (Decimal("5000"), Decimal("5"), "Silver"),
    (Decimal("20000"), Decimal("10"), "Gold"),
]
SALES = ["maria", "tom", "lena", "omar"]
# Category rates (percent) since always; a product's own rate beats its category's.
TAX_RATES = {"Paper": "20", "Ink & toner": "20", "Office supplies": "20", "Printers": "20", "Packaging": "20"}
TAX_RATES_SERVICES = "10"  # services are taxed at a reduced rate...
TAX_RATE_VOUCHER = "0"  # ...and a gift voucher (a product-specific rate) is not taxed until it is spent


def seed(*, rng, stdout) -> None:
    if Product.objects.filter(sku__startswith="DEMO-").exists():
        stdout.write("Purchases: already seeded.")
        perk_demo.seed(rng=rng, stdout=stdout)
        return
    User = get_user_model()
    admin = User.objects.filter(username="victor").first() or User.objects.filter(is_superuser=True).first()
    accountant = User.objects.filter(username="petra").first()
    sellers = list(User.objects.filter(username__in=SALES).order_by("username"))
    if not sellers:
        stdout.write("Purchases: no sales managers to record purchases; skipped.")
        return
    categories = {}
    for name in CATEGORIES:
        categories[name] = services.category_save(name=name)
    products = []
    for i, (name, category, price, locomotive, key) in enumerate(PRODUCTS, start=1):
        price = Decimal(price)
        products.append(
            services.product_create(
                by=admin,
                sku=f"DEMO-{i:03d}",
                name=name,
                category=categories[category],
                unit_price=price,
                unit_cost=(price * Decimal("0.62")).quantize(Decimal("0.01")),
                incentive_weight=Decimal("1.5") if locomotive else Decimal("1.2") if key else Decimal("1"),
                is_locomotive=locomotive,
                is_key=key,
                consultation_after_days=rng.choice([7, 14, 30]),
                discount_eligible=category != "Services",
            )
        )
    if not DiscountTier.objects.exists():
        for threshold, percent, name in TIERS:
            services.tier_save(threshold=threshold, percent=percent, name=name)
    since_always = date(2000, 1, 1)
    if admin:
        for name, rate in TAX_RATES.items():
            services.tax_rate_create(
                category=categories[name], rate=Decimal(rate), name="Standard", effective_from=since_always, by=admin
            )
        services.tax_rate_create(
            category=categories["Services"],
            rate=Decimal(TAX_RATES_SERVICES),
            name="Reduced",
            effective_from=since_always,
            by=admin,
        )
        voucher = next(p for p in products if p.name == "Gift voucher")
        services.tax_rate_create(
            product=voucher, rate=Decimal(TAX_RATE_VOUCHER), name="Exempt", effective_from=since_always, by=admin
        )

    from clients.models import Client  # read-only: which clients the clients demo created

    clients = list(
        Client.objects.filter(status__in=["active", "dormant"], merged_into__isnull=True)
        .select_related("manager")
        .order_by("id")[:60]
    )
    now = timezone.now()
    cheap = [p for p in products if p.unit_price < 200]
    planned = []
    for client in clients:
        big = rng.random() < 0.25
        for _ in range(rng.randint(1, 9 if big else 5)):
            planned.append((now - timedelta(days=rng.randint(1, 365), hours=rng.randint(0, 8)), client, big))
    planned.sort(key=lambda row: row[0])
    sales = []
    for at, client, big in planned:
        seller = client.manager if client.manager in sellers else rng.choice(sellers)
        lines = []
        for product in rng.sample(cheap if rng.random() < 0.85 else products, k=rng.randint(1, 4)):
            quantity = rng.randint(1, 40 if big else 8)
            if product.unit_price > 300:
                quantity = 1
            lines.append(services.LineInput(product=product, quantity=Decimal(quantity)))
        sale, _ = services.purchase_record(client=client, lines=lines, by=seller, purchased_at=at)
        sales.append(sale)
    returned = rng.sample(sales, k=min(6, len(sales)))
    for sale in returned:
        line = sale.lines.first()
        quantity = max(1, int(line.quantity // 2))
        services.purchase_return(
            original=sale,
            by=sale.recorded_by,
            lines=[services.ReturnLineInput(line=line, quantity=Decimal(quantity))],
            reason="Damaged",
        )
    overrides = _price_overrides(rng=rng, clients=clients, products=cheap, sellers=sellers, now=now)
    invoices = credit_notes = 0
    if accountant:
        recent = [s for s in sales if s.purchased_at > now - timedelta(days=60) and s not in returned][-12:]
        for i, sale in enumerate(recent):
            invoice = services.invoice_request(client=sale.client, purchases=[sale], by=sale.recorded_by)
            invoices += 1
            state = i % 6
            if state == 0:  # overdue request
                Invoice.objects.filter(pk=invoice.pk).update(
                    requested_at=now - timedelta(days=2), due_at=now - timedelta(days=1, hours=20)
                )
            elif state == 1:
                continue  # a fresh request
            else:
                invoice = services.invoice_issue(invoice=invoice, by=accountant)
                if state >= 3:
                    invoice = services.invoice_send(invoice=invoice, by=accountant)
                if state == 4:
                    services.invoice_payment_record(
                        invoice=invoice,
                        amount=invoice.balance,
                        paid_on=timezone.localdate(),
                        method=PaymentMethod.TRANSFER,
                        reference=f"BANK-{invoice.number}",
                        external_id=f"DEMO-PAY-{invoice.number}",
                        by=accountant,
                    )
                if state == 5:
                    services.invoice_void(invoice=invoice, by=accountant, reason="Wrong billing address")
        credit_notes = _returns_after_issue(accountant=accountant)
        # The invoice and credit note emails go out with their PDFs (quietly: no console flood), so the sent
        # documents are really sent.
        with override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"):
            while delivery.relay_pending(limit=200).claimed:
                pass
    merged = _merge_two_buyers(sales=sales, admin=admin)  # after the invoices: an issued one stays on the loser
    if accountant:
        services.reconciliation_run(trigger=ReconciliationRun.Trigger.NIGHTLY)  # the nightly check, once
    stdout.write(
        f"Purchases: {len(products)} products, {Purchase.objects.count()} ledger entries, {invoices} invoices, "
        f"{credit_notes} credit notes (one refunded), {overrides} price overrides"
        f"{f', {merged}' if merged else ''}, reconciliation run."
    )
    perk_demo.seed(rng=rng, stdout=stdout)


def _returns_after_issue(*, accountant) -> int:
    """Two issued invoices whose sale was partly returned afterwards: each return asks for a credit note; the
    accountant issues the first, the second waits in the queue."""
    issued = list(
        Invoice.objects.filter(status=Invoice.Status.ISSUED, amount_paid=0).prefetch_related("purchases").order_by("id")
    )
    notes = 0
    for i, invoice in enumerate(issued[:2]):
        sale = invoice.purchases.first()
        line = max(sale.lines.all(), key=lambda line: line.quantity)
        entry, _ = services.purchase_return(
            original=sale,
            by=sale.recorded_by,
            lines=[services.ReturnLineInput(line=line, quantity=Decimal("1"))],
            reason="Client sent one back after the invoice",
        )
        note = entry.credit_note
        if i == 0:
            services.credit_note_issue(credit_note=note, by=accountant)
            services.credit_note_send(credit_note=note, by=accountant)
        notes += 1
    # A paid invoice whose sale was partly returned: the credit note leaves money due back to the client, which
    # the accountant refunds against the credit note (the invoice turns partially refunded).
    paid = Invoice.objects.filter(status=Invoice.Status.PAID).prefetch_related("purchases").order_by("id").first()
    if paid is not None:
        sale = paid.purchases.first()
        line = max(sale.lines.all(), key=lambda line: line.quantity)
        entry, _ = services.purchase_return(
            original=sale,
            by=sale.recorded_by,
            lines=[services.ReturnLineInput(line=line, quantity=Decimal("1"))],
            reason="Client sent one back after paying",
        )
        note = services.credit_note_issue(credit_note=entry.credit_note, by=accountant)
        services.invoice_refund_record(
            credit_note=note,
            amount=note.gross_total,
            refunded_on=timezone.localdate(),
            method=PaymentMethod.TRANSFER,
            reference=f"Refund {note.number}",
            external_id=f"DEMO-REFUND-{note.number}",
            by=accountant,
        )
        notes += 1
    return notes


PRICE_REASONS = [
    "Display model, box opened",
    "Price match: the client showed a competitor's quote",
    "Damaged packaging, goods fine",
    "Agreed with the client's purchasing for the yearly order",
]


def _price_overrides(*, rng, clients, products, sellers, now) -> int:
    """A few sales with a line priced below the catalogue, each with its reason (audited as PriceOverride)."""
    count = 0
    for i, reason in enumerate(PRICE_REASONS):
        if not clients:
            break
        client = clients[(i * 7) % len(clients)]
        product = rng.choice(products)
        price = (product.unit_price * Decimal(rng.choice(["0.70", "0.80", "0.85", "0.90"]))).quantize(Decimal("0.01"))
        seller = client.manager if client.manager in sellers else rng.choice(sellers)
        services.purchase_record(
            client=client,
            lines=[
                services.LineInput(
                    product=product, quantity=Decimal(rng.randint(1, 5)), unit_price=price, reason=reason
                )
            ],
            by=seller,
            purchased_at=now - timedelta(days=rng.randint(1, 20)),
        )
        count += 1
    return count


def _merge_two_buyers(*, sales, admin) -> str:
    """Two clients who both bought turn out to be one: the merge leaves the loser's entries where they are and the
    survivor's card, account and reports read them through its lineage."""
    if admin is None:
        return ""
    from clients import services as client_services

    buyers = list(dict.fromkeys(sale.client for sale in sales))
    if len(buyers) < 4:
        return ""
    survivor, loser = buyers[1], buyers[-1]
    client_services.client_merge(survivor=survivor, loser=loser, by=admin)
    return f"client #{loser.pk} merged into #{survivor.pk}"
