"""Demo incentives: award catalogue and rules, plans for recent months, and last month closed with its
award proposals (one approved, and the accountants' service award). Runs after purchases.demo (a year of
purchases); without purchases it seeds the catalogue, rules and plans only. Past plans are written to this
app's own table directly: the service refuses plans for periods that have ended, which is the rule for
people, not for a seeded history."""

from decimal import Decimal

from django.contrib.auth import get_user_model

from crm.money import money
from crm.roles import Role
from purchases.models import Purchase

from . import periods, selectors, services
from .models import Award, AwardRule, AwardType, PeriodClose, SalesPlan

AWARD_TYPES = [
    ("Best employee of the month", AwardType.Kind.RECOGNITION_TITLE, "Public recognition on the board."),
    ("Best employee of the quarter", AwardType.Kind.RECOGNITION_TITLE, "Public recognition on the board."),
    ("Cash bonus", AwardType.Kind.CASH_BONUS, "Paid with the next payroll."),
    ("Book shop gift certificate", AwardType.Kind.GIFT_CERTIFICATE, ""),
    ("Theatre tickets for two", AwardType.Kind.EVENT_TICKETS, ""),
    ("Laptop upgrade", AwardType.Kind.COMPUTER_EQUIPMENT, ""),
    ("Coffee machine", AwardType.Kind.HOUSEHOLD_EQUIPMENT, ""),
]


def seed(*, rng, stdout) -> None:
    if AwardType.objects.exists():
        stdout.write("Incentives: already seeded.")
        return
    User = get_user_model()
    admin = User.objects.filter(groups__name=Role.ADMINISTRATOR, is_active=True).order_by("pk").first()
    staff = list(User.objects.filter(groups__name=Role.SALES_MANAGER, is_active=True).order_by("username"))
    services.incentive_settings_update(credit_to="recorder", by=admin)
    types = {
        name: services.award_type_create(name=name, kind=kind, description=text, by=admin)
        for name, kind, text in AWARD_TYPES
    }
    services.award_rule_create(
        name="Employee of the month",
        period_kind=periods.MONTH,
        award_type=types["Best employee of the month"],
        min_fulfilment_percent=Decimal("100"),
        bonus_base=Decimal("150"),
        bonus_percent=Decimal("5"),
        bonus_cap=Decimal("1000"),
        by=admin,
    )
    services.award_rule_create(
        name="Top three sales bonus",
        period_kind=periods.MONTH,
        award_type=types["Cash bonus"],
        winners=3,
        min_fulfilment_percent=Decimal("90"),
        bonus_base=Decimal("50"),
        bonus_percent=Decimal("2"),
        bonus_cap=Decimal("400"),
        by=admin,
    )
    # Staff who never meet clients win by their service to colleagues (internal requests), at the same close.
    services.award_rule_create(
        name="Colleagues' choice (accounting)",
        period_kind=periods.MONTH,
        award_type=types["Book shop gift certificate"],
        min_fulfilment_percent=Decimal("50"),
        bonus_base=Decimal("75"),
        scope=AwardRule.Scope.SERVICE,
        role=Role.ACCOUNTANT,
        by=admin,
    )
    services.award_rule_create(
        name="Quarter champion",
        period_kind=periods.QUARTER,
        award_type=types["Best employee of the quarter"],
        min_fulfilment_percent=Decimal("100"),
        bonus_base=Decimal("500"),
        bonus_percent=Decimal("3"),
        bonus_cap=Decimal("2500"),
        by=admin,
    )
    has_purchases = Purchase.objects.exists()
    current = periods.current(periods.MONTH)
    plans = 0
    for period in reversed(periods.recent(periods.MONTH, 4)):
        totals = selectors.score_totals(period) if has_purchases and period != current else {}
        company_points = Decimal("0")
        for person in staff:
            earned = totals.get(person.pk, {}).get("weighted_score", Decimal("0"))
            # Targets near what was earned, so some people make their plan and some do not.
            base = earned if earned > 0 else Decimal(rng.choice([8000, 10000, 12000]))
            points = money(base * Decimal(str(rng.choice([0.8, 0.9, 0.95, 1.05, 1.2]))))
            revenue = money(points * Decimal("0.6"))
            company_points += points
            if period == current:
                services.sales_plan_set(
                    period=period, user=person, target_points=points, target_revenue=revenue, by=admin
                )
            else:
                SalesPlan.objects.create(
                    period=str(period), user=person, target_points=points, target_revenue=revenue, set_by=admin
                )
            plans += 1
        company = {"target_points": company_points, "target_revenue": money(company_points * Decimal("0.6"))}
        if period == current:
            services.sales_plan_set(period=period, by=admin, **company)
        else:
            SalesPlan.objects.create(period=str(period), set_by=admin, **company)
    stdout.write(f"Incentives: {len(types)} award types, 4 rules, {plans} personal plans.")
    if not has_purchases:
        stdout.write("Incentives: no purchases yet; no period closed.")
        return
    last = current.previous()
    if not PeriodClose.objects.filter(period=str(last)).exists():
        services.period_close(period=last, by=admin)
    proposals = list(Award.objects.filter(period=str(last), status=Award.Status.PROPOSED).order_by("pk"))
    if proposals and admin:
        services.award_decide(award=proposals[0], approve=True, by=admin)
        service = [a for a in proposals if a.rule.scope == AwardRule.Scope.SERVICE]
        if service and service[0] != proposals[0]:
            services.award_decide(award=service[0], approve=True, by=admin)
    stdout.write(f"Incentives: {last} closed, {len(proposals)} proposal(s), one approved.")
