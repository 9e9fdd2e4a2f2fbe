"""Reads of the catalogue, the ledger and invoices, with what the pages show loaded up front."""

from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal
from statistics import median

from django.db import connection
from django.db.models import F, Func, IntegerField, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce, Least, TruncMonth
from django.utils import timezone

from clients import selectors as client_selectors
from crm.money import ZERO, money
from crm.standards import calendar
from crm.standards import selectors as standard_selectors

from .models import (
    Category,
    ClientAccount,
    CreditNote,
    DiscountTier,
    Invoice,
    InvoiceLine,
    Perk,
    PerkKind,
    PriceOverride,
    Product,
    Purchase,
    PurchaseLine,
    ReconciliationRun,
    TaxRate,
    TierChange,
)
from .services.documents import sales_figures
from .services.pricing import next_tier, tier_for_total


def client_account_get(*, client) -> ClientAccount | None:
    """The client's running total and tier, or None before the first purchase."""
    return ClientAccount.objects.select_related("tier").filter(client=client).first()


def category_list():
    return Category.objects.all()


def category_choices() -> list[tuple[str, str]]:
    """Product categories as (code, name): what a first contact may say they are interested in."""
    return [(c.code, c.name) for c in category_list()]


def product_list(*, search: str = "", category=None, active_only: bool = False):
    qs = Product.objects.select_related("category")
    if search:
        qs = qs.filter(Q(name__icontains=search) | Q(sku__icontains=search) | Q(category__name__icontains=search))
    if category:
        qs = qs.filter(category=category)
    if active_only:
        qs = qs.filter(is_active=True)
    return qs.order_by("name", "id")


def products_by_reference(references: Iterable[str]) -> dict[str, Product]:
    """What people type for a product, a SKU or an id, mapped to the product; references that match nothing are
    left out. A SKU wins when it is also another product's id. One query for all of them."""
    references = {ref.strip() for ref in references if ref and ref.strip()}
    ids = {ref: int(ref) for ref in references if ref.isdecimal() and len(ref) < 19}  # fits a bigint
    found = list(Product.objects.filter(Q(sku__in=references) | Q(pk__in=ids.values())))
    by_sku, by_id = {p.sku: p for p in found}, {p.pk: p for p in found}
    matched = {}
    for ref in references:
        product = by_sku.get(ref) or by_id.get(ids.get(ref))
        if product is not None:
            matched[ref] = product
    return matched


def product_get(*, pk: int) -> Product:
    return Product.objects.select_related("category").get(pk=pk)


def tier_list():
    return DiscountTier.objects.order_by("threshold")


def purchase_list(*, client=None, kind=None, date_from=None, date_to=None, recorded_by=None):
    qs = Purchase.objects.select_related("client", "tier", "recorded_by", "original")
    if client is not None:  # the client's ledger is its lineage's (a merge leaves entries where they were)
        qs = qs.filter(client_selectors.client_lineage_q(client=client))
    if kind:
        qs = qs.filter(kind=kind)
    if date_from:
        qs = qs.filter(purchased_at__date__gte=date_from)
    if date_to:
        qs = qs.filter(purchased_at__date__lte=date_to)
    if recorded_by is not None:
        qs = qs.filter(recorded_by=recorded_by)
    return qs.order_by("-id")


def purchase_get(*, pk: int) -> Purchase:
    return (
        Purchase.objects.select_related("client", "tier", "recorded_by", "original")
        .prefetch_related(
            "lines__product", "returns", "overrides__by", "invoices", "price_overrides__by", "price_overrides__product"
        )
        .get(pk=pk)
    )


def purchase_returnable_lines(*, purchase: Purchase) -> list[dict]:
    """Each line of a sale with the quantity still returnable."""
    lines = list(purchase.lines.select_related("product"))
    returned = dict(
        PurchaseLine.objects.filter(original_line__in=lines, purchase__kind=Purchase.Kind.RETURN)
        .values("original_line_id")
        .annotate(q=Sum("quantity"))
        .values_list("original_line_id", "q")
    )
    out = []
    for line in lines:
        done = -Decimal(returned.get(line.pk) or 0).quantize(Decimal("0.001"))
        out.append({"line": line, "returned": done, "left": line.quantity - done})
    return out


