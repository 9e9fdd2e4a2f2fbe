import csv
import io
from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from crm import services as crm_services
from crm.roles import Role
from incentives import services
from incentives.models import Award, AwardRule, AwardType, IncentiveSettings, PeriodClose, SalesPlan
from purchases.models import ProductWeight
from tests.incentives.factories import AwardTypeFactory, record
from tests.querycount import assert_same_queries_at_two_sizes

pytestmark = pytest.mark.django_db

LEADERBOARD = reverse("incentives:leaderboard")
AWARDS = reverse("incentives:awards")
PAYROLL = reverse("incentives:payroll_csv")
SETUP = reverse("incentives:setup")


def test_sales_manager_sees_leaderboard_and_own_standing(sm_client, shop, sales_manager, this_month, today_noon):
    record(client=shop["client"], by=sales_manager, at=today_noon, lines=[(shop["loco"], "100")])
    services.sales_plan_set(
        period=this_month, user=sales_manager, target_points=Decimal("600"), target_revenue=Decimal("100")
    )
    response = sm_client.get(LEADERBOARD)
    assert response.status_code == 200
    body = response.content.decode()
    assert "50.00% of plan" in body
    assert "locomotive products count x3" in body
    assert 'id="leaderboard-chart" type="application/json"' in body
    assert "Close " not in body  # only administrators close periods


def test_leaderboard_htmx_request_gets_the_fragment(sm_client, this_month):
    response = sm_client.get(LEADERBOARD, {"period": str(this_month.previous())}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert b"<html" not in response.content and b"leaderboard-table" in response.content


def test_leaderboard_unknown_period_is_404(sm_client):
    assert sm_client.get(LEADERBOARD, {"period": "nope"}).status_code == 404


@pytest.mark.parametrize("htmx", [False, True])
def test_leaderboard_costs_the_same_queries_for_2_and_20_staff(admin_client_role, shop, today_noon, this_month, htmx):
    def staff(n):
        for _ in range(n):
            user = crm_services.user_create(username=f"v{SalesPlan.objects.count()}", role=Role.SALES_MANAGER)
            record(client=shop["client"], by=user, at=today_noon, lines=[(shop["plain"], "10")])
            services.sales_plan_set(
                period=this_month, user=user, target_points=Decimal("100"), target_revenue=Decimal("100")
            )

    response = assert_same_queries_at_two_sizes(
        fetch=lambda: admin_client_role.get(LEADERBOARD, **({"HTTP_HX_REQUEST": "true"} if htmx else {})),
        add_rows=staff,
        rows=lambda r: r.content.count(b'<tr id="standing-') - 1,  # besides the shop's own sales manager
        queries=10,
    )
    assert response.status_code == 200


def test_leaderboard_denied_to_accountant_and_no_role(acc_client, client, no_role_user):
    assert acc_client.get(LEADERBOARD).status_code == 403
    client.force_login(no_role_user)
    assert client.get(LEADERBOARD).status_code == 403


def test_administrator_closes_a_period_from_the_page(admin_client_role, last_month):
    response = admin_client_role.post(reverse("incentives:close"), {"period": str(last_month)})
    assert response.status_code == 302
    assert PeriodClose.objects.filter(period=str(last_month)).exists()


def test_sales_manager_may_not_close_a_period(sm_client, last_month):
    assert sm_client.post(reverse("incentives:close"), {"period": str(last_month)}).status_code == 403
    assert not PeriodClose.objects.exists()


def _award(user, status=Award.Status.PROPOSED, cash="150.00"):
    return Award.objects.create(
        period="2026-10", award_type=AwardTypeFactory(), user=user, cash_amount=Decimal(cash), status=status
    )


def test_recognition_board_shows_approved_awards_to_every_role(sm_client, sales_manager):
    _award(sales_manager, status=Award.Status.APPROVED)
    _award(sales_manager)  # proposals are for administrators only
    response = sm_client.get(AWARDS)
    assert response.status_code == 200
    assert response.content.decode().count("award-card") == 1
    assert b"proposals" not in response.content and b"payroll-csv" not in response.content


def test_awards_page_costs_the_same_queries_for_2_and_20_approved_and_proposed(
    admin_client_role, sales_manager, other_sales_manager
):
    def awards(n):
        for i in range(n):
            for status in (Award.Status.APPROVED, Award.Status.PROPOSED):
                _award((sales_manager, other_sales_manager)[i % 2], status=status)

    response = assert_same_queries_at_two_sizes(
        fetch=lambda: admin_client_role.get(AWARDS),
        add_rows=awards,
        rows=lambda r: r.content.count(b'<tr id="proposal-'),
        queries=4,
    )
    assert response.content.count(b'class="award-card') == 20


def test_awards_page_denied_without_role(client, no_role_user):
    client.force_login(no_role_user)
    assert client.get(AWARDS).status_code == 403


def test_administrator_approves_from_the_page(admin_client_role, sales_manager):
    award = _award(sales_manager)
    admin_client_role.post(reverse("incentives:award_decide", args=[award.pk, "approve"]))
    award.refresh_from_db()
    assert award.status == Award.Status.APPROVED


def test_accountant_cannot_approve(acc_client, sales_manager):
    award = _award(sales_manager)
    assert acc_client.post(reverse("incentives:award_decide", args=[award.pk, "approve"])).status_code == 403
    award.refresh_from_db()
    assert award.status == Award.Status.PROPOSED


def test_payroll_csv_lists_approved_cash_bonuses(acc_client, sales_manager):
    _award(sales_manager, status=Award.Status.APPROVED, cash="150.00")
    _award(sales_manager, status=Award.Status.PROPOSED, cash="999.00")
    _award(sales_manager, status=Award.Status.APPROVED, cash="0")
    response = acc_client.get(PAYROLL)
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0][0] == "period" and len(rows) == 2
    assert rows[1][1] == "sm" and rows[1][5] == "150.00"


