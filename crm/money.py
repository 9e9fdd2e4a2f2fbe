"""Money is Decimal, rounded half-up to cents, everywhere."""

from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
ZERO = Decimal("0.00")


def money(value) -> Decimal:
    """Round any number (Decimal, int or numeric string) half-up to cents. Floats are refused."""
    if isinstance(value, float):
        raise TypeError("money() takes Decimal, int or str, never float")
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def percent_of(amount: Decimal, percent: Decimal) -> Decimal:
    return money(Decimal(amount) * Decimal(percent) / Decimal(100))