def tier_progress(*, total: Decimal, tiers=None) -> dict:
    """Where the client stands: current tier, next tier, amount still needed and percent of the way."""
    tiers = list(tiers if tiers is not None else tier_list())
    current, upcoming = tier_for_total(total, tiers), next_tier(total, tiers)
    if upcoming is None:
        return {"current": current, "next": None, "missing": ZERO, "value": 100, "max": 100}
    floor = current.threshold if current else ZERO
    span = upcoming.threshold - floor
    done = total - floor
    return {
        "current": current,
        "next": upcoming,
        "missing": money(upcoming.threshold - total),
        "value": int(max(0, min(100, done * 100 / span))) if span > 0 else 0,
        "max": 100,
    }


def tier_change_list(*, client):
    return TierChange.objects.filter(client_selectors.client_lineage_q(client=client)).select_related(
        "from_tier", "to_tier", "purchase"
    )


# A client's ledger is its lineage's: entries of a client merged away count for the client it was merged into
# (clients_client.merged_into_id is kept flat, so COALESCE(merged_into_id, id) is the lineage's head).
LEDGER_DRIFT_SQL = """
WITH ledger AS (
    SELECT COALESCE(c.merged_into_id, p.client_id) AS head_id, p.net_total, p.purchased_at
    FROM purchases_purchase p JOIN clients_client c ON c.id = p.client_id
)
SELECT client_id, cumulative_total, ledger_total FROM (
    SELECT a.client_id, a.cumulative_total,
           COALESCE((SELECT SUM(l.net_total) FROM ledger l
                     WHERE l.head_id = a.client_id
                       AND (a.window_start IS NULL OR l.purchased_at >= a.window_start)), 0) AS ledger_total
    FROM purchases_clientaccount a
) t WHERE cumulative_total <> ledger_total
UNION ALL
SELECT l.head_id, NULL, SUM(l.net_total) FROM ledger l
WHERE NOT EXISTS (SELECT 1 FROM purchases_clientaccount a WHERE a.client_id = l.head_id)
GROUP BY l.head_id
ORDER BY 1
"""


def ledger_drift() -> list[dict]:
    """Every client whose stored total differs from SUM(net_total) of their ledger (inside the rolling window
    when the account has one), and clients with entries but no account: one SQL statement over the ledger."""
    with connection.cursor() as cursor:
        cursor.execute(LEDGER_DRIFT_SQL)
        rows = cursor.fetchall()
    drift = []
    for client_id, account_total, ledger_total in rows:
        ledger_total = money(str(ledger_total or 0))  # SQLite sums decimals as floats
        account_total = money(str(account_total)) if account_total is not None else None
        if account_total != ledger_total:
            drift.append({"client_id": client_id, "account_total": account_total, "ledger_total": ledger_total})
    return drift


def invoice_list(*, status=None, requested_by=None, client=None):
    qs = Invoice.objects.select_related("client", "requested_by", "claimed_by", "issued_by")
    if status:
        qs = qs.filter(status=status)
    if requested_by is not None:
        qs = qs.filter(requested_by=requested_by)
    if client is not None:  # issued invoices stay with the client they were addressed to: read the lineage
        qs = qs.filter(client_selectors.client_lineage_q(client=client))
    return qs.order_by("-id")


def invoice_queue():
    """Open requests for accountants, by due time (overdue first, as they are due earliest)."""
    return (
        Invoice.objects.filter(status=Invoice.Status.REQUESTED)
        .select_related("client", "requested_by", "claimed_by")
        .order_by("due_at", "id")
    )