def test_payroll_csv_denied_to_sales_managers(sm_client):
    assert sm_client.get(PAYROLL).status_code == 403


def test_setup_is_for_administrators_only(sm_client, acc_client):
    assert sm_client.get(SETUP).status_code == 403
    assert acc_client.get(SETUP).status_code == 403
    assert sm_client.post(reverse("incentives:setup_form", args=["settings"]), {}).status_code == 403


def test_setup_page_renders(admin_client_role, shop):
    assert admin_client_role.get(SETUP).status_code == 200


def test_setup_saves_the_credit_setting(admin_client_role):
    url = reverse("incentives:setup_form", args=["settings"])
    response = admin_client_role.post(url, {"settings-credit_to": "manager"})
    assert response.status_code == 302
    assert IncentiveSettings.objects.get().credit_to == "manager"


def test_setup_sets_a_weight_through_the_purchases_service(admin_client_role, shop):
    url = reverse("incentives:setup_form", args=["weight"])
    today = timezone.localdate()
    data = {"weight-product": shop["plain"].pk, "weight-weight": "2", "weight-effective_from": today.isoformat()}
    assert admin_client_role.post(url, data).status_code == 302
    assert ProductWeight.objects.filter(product=shop["plain"], effective_from=today, weight=2).exists()


def test_setup_refuses_a_backdated_weight_with_a_form_error(admin_client_role, shop):
    url = reverse("incentives:setup_form", args=["weight"])
    yesterday = timezone.localdate() - timedelta(days=1)
    data = {"weight-product": shop["plain"].pk, "weight-weight": "2", "weight-effective_from": yesterday.isoformat()}
    response = admin_client_role.post(url, data)
    assert response.status_code == 400
    assert b"field-error" in response.content
    assert not ProductWeight.objects.filter(effective_from=yesterday).exists()


def test_setup_refuses_a_negative_weight(admin_client_role, shop):
    url = reverse("incentives:setup_form", args=["weight"])
    data = {"weight-product": shop["plain"].pk, "weight-weight": "-1", "weight-effective_from": timezone.localdate()}
    assert admin_client_role.post(url, data).status_code == 400
    assert not ProductWeight.objects.exists()


def test_setup_refuses_a_plan_for_a_closed_period(admin_client_role, last_month):
    url = reverse("incentives:setup_form", args=["plan"])
    data = {"plan-period": str(last_month), "plan-target_points": "10", "plan-target_revenue": "10"}
    response = admin_client_role.post(url, data)
    assert response.status_code == 400 and b"closed" in response.content
    assert not SalesPlan.objects.exists()


