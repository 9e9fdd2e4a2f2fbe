"""The figures of invoices and credit notes, read from the ledger: what each sale line comes to net of its returns
and corrections, with the tax rate in force on the sale date, taxed by services.tax. Reads only; the invoicing
and credit-note services write what these compute. Also the gapless yearly number series both documents use."""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext

from crm.exceptions import ApplicationError
from crm.money import ZERO, money
from crm.standards import calendar
from crm.standards import selectors as standard_selectors

from ..models import Purchase, PurchaseLine
from .tax import RateSummary, TaxInput, tax_compute_configured
from .tax_rates import tax_rates_on

QTY = Decimal("0.001")


def number_next(*, counter_model, year: int, prefix: str = "") -> str:
    """The next number of a yearly series (`counter_model`: one row per year), e.g. 2026-000123: the year's row
    is locked FOR UPDATE, so a rollback gives the number back and two transactions never get the same one.
    Call inside the transaction that uses the number."""
    counter = counter_model.objects.select_for_update().filter(year=year).first()
    if counter is None:
        try:
            with transaction.atomic():
                counter_model.objects.create(year=year, last_number=0)
        except IntegrityError:
            pass  # another transaction created it first; lock theirs
        counter = counter_model.objects.select_for_update().get(year=year)
    counter.last_number += 1
    counter.save(update_fields=["last_number"])
    return f"{prefix}{year}-{counter.last_number:06d}"


def due_at(requested_at):
    """When a request (invoice or credit note) is due: the invoice standard in working hours."""
    hours = standard_selectors.service_targets().invoice_issue_hours
    return calendar.add_business_hours(requested_at, hours)


def basis_amount(line) -> Decimal:
    """A document line's amount in the price basis (net, or gross when prices include tax): a stored line, or a
    mapping with "net" and "gross"."""
    if isinstance(line, dict):
        return line["gross"] if settings.PRICES_INCLUDE_TAX else line["net"]
    return line.gross_amount if settings.PRICES_INCLUDE_TAX else line.net_amount


@dataclass(frozen=True)
class FigureLine:
    """A sale line as it stands in the ledger now (net of returns and corrections), taxed."""

    purchase_line: PurchaseLine
    quantity: Decimal
    list_amount: Decimal  # at unit prices, before discount
    discount: Decimal
    rate: Decimal
    net: Decimal
    tax: Decimal
    gross: Decimal


@dataclass(frozen=True)
class Figures:
    lines: list[FigureLine]
    rates: list[RateSummary]
    list_total: Decimal
    discount: Decimal
    net: Decimal
    tax: Decimal
    gross: Decimal
    fully_returned: list[Purchase]  # sales with nothing left to bill


def sales_figures(purchases: Iterable[Purchase]) -> Figures:
    """What the sales come to now: each sale line net of what was returned or corrected (the ledger lines whose
    original_line it is), a line with nothing left is left out, and a sale with nothing left at all is listed
    in `fully_returned`. Three queries plus two per distinct sale date (tax rates)."""
    purchases = list(purchases)
    sale_lines = list(
        PurchaseLine.objects.filter(purchase__in=purchases)
        .select_related("product", "purchase")
        .order_by("purchase_id", "id")
    )
    changes = defaultdict(lambda: {"q": Decimal(0), "g": ZERO, "d": ZERO})
    for row in (
        PurchaseLine.objects.filter(original_line__in=sale_lines)
        .values("original_line_id")
        .annotate(q=Sum("quantity"), g=Sum("gross_amount"), d=Sum("discount_amount"))
    ):
        changes[row["original_line_id"]] = {
            "q": Decimal(row["q"] or 0).quantize(QTY),
            "g": money(row["g"] or 0),
            "d": money(row["d"] or 0),
        }
    rates: dict[tuple, Decimal] = {}
    by_day = defaultdict(list)
    for line in sale_lines:
        by_day[timezone.localdate(line.purchase.purchased_at)].append(line)
    for day, lines in by_day.items():
        for product_id, rate in tax_rates_on([line.product for line in lines], day).items():
            rates[(day, product_id)] = rate
    kept, left_per_sale = [], defaultdict(bool)
    for line in sale_lines:
        change = changes[line.pk]
        quantity = line.quantity + change["q"]
        list_amount = line.gross_amount + change["g"]
        discount = line.discount_amount + change["d"]
        if quantity == 0 and list_amount - discount == 0:
            continue
        left_per_sale[line.purchase_id] |= quantity != 0
        rate = rates[(timezone.localdate(line.purchase.purchased_at), line.product_id)]
        kept.append((line, quantity, list_amount, discount, rate))
    taxed = tax_compute_configured([TaxInput(amount=la - d, rate=r) for _, _, la, d, r in kept])
    lines = [
        FigureLine(
            purchase_line=line,
            quantity=quantity,
            list_amount=list_amount,
            discount=discount,
            rate=rate,
            net=t.net,
            tax=t.tax,
            gross=t.gross,
        )
        for (line, quantity, list_amount, discount, rate), t in zip(kept, taxed.lines, strict=True)
    ]
    return Figures(
        lines=lines,
        rates=taxed.rates,
        list_total=sum((f.list_amount for f in lines), ZERO),
        discount=sum((f.discount for f in lines), ZERO),
        net=taxed.net,
        tax=taxed.tax,
        gross=taxed.gross,
        fully_returned=[p for p in purchases if not left_per_sale[p.pk]],
    )


def refuse_fully_returned(figures: Figures) -> None:
    if figures.fully_returned:
        names = ", ".join(f"#{p.pk} of {timezone.localtime(p.purchased_at):%Y-%m-%d}" for p in figures.fully_returned)
        raise ApplicationError(
            gettext("Sale %(names)s was fully returned: there is nothing left to invoice.") % {"names": names},
            field="purchases",
        )