def invoice_get(*, pk: int) -> Invoice:
    return (
        Invoice.objects.select_related("client", "requested_by", "claimed_by", "issued_by", "voided_by")
        .prefetch_related(
            "purchases",
            "payments__recorded_by",
            "refunds__recorded_by",
            "refunds__credit_note",
            "credit_notes",
            "lines__product",
        )
        .get(pk=pk)
    )


def invoice_lines(*, invoice: Invoice) -> list[InvoiceLine]:
    """An issued invoice's lines as fixed at issue; for a request (or a request cancelled before issue), what its
    sales come to in the ledger now, as unsaved InvoiceLine objects (the same fields, for one template)."""
    if invoice.number:
        return list(
            InvoiceLine.objects.filter(invoice=invoice).select_related("product", "purchase_line").order_by("id")
        )
    return [
        InvoiceLine(
            invoice=invoice,
            purchase_line=f.purchase_line,
            product=f.purchase_line.product,
            description=f.purchase_line.product.name,
            quantity=f.quantity,
            unit_price=f.purchase_line.unit_price,
            discount_amount=f.discount,
            net_amount=f.net,
            tax_rate=f.rate,
            tax_amount=f.tax,
            gross_amount=f.gross,
        )
        for f in sales_figures(invoice.purchases.all()).lines
    ]


def credit_note_list(*, status=None, invoice=None, client=None):
    qs = CreditNote.objects.select_related("invoice__client", "requested_by", "issued_by")
    if status:
        qs = qs.filter(status=status)
    if invoice is not None:
        qs = qs.filter(invoice=invoice)
    if client is not None:  # a credit note belongs to its invoice, which stays on the client it was addressed to
        qs = qs.filter(client_selectors.client_lineage_q(client=client, field="invoice__client"))
    return qs.order_by("-id")


def credit_note_queue():
    """Credit notes to issue, by due time."""
    return (
        CreditNote.objects.filter(status=CreditNote.Status.REQUESTED)
        .select_related("invoice__client", "requested_by")
        .order_by("due_at", "id")
    )


def credit_note_get(*, pk: int) -> CreditNote:
    return (
        CreditNote.objects.select_related("invoice__client", "requested_by", "issued_by", "entry")
        .prefetch_related("lines__product", "lines__invoice_line")
        .get(pk=pk)
    )


def tax_rate_list():
    return TaxRate.objects.select_related("product", "category", "set_by").order_by("-effective_from", "-id")


def invoice_send_problems():
    """Issued invoices whose email could not go out, with the reason, for the accountants' queue."""
    return (
        Invoice.objects.filter(send_state=Invoice.SendState.FAILED)
        .exclude(status=Invoice.Status.VOID)
        .select_related("client")
        .order_by("-updated_at", "-id")
    )


def credit_note_send_problems():
    """Issued credit notes whose email could not go out, with the reason, beside the invoices in the same list."""
    return (
        CreditNote.objects.filter(send_state=Invoice.SendState.FAILED)
        .select_related("invoice__client")
        .order_by("-updated_at", "-id")
    )


def reconciliation_run_list():
    return ReconciliationRun.objects.select_related("requested_by").order_by("-id")


def invoice_turnaround(*, since=None) -> list[dict]:
    """Per accountant: issued invoices, median working hours from request to issue, share within the standard."""
    standard = Decimal(standard_selectors.service_targets().invoice_issue_hours)
    cal = calendar.current_calendar()
    qs = Invoice.objects.filter(issued_at__isnull=False).select_related("issued_by")
    if since:
        qs = qs.filter(issued_at__gte=since)
    per: dict[int, dict] = {}
    for inv in qs.only(
        "requested_at", "issued_at", "issued_by__username", "issued_by__first_name", "issued_by__last_name"
    ):
        hours = calendar.business_time_between(inv.requested_at, inv.issued_at, cal).total_seconds() / 3600
        row = per.setdefault(inv.issued_by_id, {"accountant": inv.issued_by, "hours": []})
        row["hours"].append(hours)
    out = []
    for row in per.values():
        hours = row["hours"]
        within = sum(1 for h in hours if h <= float(standard))
        out.append(
            {
                "accountant": row["accountant"],
                "issued": len(hours),
                "median_hours": round(median(hours), 2),
                "within_standard": round(100 * within / len(hours), 1),
            }
        )
    return sorted(out, key=lambda r: str(r["accountant"]))


