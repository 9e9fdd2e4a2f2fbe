"""In Chromium: from the leaderboard, a person opens "Service to colleagues" and finds the accountant who
completed and was rated for a request this month."""

import pytest
from playwright.sync_api import expect

from crm.internal_requests import services

from ..factories import make_kind, make_team


@pytest.mark.django_db(transaction=True)
def test_the_service_leaderboard_shows_who_served_colleagues(page, login, sales_manager, accountant):
    team = make_team(code="accounts", name="Accounts", members=[accountant])
    kind = make_kind(team, code="payment-check", hours="4")
    item = services.request_open(kind=kind, by=sales_manager, subject="Did Baker & Sons pay?")
    services.request_take(request=item, by=accountant)
    item = services.request_complete(request=item, by=accountant, note="Paid in full.")
    services.request_rate(request=item, by=sales_manager, rating=5, comment="Quick.")

    login(sales_manager)
    page.goto("/incentives/")
    page.click("#service-link")
    row = page.locator(f"#service-{accountant.username}")
    expect(row).to_contain_text("Acc")
    expect(row).to_contain_text("100.00%")  # the one request was done on time
    expect(row).to_contain_text("5.00 (1)")  # and rated 5 by its one rater
    assert page.csp_violations == []
