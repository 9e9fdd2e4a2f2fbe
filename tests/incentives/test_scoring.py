from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from incentives import selectors, services
from incentives.models import CreditSplit, IncentiveSettings
from purchases import services as purchase_services
from tests.incentives.conftest import at
from tests.incentives.factories import record, return_of

pytestmark = pytest.mark.django_db


def score(period, user, **kw):
    return selectors.score_totals(period, **kw).get(user.pk, {}).get("weighted_score", Decimal("0"))


def test_score_is_net_amount_times_weight_on_the_purchase_date(shop, sales_manager, this_month, today_noon):
    record(client=shop["client"], by=sales_manager, at=today_noon, lines=[(shop["loco"], "100"), (shop["plain"], "50")])
    totals = selectors.score_totals(this_month)[sales_manager.pk]
    assert totals["weighted_score"] == Decimal("350.00")
    assert totals["locomotive_score"] == Decimal("300.00")
    assert totals["revenue"] == Decimal("150.00")


def test_weight_change_from_tomorrow_does_not_move_todays_score(
    shop, sales_manager, administrator, this_month, today_noon
):
    record(client=shop["client"], by=sales_manager, at=today_noon, lines=[(shop["loco"], "100")])
    tomorrow = timezone.localdate() + timedelta(days=1)
    purchase_services.product_weight_set(
        product=shop["loco"], weight=Decimal("5"), effective_from=tomorrow, by=administrator
    )
    record(client=shop["client"], by=sales_manager, at=today_noon, lines=[(shop["loco"], "100")])
    assert score(this_month, sales_manager) == Decimal("600.00")  # both sales today at weight 3


def test_weight_change_effective_today_counts_for_sales_from_then_on(
    shop, sales_manager, administrator, this_month, today_noon
):
    record(client=shop["client"], by=sales_manager, at=today_noon, lines=[(shop["loco"], "100")])
    purchase_services.product_weight_set(
        product=shop["loco"], weight=Decimal("5"), effective_from=timezone.localdate(), by=administrator
    )
    record(client=shop["client"], by=sales_manager, at=today_noon, lines=[(shop["loco"], "100")])
    # The first line keeps the weight snapshotted when it was recorded: scores already earned never move.
    assert score(this_month, sales_manager) == Decimal("800.00")


def test_return_deducts_in_the_period_it_happens_not_the_sale_period(shop, sales_manager, this_month, last_month):
    sale = record(client=shop["client"], by=sales_manager, at=at(last_month.first_day), lines=[(shop["plain"], "200")])
    return_of(sale, at=at(this_month.first_day, hour=0), lines=[(shop["plain"], "50")])
    assert score(last_month, sales_manager) == Decimal("200.00")
    assert score(this_month, sales_manager) == Decimal("-50.00")


def test_return_is_credited_to_whoever_recorded_the_original_sale(
    shop, sales_manager, other_sales_manager, this_month, today_noon
):
    sale = record(client=shop["client"], by=sales_manager, at=today_noon, lines=[(shop["plain"], "100")])
    return_of(sale, by=other_sales_manager, at=today_noon, lines=[(shop["plain"], "40")])
    assert score(this_month, sales_manager) == Decimal("60.00")
    assert score(this_month, other_sales_manager) == Decimal("0")


def test_credit_to_recorder_setting(shop, sales_manager, other_sales_manager, this_month, today_noon):
    record(client=shop["client"], by=other_sales_manager, at=today_noon, lines=[(shop["plain"], "100")])
    services.incentive_settings_update(credit_to=IncentiveSettings.CreditTo.RECORDER)
    assert score(this_month, other_sales_manager) == Decimal("100.00")
    assert score(this_month, sales_manager) == Decimal("0")


def test_credit_to_manager_setting_credits_the_clients_permanent_manager(
    shop, sales_manager, other_sales_manager, this_month, today_noon
):
    record(client=shop["client"], by=other_sales_manager, at=today_noon, lines=[(shop["plain"], "100")])
    services.incentive_settings_update(credit_to=IncentiveSettings.CreditTo.MANAGER)
    assert score(this_month, sales_manager) == Decimal("100.00")
    assert score(this_month, other_sales_manager) == Decimal("0")


def test_credit_to_manager_falls_back_to_recorder_without_a_manager(shop, other_sales_manager, this_month, today_noon):
    shop["client"].manager = None
    shop["client"].save()
    record(client=shop["client"], by=other_sales_manager, at=today_noon, lines=[(shop["plain"], "100")])
    services.incentive_settings_update(credit_to=IncentiveSettings.CreditTo.MANAGER)
    assert score(this_month, other_sales_manager) == Decimal("100.00")


