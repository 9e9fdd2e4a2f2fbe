import io
import random

import pytest

from crm import services as crm_services
from crm.roles import Role
from incentives import demo
from incentives.models import Award, AwardRule, AwardType, PeriodClose, SalesPlan
from tests.incentives.conftest import at
from tests.incentives.factories import record

pytestmark = pytest.mark.django_db


def test_demo_without_purchases_seeds_catalogue_rules_and_plans(sales_manager, administrator):
    demo.seed(rng=random.Random(1), stdout=io.StringIO())
    assert AwardType.objects.count() == len(demo.AWARD_TYPES)
    assert AwardRule.objects.count() == 4
    assert AwardRule.objects.filter(scope="service", role=Role.ACCOUNTANT).exists()
    assert SalesPlan.objects.filter(user=sales_manager).count() == 4
    assert not PeriodClose.objects.exists()


def test_demo_closes_last_month_with_one_approved_proposal_and_is_idempotent(shop, administrator, last_month):
    people = [crm_services.user_create(username=f"d{i}", role=Role.SALES_MANAGER) for i in range(4)]
    for i, person in enumerate(people):
        record(client=shop["client"], by=person, at=at(last_month.first_day), lines=[(shop["plain"], 100 * (i + 1))])
    demo.seed(rng=random.Random(3), stdout=io.StringIO())
    assert PeriodClose.objects.filter(period=str(last_month)).exists()
    assert Award.objects.filter(status=Award.Status.APPROVED).count() == 1
    assert Award.objects.filter(status=Award.Status.PROPOSED).exists()
    before = SalesPlan.objects.count()
    demo.seed(rng=random.Random(3), stdout=io.StringIO())
    assert SalesPlan.objects.count() == before


def test_demo_awards_an_accountant_for_service_to_colleagues(shop, sales_manager, administrator, last_month):
    from crm import demo as core_demo
    from crm.internal_requests import demo as internal_demo

    core_demo.seed(rng=random.Random(1), stdout=io.StringIO())
    internal_demo.seed(rng=random.Random(1), stdout=io.StringIO())
    record(client=shop["client"], by=sales_manager, at=at(last_month.first_day), lines=[(shop["plain"], 100)])
    demo.seed(rng=random.Random(3), stdout=io.StringIO())
    award = Award.objects.get(rule__scope="service")
    assert award.period == str(last_month) and award.status == Award.Status.APPROVED
    assert award.user.groups.filter(name=Role.ACCOUNTANT).exists()
