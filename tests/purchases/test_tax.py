from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from crm.exceptions import ApplicationError
from purchases import services
from purchases.models import TaxRate
from purchases.services.tax import DOCUMENT, LINE, TaxInput, tax_compute
from tests.factories import ProductFactory

D = Decimal

# The worked example, checked by hand (prices net of tax):
#   20% lines: 0.13, 0.13, 0.13, 9.99   -> exact tax 0.026, 0.026, 0.026, 1.998
#   7% lines:  2.50, 4.50               -> exact tax 0.175, 0.315
# Per line ("line"): 0.03 + 0.03 + 0.03 + 2.00 = 2.09 at 20%; 0.18 + 0.32 = 0.50 at 7%
#   net 0.39 + 9.99 + 2.50 + 4.50 = 17.38; tax 2.09 + 0.50 = 2.59; gross 19.97
# Per document ("document"): 0.026 * 3 + 1.998 = 2.076 -> 2.08 at 20%; 0.175 + 0.315 = 0.490 -> 0.49 at 7%
#   net 17.38; tax 2.08 + 0.49 = 2.57; gross 19.95
#   lines show their own rounding and the last line of each rate takes the difference:
#   20%: 0.03, 0.03, 0.03, 2.08 - 0.09 = 1.99; 7%: 0.18, 0.49 - 0.18 = 0.31
EXAMPLE = [
    TaxInput(amount=D("0.13"), rate=D("20")),
    TaxInput(amount=D("2.50"), rate=D("7")),
    TaxInput(amount=D("0.13"), rate=D("20")),
    TaxInput(amount=D("0.13"), rate=D("20")),
    TaxInput(amount=D("4.50"), rate=D("7")),
    TaxInput(amount=D("9.99"), rate=D("20")),
]


def test_worked_example_rounded_per_line():
    result = tax_compute(EXAMPLE, prices_include_tax=False, rounding=LINE)
    assert [line.tax for line in result.lines] == [D("0.03"), D("0.18"), D("0.03"), D("0.03"), D("0.32"), D("2.00")]
    assert [(s.rate, s.net, s.tax, s.gross) for s in result.rates] == [
        (D("7"), D("7.00"), D("0.50"), D("7.50")),
        (D("20"), D("10.38"), D("2.09"), D("12.47")),
    ]
    assert (result.net, result.tax, result.gross) == (D("17.38"), D("2.59"), D("19.97"))


def test_worked_example_rounded_per_document_differs_and_lines_still_add_up():
    result = tax_compute(EXAMPLE, prices_include_tax=False, rounding=DOCUMENT)
    assert [line.tax for line in result.lines] == [D("0.03"), D("0.18"), D("0.03"), D("0.03"), D("0.31"), D("1.99")]
    assert [(s.rate, s.net, s.tax, s.gross) for s in result.rates] == [
        (D("7"), D("7.00"), D("0.49"), D("7.49")),
        (D("20"), D("10.38"), D("2.08"), D("12.46")),
    ]
    assert (result.net, result.tax, result.gross) == (D("17.38"), D("2.57"), D("19.95"))
    assert sum(line.tax for line in result.lines) == result.tax
    assert sum(line.gross for line in result.lines) == result.gross


def test_gross_price_entry_takes_the_tax_out_of_the_price():
    # 119.00 at 19%: tax = 119 * 19 / 119 = 19.00, net 100.00
    # 10.00 at 19%: tax = 10 * 19 / 119 = 1.5966... -> 1.60, net 8.40
    result = tax_compute(
        [TaxInput(amount=D("119.00"), rate=D("19")), TaxInput(amount=D("10.00"), rate=D("19"))],
        prices_include_tax=True,
    )
    assert [(line.net, line.tax, line.gross) for line in result.lines] == [
        (D("100.00"), D("19.00"), D("119.00")),
        (D("8.40"), D("1.60"), D("10.00")),
    ]
    assert (result.net, result.tax, result.gross) == (D("108.40"), D("20.60"), D("129.00"))


def test_net_price_entry_adds_the_tax_to_the_price():
    # the same 10.00 entered net: tax 10.00 * 19% = 1.90, gross 11.90
    result = tax_compute([TaxInput(amount=D("10.00"), rate=D("19"))], prices_include_tax=False)
    assert (result.net, result.tax, result.gross) == (D("10.00"), D("1.90"), D("11.90"))


def test_half_cent_rounds_up_and_zero_rate_has_no_tax():
    result = tax_compute(
        [TaxInput(amount=D("0.25"), rate=D("10")), TaxInput(amount=D("5.00"), rate=D("0"))], prices_include_tax=False
    )
    assert [line.tax for line in result.lines] == [D("0.03"), D("0.00")]  # 0.025 -> 0.03
    assert result.rates[0].rate == 0 and result.rates[0].tax == 0


def test_unknown_rounding_setting_is_refused():
    with pytest.raises(ValueError, match="TAX_ROUNDING"):
        tax_compute([], prices_include_tax=False, rounding="banker")


@pytest.mark.django_db
def test_product_rate_beats_category_rate_and_the_rate_in_force_on_the_day_applies(administrator, settings):
    settings.TAX_DEFAULT_RATE = "5"
    product = ProductFactory()
    other = ProductFactory(category=product.category)
    lonely = ProductFactory()
    jan, jun = date(2026, 1, 1), date(2026, 6, 1)
    services.tax_rate_create(category=product.category, rate=D("20"), effective_from=jan, by=administrator)
    services.tax_rate_create(category=product.category, rate=D("21"), effective_from=jun, by=administrator)
    services.tax_rate_create(product=product, rate=D("10"), effective_from=jun, by=administrator)
    may = services.tax_rates_on([product, other, lonely], date(2026, 5, 31))
    assert may == {product.pk: D("20"), other.pk: D("20"), lonely.pk: D("5")}
    july = services.tax_rates_on([product, other, lonely], date(2026, 7, 1))
    assert july == {product.pk: D("10"), other.pk: D("21"), lonely.pk: D("5")}


@pytest.mark.django_db
def test_only_administrators_add_rates_and_input_is_checked(administrator, accountant):
    product = ProductFactory()
    today = timezone.localdate()
    with pytest.raises(ApplicationError) as exc:
        services.tax_rate_create(product=product, rate=D("20"), effective_from=today, by=accountant)
    assert exc.value.code == "forbidden"
    with pytest.raises(ApplicationError, match="one of them"):
        services.tax_rate_create(
            product=product, category=product.category, rate=D("20"), effective_from=today, by=administrator
        )
    with pytest.raises(ApplicationError, match="between 0 and 100"):
        services.tax_rate_create(product=product, rate=D("120"), effective_from=today, by=administrator)
    services.tax_rate_create(product=product, rate=D("20"), effective_from=today, by=administrator)
    with pytest.raises(ApplicationError, match="already has a rate"):
        services.tax_rate_create(product=product, rate=D("19"), effective_from=today, by=administrator)
    services.tax_rate_create(product=product, rate=D("19"), effective_from=today + timedelta(days=1), by=administrator)
    assert TaxRate.objects.count() == 2
