"""Tax arithmetic for documents (invoices, credit notes): pure functions, no database, no settings read unless
asked (`tax_compute_configured`).

A line comes in as its amount in the price basis and its rate (percent):
- prices exclude tax (PRICES_INCLUDE_TAX=False): the amount is the net; tax = net * rate / 100; gross = net + tax;
- prices include tax (True): the amount is the gross; tax = gross * rate / (100 + rate); net = gross - tax.
Rounding (TAX_ROUNDING), always half-up to cents:
- "line": each line's tax is rounded, a rate's tax is the sum of its lines';
- "document": a rate's tax is its lines' unrounded tax summed and rounded once; the lines' rounded taxes are
  shown, and the last line of each rate takes the difference, so the lines always add up to the totals.
Totals: net, tax and gross are the sums of the per-rate summaries (which are the sums of their lines)."""

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings

from crm.money import ZERO, money

LINE, DOCUMENT = "line", "document"
ROUNDING_CHOICES = (LINE, DOCUMENT)
HUNDRED = Decimal(100)


@dataclass(frozen=True)
class TaxInput:
    amount: Decimal  # in the price basis: net when prices exclude tax, gross when they include it
    rate: Decimal  # percent


@dataclass(frozen=True)
class TaxedLine:
    rate: Decimal
    net: Decimal
    tax: Decimal
    gross: Decimal


@dataclass(frozen=True)
class RateSummary:
    rate: Decimal
    net: Decimal
    tax: Decimal
    gross: Decimal


@dataclass(frozen=True)
class TaxResult:
    lines: list[TaxedLine]
    rates: list[RateSummary]  # by rate, ascending
    net: Decimal
    tax: Decimal
    gross: Decimal


def _unrounded_tax(amount: Decimal, rate: Decimal, prices_include_tax: bool) -> Decimal:
    if prices_include_tax:
        return amount * rate / (HUNDRED + rate)
    return amount * rate / HUNDRED


def tax_compute(lines: Sequence[TaxInput], *, prices_include_tax: bool, rounding: str = LINE) -> TaxResult:
    """Per-line tax, per-rate summary and document totals of `lines` (see the module docstring)."""
    if rounding not in ROUNDING_CHOICES:
        raise ValueError(f"TAX_ROUNDING must be one of {ROUNDING_CHOICES}, not {rounding!r}")
    amounts = [money(line.amount) for line in lines]
    rates = [Decimal(line.rate) for line in lines]
    exact = [_unrounded_tax(a, r, prices_include_tax) for a, r in zip(amounts, rates, strict=True)]
    taxes = [money(t) for t in exact]
    if rounding == DOCUMENT:
        for rate in set(rates):
            members = [i for i, r in enumerate(rates) if r == rate]
            rate_tax = money(sum((exact[i] for i in members), Decimal(0)))
            last = members[-1]
            taxes[last] = rate_tax - sum((taxes[i] for i in members[:-1]), ZERO)
    taxed = []
    for amount, rate, tax in zip(amounts, rates, taxes, strict=True):
        if prices_include_tax:
            taxed.append(TaxedLine(rate=rate, net=amount - tax, tax=tax, gross=amount))
        else:
            taxed.append(TaxedLine(rate=rate, net=amount, tax=tax, gross=amount + tax))
    summaries = []
    for rate in sorted(set(rates)):
        members = [line for line in taxed if line.rate == rate]
        summaries.append(
            RateSummary(
                rate=rate,
                net=sum((line.net for line in members), ZERO),
                tax=sum((line.tax for line in members), ZERO),
                gross=sum((line.gross for line in members), ZERO),
            )
        )
    return TaxResult(
        lines=taxed,
        rates=summaries,
        net=sum((s.net for s in summaries), ZERO),
        tax=sum((s.tax for s in summaries), ZERO),
        gross=sum((s.gross for s in summaries), ZERO),
    )


def tax_compute_configured(lines: Sequence[TaxInput]) -> TaxResult:
    """tax_compute with the company settings PRICES_INCLUDE_TAX and TAX_ROUNDING."""
    return tax_compute(
        lines, prices_include_tax=settings.PRICES_INCLUDE_TAX, rounding=getattr(settings, "TAX_ROUNDING", LINE)
    )


def tax_summary(lines) -> list[RateSummary]:
    """The per-rate summary of stored document lines (InvoiceLine, CreditNoteLine), as printed on the PDF."""
    by_rate: dict[Decimal, list] = {}
    for line in lines:
        by_rate.setdefault(line.tax_rate, []).append(line)
    return [
        RateSummary(
            rate=rate,
            net=sum((line.net_amount for line in members), ZERO),
            tax=sum((line.tax_amount for line in members), ZERO),
            gross=sum((line.gross_amount for line in members), ZERO),
        )
        for rate, members in sorted(by_rate.items())
    ]
