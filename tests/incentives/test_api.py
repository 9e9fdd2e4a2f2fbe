from decimal import Decimal

import pytest

from crm import services as crm_services
from crm.roles import Role
from incentives import services
from incentives.models import Award, AwardType, SalesPlan
from tests.incentives.conftest import at
from tests.incentives.factories import AwardRuleFactory, AwardTypeFactory, record
from tests.querycount import assert_same_queries_at_two_sizes

pytestmark = pytest.mark.django_db

LEADERBOARD = "/api/v1/incentives/leaderboard/"
PLANS = "/api/v1/incentives/plans/"
TYPES = "/api/v1/incentives/award-types/"
AWARDS = "/api/v1/incentives/awards/"


def results(response) -> int:
    return len(response.json()["results"])


def test_leaderboard_answers_figures_per_person(sm_api, shop, sales_manager, this_month, today_noon):
    record(client=shop["client"], by=sales_manager, at=today_noon, lines=[(shop["loco"], "100")])
    services.sales_plan_set(
        period=this_month, user=sales_manager, target_points=Decimal("600"), target_revenue=Decimal("1000")
    )
    response = sm_api.get(LEADERBOARD, {"period": str(this_month)})
    assert response.status_code == 200
    body = response.json()
    assert body["period"] == str(this_month) and body["closed"] is False
    row = body["results"][0]
    assert row["user"] == sales_manager.pk
    assert row["weighted_score"] == "300.00"
    assert row["revenue"] == "100.00"
    assert row["plan_target"] == "600.00"
    assert row["fulfilment_percent"] == "50.00"
    assert row["contribution_percent"] == "100.00"


def test_leaderboard_queries_stay_constant_whatever_the_number_of_staff(
    admin_api, shop, sales_manager, this_month, today_noon
):
    def staff(n):
        for _ in range(n):
            user = crm_services.user_create(username=f"s{SalesPlan.objects.count()}", role=Role.SALES_MANAGER)
            record(client=shop["client"], by=user, at=today_noon, lines=[(shop["plain"], "10")])
            services.sales_plan_set(
                period=this_month, user=user, target_points=Decimal("100"), target_revenue=Decimal("100")
            )

    assert_same_queries_at_two_sizes(
        fetch=lambda: admin_api.get(LEADERBOARD),
        add_rows=staff,
        rows=lambda r: results(r) - 1,  # besides the shop's own sales manager
        queries=6,
    )


def test_leaderboard_bad_period_is_400(sm_api):
    response = sm_api.get(LEADERBOARD, {"period": "2026-13"})
    assert response.status_code == 400
    assert "period" in response.json()


def test_leaderboard_is_denied_to_accountants_and_anonymous(acc_api, api_client):
    assert acc_api.get(LEADERBOARD).status_code == 403
    assert api_client.get(LEADERBOARD).status_code == 401


def test_admin_creates_a_plan(admin_api, sales_manager, this_month):
    payload = {"period": str(this_month), "user": sales_manager.pk, "target_points": "500", "target_revenue": "900"}
    response = admin_api.post(PLANS, payload, format="json")
    assert response.status_code == 201, response.json()
    assert SalesPlan.objects.get().target_points == Decimal("500.00")


