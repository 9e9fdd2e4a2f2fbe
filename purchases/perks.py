"""Perks: extras given beyond what the client expected, without a complaint (complaint goodwill gestures are
the complaints app's), with their cost counted, so the perk-return report (crm/reports/perks.py) can show
which pay and which to drop.

A perk is one of three scopes:
- one-off, for a client: given once (`starts_at` is when); its cost counts once;
- standing, for a client: in force from `starts_at` until `ends_at` (exclusive; none: still in force);
- standing, for a segment: the same, for every client in the segment (the segment's clients at the time the
  figures are read).

How the cost of a standing perk accrues (`accrual`), counted up to a moment `as_of`:
- per purchase: `cost` for every sale (a ledger entry of kind sale; returns and corrections are not
  purchases) by a recipient dated in [starts_at, min(ends_at, as_of)) - free delivery on every order;
- per period: `cost` for every 30 days in force or part of them: ceil(days in force / 30), where days in force
  is min(ends_at, as_of) - starts_at (nothing before it starts) - a monthly free sample box. For a segment
  perk it is the cost of the perk as a whole, not per client.

Money is Decimal rounded half-up to cents. The figures here are arithmetic on one row whose sale count the
selector (`perk_list`) reads in the same query."""

import math
from datetime import datetime, timedelta
from decimal import Decimal

from crm.money import ZERO, money

PERIOD_DAYS = 30

# The kinds the company starts with (migration 0008 adds them; the demo and tests make sure they exist).
DEFAULT_KINDS = [
    ("gift-wrapping", "Gift wrapping", Decimal("2.00")),
    ("small-gift", "Small gift", Decimal("10.00")),
    ("free-delivery", "Free delivery", Decimal("8.00")),
    ("free-sample", "Free sample", Decimal("5.00")),
    ("birthday-card", "Birthday card", Decimal("3.00")),
]


def in_force_until(perk, as_of: datetime) -> datetime:
    return min(perk.ends_at, as_of) if perk.ends_at else as_of


def periods_begun(perk, as_of: datetime) -> int:
    elapsed = in_force_until(perk, as_of) - perk.starts_at
    if elapsed <= timedelta(0):
        return 0
    return math.ceil(elapsed / timedelta(days=PERIOD_DAYS))


def accrued_cost(perk, as_of: datetime, sales: int | None = None) -> Decimal:
    """What the perk has cost up to `as_of`. `sales` is the recipients' sales while it was in force (the
    selector annotates it as `sales_in_force`)."""
    if perk.starts_at >= as_of:
        return ZERO
    if perk.accrual == perk.Accrual.ONCE:
        return money(perk.cost)
    if perk.accrual == perk.Accrual.PER_PURCHASE:
        count = getattr(perk, "sales_in_force", 0) if sales is None else sales
        return money(Decimal(perk.cost) * (count or 0))
    return money(Decimal(perk.cost) * periods_begun(perk, as_of))


def is_in_force(perk, at: datetime) -> bool:
    return perk.starts_at <= at and (perk.ends_at is None or at < perk.ends_at)


def with_accrued_cost(perks: list, as_of: datetime) -> list:
    """The perks (from `perk_list`) with `accrued` (their cost up to `as_of`) and `in_force` set, for pages."""
    for perk in perks:
        perk.accrued = accrued_cost(perk, as_of)
        perk.in_force = is_in_force(perk, as_of)
    return perks
