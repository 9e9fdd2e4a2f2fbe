from datetime import UTC, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from crm.notifications.models import Notification
from purchases import services, tasks
from purchases.models import ClientAccount, DiscountPolicy, Invoice, ProductWeight
from purchases.services import LineInput
from purchases.services.accounts import window_start
from tests.purchases.factories import record_sale

pytestmark = pytest.mark.django_db


def test_periodic_jobs_are_registered():
    from crm.registry import periodic_tasks

    names = {task for task, _ in periodic_tasks().values()}
    assert {"purchases.tasks.recompute_totals", "purchases.tasks.remind_overdue_invoices"} <= names


def test_daily_recompute_task_drops_purchases_outside_the_window(tiers, client_obj, product, sales_manager):
    old = timezone.now() - timedelta(days=200)
    services.purchase_record(
        client=client_obj, lines=[LineInput(product=product, quantity=Decimal(12))], by=sales_manager, purchased_at=old
    )
    DiscountPolicy.objects.update_or_create(pk=1, defaults={"basis": "rolling", "window_months": 6})
    assert tasks.recompute_totals() == 1
    account = ClientAccount.objects.get(client=client_obj)
    assert account.cumulative_total == 0 and account.window_start is not None
    # a purchase inside the window counts again, and verify_ledger agrees with the window
    record_sale(client_obj, product, 1, by=sales_manager)
    from purchases.selectors import ledger_drift

    assert ledger_drift() == []


def test_overdue_task_reminds(tiers, client_obj, product, sales_manager, accountant):
    sale = record_sale(client_obj, product, 1, by=sales_manager)
    invoice = services.invoice_request(client=client_obj, purchases=[sale], by=sales_manager)
    Invoice.objects.filter(pk=invoice.pk).update(due_at=timezone.now() - timedelta(minutes=5))
    assert tasks.remind_overdue_invoices() == 1
    assert Notification.objects.filter(event="invoice_overdue", user=accountant).exists()


def test_future_weight_does_not_apply_to_todays_purchase(tiers, client_obj, product, sales_manager):
    tomorrow = timezone.localdate() + timedelta(days=1)
    services.product_weight_set(product=product, weight=Decimal("3"), effective_from=tomorrow)
    assert ProductWeight.objects.filter(product=product).count() == 2
    sale = record_sale(client_obj, product, 1, by=sales_manager)
    assert sale.lines.get().incentive_weight == Decimal("1")


def test_return_of_an_old_purchase_keeps_the_window_total_equal_to_the_ledger(
    tiers, client_obj, product, sales_manager
):
    from purchases.selectors import ledger_drift

    sale, _ = services.purchase_record(
        client=client_obj,
        lines=[LineInput(product=product, quantity=Decimal(4))],
        by=sales_manager,
        purchased_at=timezone.now() - timedelta(days=300),
    )
    DiscountPolicy.objects.update_or_create(pk=1, defaults={"basis": "rolling", "window_months": 6})
    tasks.recompute_totals()
    services.purchase_return(original=sale, by=sales_manager)
    assert ledger_drift() == []


def test_window_start_is_n_calendar_months_back():
    from datetime import datetime

    policy = DiscountPolicy(basis="rolling", window_months=3)
    now = datetime(2026, 5, 31, 12, 0, tzinfo=UTC)
    assert window_start(policy, now) == datetime(2026, 2, 28, 12, 0, tzinfo=UTC)
    policy.window_months = 12
    assert window_start(policy, now).date().isoformat() == "2025-05-31"