@pytest.mark.parametrize(
    "change, field",
    [
        ({"target_points": "-5"}, "target_points"),
        ({"target_revenue": "-1"}, "target_revenue"),
        ({"period": "closed"}, "period"),
        ({"period": "2026-99"}, "period"),
    ],
)
def test_plan_bad_input_is_400_and_nothing_saved(admin_api, this_month, change, field):
    payload = {"period": str(this_month), "target_points": "500", "target_revenue": "900", **change}
    if payload["period"] == "closed":
        payload["period"] = str(this_month.previous())
    response = admin_api.post(PLANS, payload, format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert not SalesPlan.objects.exists()


def test_plans_are_read_only_for_sales_managers_and_hidden_from_accountants(sm_api, acc_api, this_month):
    payload = {"period": str(this_month), "target_points": "1", "target_revenue": "1"}
    assert sm_api.get(PLANS).status_code == 200
    assert sm_api.post(PLANS, payload, format="json").status_code == 403
    assert acc_api.get(PLANS).status_code == 403
    assert not SalesPlan.objects.exists()


def test_plan_list_costs_the_same_queries_for_2_and_20_plans(admin_api, this_month):
    def plans(n):
        for _ in range(n):
            user = crm_services.user_create(username=f"p{SalesPlan.objects.count()}", role=Role.SALES_MANAGER)
            services.sales_plan_set(
                period=this_month, user=user, target_points=Decimal("1"), target_revenue=Decimal("1")
            )

    assert_same_queries_at_two_sizes(fetch=lambda: admin_api.get(PLANS), add_rows=plans, rows=results, queries=2)


def test_award_kind_not_allowed_is_400(admin_api):
    response = admin_api.post(TYPES, {"name": "Gold ring", "kind": "jewellery"}, format="json")
    assert response.status_code == 400
    assert "kind" in response.json()
    assert not AwardType.objects.exists()
    ok = admin_api.post(TYPES, {"name": "Concert tickets", "kind": "event_tickets"}, format="json")
    assert ok.status_code == 201


def test_award_types_are_configured_by_administrators_only(sm_api):
    assert sm_api.get(TYPES).status_code == 200
    assert sm_api.post(TYPES, {"name": "X", "kind": "cash_bonus"}, format="json").status_code == 403


def _awards(user, n=3):
    kind = AwardTypeFactory()
    return [Award.objects.create(period=f"2026-0{i + 1}", award_type=kind, user=user, cash_amount=10) for i in range(n)]


def test_admin_approves_an_award(admin_api, sales_manager):
    award = _awards(sales_manager, 1)[0]
    response = admin_api.post(f"{AWARDS}{award.pk}/approve/")
    assert response.status_code == 200
    assert response.json()["status"] == "approved"
    again = admin_api.post(f"{AWARDS}{award.pk}/reject/")
    assert again.status_code == 400 and "status" in again.json()


def test_only_administrators_approve(sm_api, acc_api, sales_manager):
    award = _awards(sales_manager, 1)[0]
    assert sm_api.post(f"{AWARDS}{award.pk}/approve/").status_code == 403
    assert acc_api.post(f"{AWARDS}{award.pk}/approve/").status_code == 403
    award.refresh_from_db()
    assert award.status == Award.Status.PROPOSED


def test_accountants_read_only_approved_awards(acc_api, admin_api, sales_manager, administrator):
    first, *_ = _awards(sales_manager)
    services.award_decide(award=first, approve=True, by=administrator)
    assert [a["id"] for a in acc_api.get(AWARDS).json()["results"]] == [first.pk]
    assert len(admin_api.get(AWARDS).json()["results"]) == 3


def test_award_list_costs_the_same_queries_for_2_and_20_awards(admin_api, sales_manager, other_sales_manager):
    kind = AwardTypeFactory()

    def awards(n):
        for _ in range(n):
            i = Award.objects.count()
            Award.objects.create(
                period=f"{2000 + i}-01",
                award_type=kind,
                user=(sales_manager, other_sales_manager)[i % 2],
                cash_amount=10,
            )

    assert_same_queries_at_two_sizes(fetch=lambda: admin_api.get(AWARDS), add_rows=awards, rows=results, queries=2)


def test_award_type_and_rule_lists_cost_the_same_queries_for_2_and_20(admin_api):
    assert_same_queries_at_two_sizes(
        fetch=lambda: admin_api.get(TYPES),
        add_rows=lambda n: [AwardTypeFactory(name=f"Award {AwardType.objects.count()}") for _ in range(n)],
        rows=lambda r: len(r.json()["results"]),
        queries=2,
    )
    assert_same_queries_at_two_sizes(
        fetch=lambda: admin_api.get(RULES),
        add_rows=lambda n: [
            AwardRuleFactory(award_type=AwardTypeFactory(name=f"Award {AwardType.objects.count()}")) for _ in range(n)
        ],
        rows=lambda r: len(r.json()["results"]),
        queries=2,
    )


RULES = "/api/v1/incentives/award-rules/"


def test_admin_creates_an_award_rule(admin_api):
    kind = AwardTypeFactory()
    payload = {"name": "Best of month", "period_kind": "month", "award_type": kind.pk, "bonus_base": "100"}
    response = admin_api.post(RULES, payload, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["bonus_base"] == "100.00"


@pytest.mark.parametrize("change, field", [({"bonus_percent": "-3"}, "bonus_percent"), ({"winners": 0}, "winners")])
def test_award_rule_bad_input_is_400(admin_api, change, field):
    from incentives.models import AwardRule

    payload = {"name": "R", "period_kind": "month", "award_type": AwardTypeFactory().pk, **change}
    response = admin_api.post(RULES, payload, format="json")
    assert response.status_code == 400 and field in response.json()
    assert not AwardRule.objects.exists()


def test_award_rules_denied_to_accountants_and_read_only_for_sales_managers(acc_api, sm_api):
    assert acc_api.get(RULES).status_code == 403
    assert sm_api.get(RULES).status_code == 200
    payload = {"name": "R", "period_kind": "month", "award_type": AwardTypeFactory().pk}
    assert sm_api.post(RULES, payload, format="json").status_code == 403


def test_leaderboard_of_a_closed_quarter_answers_the_frozen_snapshot(sm_api, shop, sales_manager, last_month):
    from incentives import periods

    quarter = periods.containing(last_month.first_day, periods.QUARTER)
    if not quarter.has_started():
        pytest.skip("the last month's quarter has not started")
    record(client=shop["client"], by=sales_manager, at=at(last_month.first_day), lines=[(shop["plain"], "80")])
    services.period_close(period=quarter)
    record(client=shop["client"], by=sales_manager, at=at(last_month.first_day), lines=[(shop["plain"], "20")])
    body = sm_api.get(LEADERBOARD, {"period": str(quarter)}).json()
    assert body["closed"] is True
    assert body["results"][0]["weighted_score"] == "80.00"


def test_figures_that_are_not_numbers_are_refused_by_the_serializers(admin_api, this_month):
    from incentives.models import AwardRule

    plan = {"period": str(this_month), "target_points": "lots", "target_revenue": "NaN"}
    response = admin_api.post(PLANS, plan, format="json")
    assert response.status_code == 400 and {"target_points", "target_revenue"} <= set(response.json())
    rule = {"name": "R", "period_kind": "month", "award_type": AwardTypeFactory().pk, "bonus_base": "x"}
    response = admin_api.post(RULES, rule, format="json")
    assert response.status_code == 400 and "bonus_base" in response.json()
    assert not SalesPlan.objects.exists() and not AwardRule.objects.exists()


def test_award_cash_amounts_are_shown_to_the_person_awarded_administrators_and_accountants_only(
    api_client_for, sales_manager, other_sales_manager, accountant, administrator
):
    mine, theirs = _awards(sales_manager, 1)[0], _awards(other_sales_manager, 1)[0]
    for award in (mine, theirs):
        services.award_decide(award=award, approve=True, by=administrator)

    def cash(user):
        return {a["id"]: a["cash_amount"] for a in api_client_for(user).get(AWARDS).json()["results"]}

    assert cash(sales_manager) == {mine.pk: "10.00", theirs.pk: None}
    assert cash(other_sales_manager) == {mine.pk: None, theirs.pk: "10.00"}
    assert cash(accountant) == cash(administrator) == {mine.pk: "10.00", theirs.pk: "10.00"}
