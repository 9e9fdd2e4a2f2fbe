import re
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from incentives import services
from incentives.models import Award
from tests.incentives.factories import AwardRuleFactory, record


def logout(page):
    page.click("#user-menu")
    page.click("#logout")
    page.wait_for_selector("#login-submit")


@pytest.mark.django_db(transaction=True)
def test_weight_change_moves_the_leaderboard_and_closing_proposes_employee_of_the_month(
    page, login, shop, sales_manager, other_sales_manager, administrator, this_month
):
    page.on("dialog", lambda dialog: dialog.accept())
    services.sales_plan_set(
        period=this_month, user=sales_manager, target_points=Decimal("400"), target_revenue=Decimal("100")
    )
    AwardRuleFactory(name="Employee of the month", bonus_base=Decimal("100"), bonus_percent=Decimal("10"))

    # An administrator makes the locomotive product count x4 from today.
    login(administrator)
    page.goto("/incentives/setup/")
    page.select_option("#id_weight-product", str(shop["loco"].pk))
    page.fill("#id_weight-weight", "4")
    page.fill("#id_weight-effective_from", timezone.localdate().isoformat())
    page.click("#weight-submit")
    page.wait_for_selector("text=Saved.")
    logout(page)

    # A sales manager's sale is scored at the new weight and the leaderboard moves.
    login(sales_manager)
    page.goto("/incentives/")
    assert page.inner_text("#standing-sm .score") == "0.00"
    # The sale goes through the purchases app's recording page: 11 x 10.00 of the locomotive product.
    page.goto(f"/purchases/record/?client={shop['client'].pk}")
    page.fill("#lines .purchase-line input[name=product]", shop["loco"].sku)
    page.fill("#lines .purchase-line input[name=quantity]", "11")
    expect(page.locator("#preview-net")).to_have_text("110.00")
    page.click("#record-submit")
    page.wait_for_selector("#purchase-net")
    record(client=shop["client"], by=other_sales_manager, at=timezone.now(), lines=[(shop["plain"], "50")])
    page.goto("/incentives/")
    assert page.inner_text("#standing-sm .score") == "440.00"  # 110.00 x weight 4
    assert page.inner_text("#leaderboard-table tbody tr:first-child td:nth-child(2)") == "Sm"
    assert "110.00% of plan" in page.inner_text("#my-headline")
    assert "locomotive products count x4" in page.inner_text("#my-headline")
    expect(page.locator("canvas[data-chart=score]")).to_have_attribute("height", re.compile(r"^\d+$"))  # Chart.js drew
    # The period picker swaps the board in place (htmx) for a past month.
    page.select_option("#period-select", str(this_month.previous()))
    expect(page.locator("#standing-sm .score")).to_have_text("0.00")
    expect(page).to_have_url(re.compile(f"period={this_month.previous()}"))
    logout(page)

    # The administrator closes the month: the employee of the month is proposed, then approved.
    login(administrator)
    page.goto("/incentives/")
    page.click("#close-period")
    page.wait_for_selector("#proposals")
    assert "Sm" in page.inner_text("#proposals") and "104.00" in page.inner_text("#proposals")
    page.click("#proposals button.approve")
    page.wait_for_selector("#recognition-board .award-card")
    assert "Best employee of the month" in page.inner_text("#recognition-board")
    assert Award.objects.get().status == Award.Status.APPROVED
    page.goto(f"/incentives/?period={this_month}")
    assert "frozen" in page.inner_text("#period-status")
    assert page.csp_violations == []