def price_override_list(*, by=None, product=None, date_from=None, date_to=None, client=None):
    """Sale lines priced below the catalogue price beyond the allowance, newest first, with who and why; `client`
    reads the client's lineage."""
    qs = PriceOverride.objects.select_related("purchase__client", "product", "by", "line")
    if by is not None:
        qs = qs.filter(by=by)
    if product is not None:
        qs = qs.filter(product=product)
    if date_from:
        qs = qs.filter(at__date__gte=date_from)
    if date_to:
        qs = qs.filter(at__date__lte=date_to)
    if client is not None:
        qs = qs.filter(client_selectors.client_lineage_q(client=client, field="purchase__client"))
    return qs.order_by("-id")


def sales_per_month(*, manager, months: int = 6, now=None) -> list[dict]:
    """Net sales (sales less returns and corrections) of the clients `manager` manages, per calendar month,
    the last `months` months with the current one last; a month without sales shows 0."""
    today = timezone.localdate(now or timezone.now())
    starts, year, month = [], today.year, today.month
    for _i in range(months):
        starts.append(date(year, month, 1))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    starts.reverse()
    first = timezone.make_aware(datetime(starts[0].year, starts[0].month, 1))
    rows = (
        Purchase.objects.filter(client__manager=manager, purchased_at__gte=first)
        .annotate(month=TruncMonth("purchased_at"))
        .values("month")
        .annotate(net=Sum("net_total"))
        .order_by()
    )
    totals = {(r["month"].date() if isinstance(r["month"], datetime) else r["month"]): r["net"] for r in rows}
    return [{"month": m, "net": money(totals.get(m) or ZERO)} for m in starts]


# --- perks ------------------------------------------------------------------------------------------------


def perk_kind_list(*, active_only: bool = False):
    qs = PerkKind.objects.all()
    return qs.filter(is_active=True) if active_only else qs


def perk_list(*, as_of=None, client=None, segment=None, kind=None, scope: str = ""):
    """Perks, newest first, with kind, recipient and giver loaded, and `sales_in_force`: the recipients' sales
    while the perk was in force up to `as_of` (for the per-purchase cost, purchases/perks.py), in the same
    query. A client's list holds its own perks (over its lineage) and the standing perks of its segment."""
    as_of = as_of or timezone.now()
    sales = (
        Purchase.objects.filter(
            kind=Purchase.Kind.SALE,
            purchased_at__gte=OuterRef("starts_at"),
            purchased_at__lt=Least(Coalesce(OuterRef("ends_at"), Value(as_of)), Value(as_of)),
        )
        .filter(
            Q(client_id=OuterRef("client_id"))
            | Q(client__merged_into_id=OuterRef("client_id"))
            | Q(client__segment_id=OuterRef("segment_id"))
        )
        .order_by()
        .annotate(n=Func(F("id"), function="COUNT"))
        .values("n")
    )
    qs = Perk.objects.select_related("kind", "client", "segment", "given_by").annotate(
        sales_in_force=Coalesce(Subquery(sales, output_field=IntegerField()), 0)
    )
    if client is not None:
        mine = client_selectors.client_lineage_q(client=client)
        qs = qs.filter(mine | Q(segment_id=client.segment_id) if client.segment_id else mine)
    if segment is not None:
        qs = qs.filter(segment=segment)
    if kind is not None:
        qs = qs.filter(kind=kind)
    if scope:
        qs = qs.filter(scope=scope)
    return qs.order_by("-id")


def perk_get(*, pk: int):
    return Perk.objects.select_related("kind", "client", "segment").get(pk=pk)
