from decimal import Decimal

import pytest
from django.utils import timezone

from crm.exceptions import ApplicationError, ConflictError
from crm.notifications.models import Notification
from incentives import periods, selectors, services, tasks
from incentives.models import Award, AwardType, PeriodClose, SalesPlan, ScoreSnapshot
from tests.incentives.conftest import at
from tests.incentives.factories import AwardRuleFactory, AwardTypeFactory, record, return_of

pytestmark = pytest.mark.django_db


def _plan(period, user, points):
    # Plans for a past period cannot be set through the service (it is closed); test data straight in.
    SalesPlan.objects.create(period=str(period), user=user, target_points=points, target_revenue=Decimal("0"))


def test_closing_freezes_the_snapshot_and_a_later_backdated_return_counts_in_the_next_period(
    shop, sales_manager, this_month, last_month
):
    sale = record(client=shop["client"], by=sales_manager, at=at(last_month.first_day), lines=[(shop["plain"], "200")])
    services.period_close(period=last_month)
    snapshot = ScoreSnapshot.objects.get(close__period=str(last_month), user=sales_manager)
    assert snapshot.weighted_score == Decimal("200.00")

    # Recorded after the close, dated inside the closed month: the frozen month does not move ...
    return_of(sale, at=at(last_month.first_day, hour=15), lines=[(shop["plain"], "50")])
    board = selectors.leaderboard(last_month)
    assert board.closed is not None
    assert board.standing_of(sales_manager).weighted_score == Decimal("200.00")
    # ... it deducts in the period it was recorded in.
    assert selectors.leaderboard(this_month).standing_of(sales_manager).weighted_score == Decimal("-50.00")


def test_a_return_after_the_period_deducts_in_its_own_period(shop, sales_manager, this_month, last_month, today_noon):
    sale = record(client=shop["client"], by=sales_manager, at=at(last_month.first_day), lines=[(shop["plain"], "200")])
    services.period_close(period=last_month)
    return_of(sale, at=today_noon, lines=[(shop["plain"], "20")])
    assert selectors.leaderboard(last_month).standing_of(sales_manager).weighted_score == Decimal("200.00")
    assert selectors.leaderboard(this_month).standing_of(sales_manager).weighted_score == Decimal("-20.00")


def test_closing_twice_is_a_conflict(shop, last_month):
    services.period_close(period=last_month)
    with pytest.raises(ConflictError, match="is already closed"):
        services.period_close(period=last_month)
    assert PeriodClose.objects.filter(period=str(last_month)).count() == 1


def test_a_future_period_cannot_be_closed(this_month):
    with pytest.raises(ApplicationError, match="A period can be closed once it has started."):
        services.period_close(period=this_month.next())
    assert not PeriodClose.objects.exists()


def test_employee_of_the_month_goes_to_the_highest_score_at_or_above_plan(
    shop, sales_manager, other_sales_manager, administrator, last_month
):
    day = at(last_month.first_day)
    record(client=shop["client"], by=sales_manager, at=day, lines=[(shop["loco"], "100")])  # 300 points
    record(client=shop["client"], by=other_sales_manager, at=day, lines=[(shop["plain"], "500")])  # 500 points
    _plan(last_month, sales_manager, Decimal("250"))  # 120% of plan
    _plan(last_month, other_sales_manager, Decimal("1000"))  # 50%: higher score but under plan
    rule = AwardRuleFactory(bonus_base=Decimal("100"), bonus_percent=Decimal("10"))

    services.period_close(period=last_month)

    award = Award.objects.get()
    assert award.user == sales_manager
    assert award.rule == rule and award.status == Award.Status.PROPOSED
    assert award.cash_amount == Decimal("105.00")  # 100 + 10% of (300 - 250)
    assert award.fulfilment_percent == Decimal("120.00")
    assert Notification.objects.filter(user=administrator, event="award_proposals").exists()


def test_no_award_when_nobody_meets_the_plan(shop, sales_manager, last_month):
    record(client=shop["client"], by=sales_manager, at=at(last_month.first_day), lines=[(shop["plain"], "100")])
    _plan(last_month, sales_manager, Decimal("1000"))
    AwardRuleFactory()
    services.period_close(period=last_month)
    assert not Award.objects.exists()


def test_quarter_rules_do_not_fire_on_a_month_close(shop, sales_manager, last_month):
    record(client=shop["client"], by=sales_manager, at=at(last_month.first_day), lines=[(shop["plain"], "100")])
    _plan(last_month, sales_manager, Decimal("50"))
    AwardRuleFactory(period_kind="quarter")
    services.period_close(period=last_month)
    assert not Award.objects.exists()


def test_bonus_formula_is_capped_and_never_below_base():
    rule = AwardRuleFactory.build(bonus_base=Decimal("50"), bonus_percent=Decimal("20"), bonus_cap=Decimal("60"))
    assert services.award_bonus(rule, score=Decimal("100"), target=Decimal("200")) == Decimal("50.00")
    assert services.award_bonus(rule, score=Decimal("1000"), target=Decimal("200")) == Decimal("60.00")
    assert services.award_bonus(rule, score=Decimal("1000"), target=None) == Decimal("50.00")


