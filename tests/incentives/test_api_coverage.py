"""API twins of the incentive pages' remaining actions: closing a period, the credit setting and credit
splits (award decisions have theirs in test_api.py)."""

from decimal import Decimal

import pytest

from crm.exceptions import ApplicationError
from incentives import services
from incentives.models import Award, CreditSplit, IncentiveSettings, PeriodClose, SalesPlan
from tests.incentives.factories import AwardRuleFactory, record
from tests.querycount import assert_same_queries_at_two_sizes

pytestmark = pytest.mark.django_db
CLOSES = "/api/v1/incentives/period-closes/"
SETTINGS = "/api/v1/incentives/settings/"


def _split_url(purchase):
    return f"/api/v1/incentives/credit-splits/{purchase.pk}/"


# --- closing a period ---------------------------------------------------------------------------------


def test_administrator_closes_a_period_and_awards_are_proposed(admin_api, shop, sales_manager, last_month):
    record(client=shop["client"], by=sales_manager, at=last_month.starts_at, lines=[(shop["loco"], "100")])
    SalesPlan.objects.create(
        period=str(last_month), user=sales_manager, target_points=Decimal("250"), target_revenue=Decimal("0")
    )
    AwardRuleFactory()
    response = admin_api.post(CLOSES, {"period": str(last_month)})
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["period"] == str(last_month) and body["kind"] == "month" and body["company_score"] == "300.00"
    assert PeriodClose.objects.get().closed_by.username == "adm"
    assert Award.objects.filter(period=str(last_month), status=Award.Status.PROPOSED).exists()
    assert admin_api.get(CLOSES).json()["results"][0]["period"] == str(last_month)


def test_closing_twice_is_409(admin_api, last_month):
    assert admin_api.post(CLOSES, {"period": str(last_month)}).status_code == 201
    response = admin_api.post(CLOSES, {"period": str(last_month)})
    assert response.status_code == 409 and "already closed" in response.json()["detail"]
    assert PeriodClose.objects.count() == 1


@pytest.mark.parametrize("period", ["", "2026-13x", "next month", "FUTURE"])
def test_close_bad_input_is_400(admin_api, this_month, period):
    response = admin_api.post(CLOSES, {"period": str(this_month.next()) if period == "FUTURE" else period})
    assert response.status_code == 400
    assert "period" in response.json(), response.json()
    assert not PeriodClose.objects.exists()


def test_only_administrators_close_sales_managers_read(sm_api, acc_api, last_month):
    assert sm_api.post(CLOSES, {"period": str(last_month)}).status_code == 403
    assert sm_api.get(CLOSES).status_code == 200
    assert acc_api.get(CLOSES).status_code == 403
    assert not PeriodClose.objects.exists()


def test_period_close_list_costs_the_same_queries_for_2_and_20_closes(sm_api, this_month):
    def add(n):
        for _ in range(n):
            period = this_month
            for _ in range(PeriodClose.objects.count() + 1):
                period = period.previous()
            services.period_close(period=period)

    assert_same_queries_at_two_sizes(
        fetch=lambda: sm_api.get(CLOSES), add_rows=add, rows=lambda r: len(r.json()["results"]), queries=2
    )


# --- the credit setting -------------------------------------------------------------------------------


def test_administrator_reads_and_changes_who_is_credited(admin_api):
    assert admin_api.get(SETTINGS).json()["credit_to"] == "recorder"
    response = admin_api.put(SETTINGS, {"credit_to": "manager"})
    assert response.status_code == 200, response.json()
    assert IncentiveSettings.objects.get().credit_to == "manager"


def test_credit_setting_is_administrators_only_and_validated(sm_api, acc_api, admin_api):
    assert sm_api.get(SETTINGS).status_code == 403
    assert acc_api.put(SETTINGS, {"credit_to": "manager"}).status_code == 403
    response = admin_api.put(SETTINGS, {"credit_to": "whoever"})
    assert response.status_code == 400 and "credit_to" in response.json()
    assert not IncentiveSettings.objects.filter(credit_to="manager").exists()


# --- credit splits ------------------------------------------------------------------------------------


def test_administrator_splits_a_sale_and_removes_the_split(
    admin_api, shop, sales_manager, other_sales_manager, today_noon
):
    sale = record(client=shop["client"], by=sales_manager, at=today_noon, lines=[(shop["plain"], "100")])
    shares = [
        {"user": sales_manager.pk, "share_percent": "60"},
        {"user": other_sales_manager.pk, "share_percent": "40"},
    ]
    response = admin_api.put(_split_url(sale), {"shares": shares})
    assert response.status_code == 200, response.json()
    assert response.json()["purchase"] == sale.pk
    assert {s["username"]: s["share_percent"] for s in response.json()["shares"]} == {"sm": "60.00", "sm2": "40.00"}
    assert admin_api.get(_split_url(sale)).json()["shares"][0]["share_percent"] == "60.00"
    assert admin_api.put(_split_url(sale), {"shares": []}).json()["shares"] == []
    assert not CreditSplit.objects.exists()


@pytest.mark.parametrize(
    "shares, field",
    [
        ([{"user": "SM", "share_percent": "60"}, {"user": "SM2", "share_percent": "30"}], "shares"),
        ([{"user": "SM", "share_percent": "100"}, {"user": "SM", "share_percent": "0"}], "shares"),
        ([{"user": "ACC", "share_percent": "100"}], "shares"),
        ([{"user": 999999, "share_percent": "100"}], "shares"),
        ([{"user": "SM", "share_percent": "lots"}], "shares"),
        (None, "shares"),
    ],
)
def test_credit_split_bad_input_is_400_and_keeps_nothing(
    admin_api, shop, sales_manager, other_sales_manager, accountant, today_noon, shares, field
):
    sale = record(client=shop["client"], by=sales_manager, at=today_noon, lines=[(shop["plain"], "100")])
    ids = {"SM": sales_manager.pk, "SM2": other_sales_manager.pk, "ACC": accountant.pk}
    payload = {} if shares is None else {"shares": [{**s, "user": ids.get(s["user"], s["user"])} for s in shares]}
    response = admin_api.put(_split_url(sale), payload)
    assert response.status_code == 400
    assert field in response.json(), response.json()
    assert not CreditSplit.objects.exists()


def test_credit_split_is_administrators_only(sm_api, shop, sales_manager, today_noon):
    sale = record(client=shop["client"], by=sales_manager, at=today_noon, lines=[(shop["plain"], "100")])
    assert sm_api.get(_split_url(sale)).status_code == 403
    payload = {"shares": [{"user": sales_manager.pk, "share_percent": "100"}]}
    assert sm_api.put(_split_url(sale), payload).status_code == 403
    assert not CreditSplit.objects.exists()


def test_credit_split_of_an_unknown_purchase_is_404(admin_api, sales_manager):
    payload = {"shares": [{"user": sales_manager.pk, "share_percent": "100"}]}
    assert admin_api.put("/api/v1/incentives/credit-splits/999999/", payload).status_code == 404


def test_service_refuses_crediting_someone_who_does_not_sell(shop, sales_manager, accountant, today_noon):
    sale = record(client=shop["client"], by=sales_manager, at=today_noon, lines=[(shop["plain"], "100")])
    with pytest.raises(ApplicationError, match="sales managers or administrators"):
        services.credit_split_set(purchase=sale, shares=[(accountant, Decimal("100"))])
