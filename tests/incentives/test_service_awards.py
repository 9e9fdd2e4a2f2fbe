"""Staff who never meet clients are scored on their own standard (internal requests) and win awards by the
same period close as sales staff: an award rule scored on "service" (optionally for one role) decides by the
internal-request score. Page and API beside each other."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.test import Client as PageClient

from crm.exceptions import ApplicationError
from crm.internal_requests import services as internal_services
from crm.roles import Role
from incentives import services
from incentives.models import Award, AwardRule
from tests.conftest import _api_client_for, make_user
from tests.incentives.conftest import at
from tests.internal_requests.factories import make_kind, make_team

pytestmark = pytest.mark.django_db


@pytest.fixture
def clerk(db):
    return make_user("clerk", Role.ACCOUNTANT)


@pytest.fixture
def served(last_month, accountant, clerk, sales_manager, administrator):
    """Last month: the accountant did two requests on time, rated 5 and 4; the clerk one late, rated 2;
    the administrator (IT) one on time, unrated."""
    accounting = make_team(code="acc-team", members=[accountant, clerk])
    statement = make_kind(accounting, code="statement", hours="8")
    it = make_kind(make_team(code="it", members=[administrator]), code="access", hours="8")
    start = at(last_month.first_day + timedelta(days=2), hour=10)

    def job(kind, by, hours, rating=None):
        item = internal_services.request_open(kind=kind, by=sales_manager, subject="Please", at=start)
        item = internal_services.request_complete(request=item, by=by, note="done", at=start + timedelta(hours=hours))
        if rating:
            internal_services.request_rate(request=item, by=sales_manager, rating=rating)

    job(statement, accountant, 2, 5)
    job(statement, accountant, 3, 4)
    job(statement, clerk, 24 * 6, 2)
    job(it, administrator, 1)
    return accounting


def service_rule(**overrides):
    award_type = services.award_type_create(name="Colleagues' choice", kind="gift_certificate")
    values = {
        "name": "Best service to colleagues",
        "period_kind": "month",
        "award_type": award_type,
        "winners": 1,
        "min_fulfilment_percent": Decimal("80"),
        "bonus_base": Decimal("150"),
        "scope": AwardRule.Scope.SERVICE,
        "role": Role.ACCOUNTANT,
    }
    return services.award_rule_create(**(values | overrides))


def test_closing_a_period_awards_the_accountant_with_the_best_service_score(served, last_month, accountant):
    rule = service_rule()
    services.period_close(period=last_month)
    award = Award.objects.get(rule=rule)
    assert award.user == accountant and award.period == str(last_month)
    assert award.fulfilment_percent == Decimal("100.00") and award.cash_amount == Decimal("150.00")
    # 50 x 1 (on time) + 25 x 1 (faster than 8 h) + 25 x (4.5 - 1) / 4 = 96.88
    assert award.weighted_score == Decimal("96.88") and "service to colleagues" in award.reason


def test_the_role_of_a_service_rule_keeps_others_out(served, last_month, administrator):
    # The administrator's score (100: on time, fast, unrated) beats the accountant's, but the rule is for accountants.
    rule = service_rule()
    services.period_close(period=last_month)
    assert not Award.objects.filter(rule=rule, user=administrator).exists()
    assert Award.objects.filter(rule=rule).count() == 1


def test_a_service_rule_with_any_role_picks_the_top_score(served, last_month, administrator):
    rule = service_rule(role="")
    services.period_close(period=last_month)
    assert Award.objects.get(rule=rule).user == administrator


def test_nobody_below_the_share_on_time_wins(served, last_month, accountant, clerk):
    rule = service_rule(winners=3)
    services.period_close(period=last_month)
    assert [a.user for a in Award.objects.filter(rule=rule)] == [accountant]  # the clerk was late: 0% on time


def test_sales_rules_ignore_service_staff(served, last_month):
    award_type = services.award_type_create(name="Seller", kind="cash_bonus")
    rule = services.award_rule_create(name="Top seller", period_kind="month", award_type=award_type)
    services.period_close(period=last_month)
    assert rule.scope == "sales" and not Award.objects.filter(rule=rule).exists()


def test_service_rule_input_is_checked():
    award_type = services.award_type_create(name="X", kind="cash_bonus")
    with pytest.raises(ApplicationError) as exc:
        services.award_rule_create(name="R", period_kind="month", award_type=award_type, scope="everyone")
    assert exc.value.field == "scope"
    with pytest.raises(ApplicationError) as exc:
        services.award_rule_create(name="R", period_kind="month", award_type=award_type, role="Chef")
    assert exc.value.field == "role"


def test_service_rule_through_the_api(admin_api, sm_api):
    award_type = services.award_type_create(name="Gift", kind="gift_certificate")
    payload = {
        "name": "Service",
        "period_kind": "month",
        "award_type": award_type.pk,
        "scope": "service",
        "role": Role.ACCOUNTANT,
        "min_fulfilment_percent": "90",
    }
    assert sm_api.post("/api/v1/incentives/award-rules/", payload, format="json").status_code == 403
    response = admin_api.post("/api/v1/incentives/award-rules/", payload, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["scope"] == "service" and response.json()["role"] == Role.ACCOUNTANT
    bad = admin_api.post("/api/v1/incentives/award-rules/", {**payload, "scope": "all"}, format="json")
    assert bad.status_code == 400 and "scope" in bad.json()


def test_service_rule_on_the_setup_page(admin_client_role):
    award_type = services.award_type_create(name="Gift", kind="gift_certificate")
    data = {
        "rule-name": "Service",
        "rule-period_kind": "month",
        "rule-award_type": award_type.pk,
        "rule-winners": "1",
        "rule-min_fulfilment_percent": "90",
        "rule-bonus_base": "0",
        "rule-bonus_percent": "0",
        "rule-scope": "service",
        "rule-role": Role.ACCOUNTANT,
    }
    response = admin_client_role.post("/incentives/setup/rule/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert AwardRule.objects.get(name="Service").scope == "service"


def test_service_leaderboard_page_and_api_rank_the_same(served, last_month, accountant, clerk, administrator):
    page = PageClient()
    page.force_login(accountant)
    html = page.get(f"/incentives/service/?period={last_month}").content.decode()
    assert 'id="service-acc"' in html and 'id="service-clerk"' in html and "96.88" in html
    api = make_api(accountant)
    body = api.get(f"/api/v1/incentives/service-leaderboard/?period={last_month}").json()
    assert [r["username"] for r in body["results"]] == [administrator.username, accountant.username, clerk.username]
    assert body["results"][1]["score"] == "96.88" and body["results"][1]["avg_rating"] == "4.50"
    assert api.get("/api/v1/incentives/service-leaderboard/?period=soon").status_code == 400


def test_service_leaderboard_is_for_staff_roles_only(no_role_user):
    page = PageClient()
    page.force_login(no_role_user)
    assert page.get("/incentives/service/").status_code == 403


def make_api(user):
    return _api_client_for(user)