def test_approving_an_award_notifies_the_winner_and_cannot_be_repeated(sales_manager, administrator):
    award = Award.objects.create(period="2026-01", award_type=AwardTypeFactory(), user=sales_manager, cash_amount=5)
    services.award_decide(award=award, approve=True, by=administrator)
    award.refresh_from_db()
    assert award.status == Award.Status.APPROVED and award.decided_by == administrator
    assert Notification.objects.filter(user=sales_manager, event="award_approved").exists()
    with pytest.raises(ApplicationError):
        services.award_decide(award=award, approve=False, by=administrator)


@pytest.mark.parametrize("kind", ["clothing", "jewellery", "personal_item", "Jewelry", "car"])
def test_award_catalogue_refuses_kinds_not_allowed(kind):
    with pytest.raises(ApplicationError) as exc:
        services.award_type_create(name="Watch", kind=kind)
    assert exc.value.field == "kind"
    assert not AwardType.objects.exists()


def test_award_catalogue_accepts_material_and_recognition_kinds():
    cash = services.award_type_create(name="Cash bonus", kind="cash_bonus")
    title = services.award_type_create(name="Best employee of the month", kind="recognition_title")
    assert cash.is_material and not title.is_material


def test_plan_for_a_closed_period_is_refused(last_month, this_month):
    with pytest.raises(ApplicationError) as exc:
        services.sales_plan_set(period=last_month, target_points=Decimal("10"), target_revenue=Decimal("10"))
    assert exc.value.field == "period"
    services.period_close(period=this_month)  # closed early by an administrator
    with pytest.raises(ApplicationError):
        services.sales_plan_set(period=this_month, target_points=Decimal("10"), target_revenue=Decimal("10"))
    assert not SalesPlan.objects.exists()


@pytest.mark.parametrize("field", ["target_points", "target_revenue"])
def test_negative_plan_targets_are_refused(this_month, field):
    values = {"target_points": Decimal("10"), "target_revenue": Decimal("10"), field: Decimal("-1")}
    with pytest.raises(ApplicationError) as exc:
        services.sales_plan_set(period=this_month, **values)
    assert exc.value.field == field


def test_plan_set_twice_updates_the_same_plan(this_month, sales_manager):
    services.sales_plan_set(
        period=this_month, user=sales_manager, target_points=Decimal("10"), target_revenue=Decimal("10")
    )
    services.sales_plan_set(
        period=this_month, user=sales_manager, target_points=Decimal("20"), target_revenue=Decimal("30")
    )
    services.sales_plan_set(period=this_month, target_points=Decimal("100"), target_revenue=Decimal("300"))
    assert SalesPlan.objects.count() == 2
    assert SalesPlan.objects.get(user=sales_manager).target_points == Decimal("20.00")


def test_beat_job_closes_the_previous_month_and_quarter_once(shop, sales_manager):
    closed = tasks.close_ended_periods()
    assert closed == [str(periods.current().previous()), str(periods.current(periods.QUARTER).previous())]
    assert tasks.close_ended_periods() == []
    assert PeriodClose.objects.count() == 2
    assert "Close ended incentive periods" in tasks.PERIODIC_TASKS


def test_period_parsing():
    assert str(periods.parse("2026-11")) == "2026-11"
    quarter = periods.parse("2026-Q4")
    assert quarter.first_day.month == 10 and quarter.end_day.year == 2027
    for bad in ["2026-13", "2026-Q5", "nonsense", ""]:
        with pytest.raises(ApplicationError):
            periods.parse(bad)
    assert periods.parse("2026-11").days_left(timezone.datetime(2026, 11, 25).date()) == 6


def test_daily_chart_of_a_closed_period_leaves_out_entries_recorded_after_the_close(shop, sales_manager, last_month):
    day = at(last_month.first_day)
    sale = record(client=shop["client"], by=sales_manager, at=day, lines=[(shop["plain"], "200")])
    close = services.period_close(period=last_month)
    return_of(sale, at=day, lines=[(shop["plain"], "50")])
    frozen = selectors.daily_scores(last_month, as_of=close.closed_at)[sales_manager.pk]
    assert sum(frozen.values()) == Decimal("200.00")
    assert sum(selectors.daily_scores(last_month)[sales_manager.pk].values()) == Decimal("150.00")


@pytest.mark.parametrize(
    "field, value",
    [("bonus_base", Decimal("-1")), ("bonus_percent", Decimal("-5")), ("bonus_cap", Decimal("-10")), ("winners", 0)],
)
def test_award_rule_refuses_negative_figures(field, value):
    kind = AwardTypeFactory()
    with pytest.raises(ApplicationError) as exc:
        services.award_rule_create(name="Rule", period_kind="month", award_type=kind, **{field: value})
    assert exc.value.field == field