def test_setup_refuses_a_negative_plan_target(admin_client_role, this_month):
    url = reverse("incentives:setup_form", args=["plan"])
    data = {"plan-period": str(this_month), "plan-target_points": "-10", "plan-target_revenue": "10"}
    assert admin_client_role.post(url, data).status_code == 400
    assert not SalesPlan.objects.exists()


def test_setup_adds_award_type_and_rule(admin_client_role):
    admin_client_role.post(
        reverse("incentives:setup_form", args=["award_type"]),
        {"award_type-name": "Employee of the month", "award_type-kind": "recognition_title"},
    )
    kind = AwardType.objects.get()
    response = admin_client_role.post(
        reverse("incentives:setup_form", args=["rule"]),
        {
            "rule-name": "Best of month",
            "rule-period_kind": "month",
            "rule-award_type": kind.pk,
            "rule-winners": "1",
            "rule-min_fulfilment_percent": "100",
            "rule-bonus_base": "100",
            "rule-bonus_percent": "5",
        },
    )
    assert response.status_code == 302
    assert AwardRule.objects.get().bonus_percent == Decimal("5")


def test_dashboard_shows_the_sales_manager_their_own_panel(sm_client, shop, sales_manager, today_noon):
    record(client=shop["client"], by=sales_manager, at=today_noon, lines=[(shop["plain"], "10")])
    body = sm_client.get("/").content
    assert b"panel-incentives-mine" in body and b"incentives-top5" not in body


def test_dashboard_shows_the_administrator_the_top_five(admin_client_role, shop, sales_manager, today_noon):
    record(client=shop["client"], by=sales_manager, at=today_noon, lines=[(shop["plain"], "10")])
    body = admin_client_role.get("/").content
    assert b"incentives-top5" in body and b"panel-incentives-mine" not in body


def test_setup_splits_a_sale_between_two_staff(admin_client_role, shop, sales_manager, other_sales_manager, today_noon):
    from incentives.models import CreditSplit

    sale = record(client=shop["client"], by=sales_manager, at=today_noon, lines=[(shop["plain"], "100")])
    url = reverse("incentives:setup_form", args=["split"])
    data = {
        "split-purchase": sale.pk,
        "split-first_user": sales_manager.pk,
        "split-first_share": "70",
        "split-second_user": other_sales_manager.pk,
        "split-second_share": "30",
    }
    assert admin_client_role.post(url, data).status_code == 302
    assert CreditSplit.objects.filter(purchase=sale).count() == 2


def test_setup_refuses_shares_not_adding_up_to_100(
    admin_client_role, shop, sales_manager, other_sales_manager, today_noon
):
    from incentives.models import CreditSplit

    sale = record(client=shop["client"], by=sales_manager, at=today_noon, lines=[(shop["plain"], "100")])
    url = reverse("incentives:setup_form", args=["split"])
    data = {
        "split-purchase": sale.pk,
        "split-first_user": sales_manager.pk,
        "split-first_share": "70",
        "split-second_user": other_sales_manager.pk,
        "split-second_share": "20",
    }
    response = admin_client_role.post(url, data)
    assert response.status_code == 400 and b"100%" in response.content
    assert not CreditSplit.objects.exists()
    missing = admin_client_role.post(url, {**data, "split-purchase": 999999, "split-second_share": "30"})
    assert missing.status_code == 400 and b"No purchase" in missing.content


@pytest.mark.parametrize(
    "model", ["incentivesettings", "creditsplit", "salesplan", "awardtype", "awardrule", "award", "periodclose"]
)
def test_admin_lists_open_for_administrators(admin_client_role, model):
    assert admin_client_role.get(f"/admin/incentives/{model}/").status_code == 200


def test_payroll_csv_costs_the_same_queries_for_2_and_20_bonuses(acc_client, sales_manager, other_sales_manager):
    def add(n):
        for i in range(n):
            _award((sales_manager, other_sales_manager)[i % 2], status=Award.Status.APPROVED)

    assert_same_queries_at_two_sizes(
        fetch=lambda: b"".join(acc_client.get(PAYROLL).streaming_content).decode(),  # rows are read while streaming
        add_rows=add,
        rows=lambda body: len(body.splitlines()) - 1,
        queries=3,
    )
