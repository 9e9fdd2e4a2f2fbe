"""Dashboards show figures as small charts: a sales manager's sales per month, the satisfaction panel by
role, the trends' demand sparklines."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from clients.surveys.models import Survey
from purchases import selectors as purchase_selectors
from tests.factories import ClientFactory, ProductFactory

from .factories import sale

pytestmark = pytest.mark.django_db


def test_sales_per_month_are_the_net_sales_of_the_managers_clients(sales_manager, other_sales_manager, administrator):
    now = timezone.now()
    mine = ClientFactory(manager=sales_manager)
    theirs = ClientFactory(manager=other_sales_manager)
    product = ProductFactory(unit_price=Decimal("100.00"))
    sale(mine, [product], by=administrator, when=now - timedelta(minutes=5))
    sale(mine, [product, product], by=administrator, when=now - timedelta(minutes=4))
    sale(theirs, [product], by=administrator, when=now - timedelta(minutes=3))

    months = purchase_selectors.sales_per_month(manager=sales_manager, months=6, now=now)
    assert len(months) == 6 and months[-1]["month"] == timezone.localdate(now).replace(day=1)
    assert months[-1]["net"] == Decimal("300.00") and all(m["net"] == 0 for m in months[:-1])


def test_sales_manager_dashboard_draws_sales_per_month_and_satisfaction(sm_client, sales_manager):
    ClientFactory(manager=sales_manager)
    html = sm_client.get("/").content.decode()
    assert 'id="panel-my-sales-months"' in html and 'id="panel-satisfaction"' in html
    panel = html.split('id="panel-my-sales-months"')[1].split("</article>")[0]
    assert 'role="img"' in panel and "Net sales of my clients per month" in panel
    assert "/static/css/charts.css" in html and " style=" not in panel


def test_satisfaction_panel_shows_the_scores_to_admins_not_accountants(
    client, administrator, accountant, sales_manager
):
    now = timezone.now()
    customer = ClientFactory(manager=sales_manager)
    for i, (sat, rec) in enumerate(((5, 10), (4, 8))):
        Survey.objects.create(
            kind="consultation",
            object_id=i + 1,
            client=customer,
            occurred_at=now,
            status="answered",
            sent_at=now,
            satisfaction=sat,
            recommendation=rec,
            answered_at=now,
        )
    client.force_login(administrator)
    panel = client.get("/").content.decode().split('id="panel-satisfaction"')[1].split("</article>")[0]
    assert "4.50 / 5" in panel and "50.0" in panel and panel.count('role="img"') == 2
    client.force_login(accountant)
    assert b"panel-satisfaction" not in client.get("/").content