def test_credit_to_manager_charges_an_unmanaged_clients_return_to_who_recorded_the_sale(
    shop, sales_manager, other_sales_manager, this_month, today_noon
):
    shop["client"].manager = None
    shop["client"].save()
    sale = record(client=shop["client"], by=other_sales_manager, at=today_noon, lines=[(shop["plain"], "100")])
    return_of(sale, by=sales_manager, at=today_noon, lines=[(shop["plain"], "30")])
    services.incentive_settings_update(credit_to=IncentiveSettings.CreditTo.MANAGER)
    assert score(this_month, other_sales_manager) == Decimal("70.00")
    assert score(this_month, sales_manager) == Decimal("0")


def test_split_credit_divides_the_sale_and_its_return(shop, sales_manager, other_sales_manager, this_month, today_noon):
    sale = record(client=shop["client"], by=sales_manager, at=today_noon, lines=[(shop["loco"], "100")])
    services.credit_split_set(
        purchase=sale, shares=[(sales_manager, Decimal("70")), (other_sales_manager, Decimal("30"))]
    )
    return_of(sale, at=today_noon, lines=[(shop["loco"], "10")])
    assert score(this_month, sales_manager) == Decimal("189.00")  # 0.7 * (300 - 30)
    assert score(this_month, other_sales_manager) == Decimal("81.00")  # 0.3 * (300 - 30)


def test_split_credit_wins_over_the_manager_setting(shop, sales_manager, other_sales_manager, this_month, today_noon):
    sale = record(client=shop["client"], by=sales_manager, at=today_noon, lines=[(shop["plain"], "100")])
    services.credit_split_set(purchase=sale, shares=[(other_sales_manager, Decimal("100"))])
    services.incentive_settings_update(credit_to=IncentiveSettings.CreditTo.MANAGER)
    assert score(this_month, other_sales_manager) == Decimal("100.00")
    assert score(this_month, sales_manager) == Decimal("0")


@pytest.mark.parametrize(
    "shares, field",
    [
        ([("a", "60"), ("b", "30")], "shares"),
        ([("a", "50"), ("a", "50")], "shares"),
        ([("a", "-10"), ("b", "110")], "shares"),
    ],
)
def test_credit_split_refuses_bad_shares(shop, sales_manager, other_sales_manager, today_noon, shares, field):
    from crm.exceptions import ApplicationError
    from incentives.models import CreditSplit

    users = {"a": sales_manager, "b": other_sales_manager}
    sale = record(client=shop["client"], by=sales_manager, at=today_noon, lines=[(shop["plain"], "100")])
    with pytest.raises(ApplicationError) as exc:
        services.credit_split_set(purchase=sale, shares=[(users[u], Decimal(p)) for u, p in shares])
    assert exc.value.field == field
    assert not CreditSplit.objects.exists()


def test_credit_split_refuses_a_return(shop, sales_manager, today_noon):
    from crm.exceptions import ApplicationError

    sale = record(client=shop["client"], by=sales_manager, at=today_noon, lines=[(shop["plain"], "100")])
    ret = return_of(sale, at=today_noon, lines=[(shop["plain"], "10")])
    with pytest.raises(ApplicationError, match="Split the credit of the original sale"):
        services.credit_split_set(purchase=ret, shares=[(sales_manager, Decimal("100"))])
    assert not CreditSplit.objects.exists()


def test_quarter_score_sums_its_months(shop, sales_manager, this_month, today_noon):
    from incentives import periods

    record(client=shop["client"], by=sales_manager, at=today_noon, lines=[(shop["plain"], "100")])
    quarter = periods.containing(this_month.first_day, periods.QUARTER)
    assert score(quarter, sales_manager) == score(this_month, sales_manager) == Decimal("100.00")


def test_leaderboard_percentages(shop, sales_manager, other_sales_manager, this_month, today_noon):
    record(client=shop["client"], by=sales_manager, at=today_noon, lines=[(shop["plain"], "300")])
    record(client=shop["client"], by=other_sales_manager, at=today_noon, lines=[(shop["plain"], "100")])
    services.sales_plan_set(
        period=this_month, user=sales_manager, target_points=Decimal("400"), target_revenue=Decimal("1000")
    )
    board = selectors.leaderboard(this_month)
    first, second = board.rows
    assert first.user == sales_manager and first.rank == 1
    assert first.fulfilment_percent == Decimal("75.00")
    assert first.contribution_percent == Decimal("75.00")
    assert first.revenue_fulfilment_percent == Decimal("30.00")
    assert second.contribution_percent == Decimal("25.00")
    assert second.fulfilment_percent is None


def test_locomotive_multiplier_comes_from_the_weights(shop):
    assert selectors.locomotive_multiplier() == Decimal("3")


def test_a_discount_correction_deducts_from_the_original_seller(
    shop, sales_manager, administrator, this_month, today_noon
):
    sale = record(client=shop["client"], by=sales_manager, at=today_noon, lines=[(shop["loco"], "100")])
    purchase_services.purchase_discount_override(
        purchase=sale, percent=Decimal("10"), reason="Loyal client", by=administrator
    )
    assert score(this_month, sales_manager) == Decimal("270.00")  # (100 - 10) x 3
    assert score(this_month, administrator) == Decimal("0")
