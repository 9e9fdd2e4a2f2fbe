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


def money_display(amount, currency: str | None = None) -> str:
    """An amount for people, in the active language's number format (hu: "1 240,00 EUR", en: "1,240.00 EUR").
    Messages to a client are written inside their language (clients.messaging.in_client_language)."""
    from django.conf import settings
    from django.utils.formats import number_format

    text = number_format(money(amount), 2, use_l10n=True, force_grouping=True)
    return f"{text} {currency or settings.CURRENCY}"
