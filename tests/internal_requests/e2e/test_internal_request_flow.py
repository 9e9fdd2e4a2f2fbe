"""In Chromium: a sales manager's request waits in the accounting queue; an accountant takes it and completes
it with a note; the sales manager rates it."""

import pytest
from playwright.sync_api import expect

from crm.internal_requests import services
from crm.internal_requests.models import InternalRequest

from ..factories import make_kind, make_team


def logout(page):
    page.click("#user-menu")
    page.click("#logout")


@pytest.mark.django_db(transaction=True)
def test_an_accountant_handles_an_internal_request_and_the_requester_rates_it(page, login, sales_manager, accountant):
    team = make_team(code="accounts", name="Accounts", members=[accountant])
    kind = make_kind(team, code="payment-check", hours="4")
    item = services.request_open(kind=kind, by=sales_manager, subject="Did Baker & Sons pay?")

    login(accountant)
    page.goto("/internal/")
    page.click("#queue-link-accounts")
    expect(page.locator(f"#request-{item.pk}")).to_contain_text("Did Baker & Sons pay?")
    page.click(f"#take-{item.pk}")
    expect(page.locator("#request-assignee")).to_contain_text("Acc")
    expect(page.locator("#request-status")).to_have_text("In progress")
    page.fill("#id_note", "Paid in full on 3 December.")
    page.click("#complete")
    expect(page.locator("#request-status")).to_have_text("Done")
    expect(page.locator("#request-note")).to_contain_text("Paid in full")
    assert page.locator("#rate").count() == 0  # only the requester rates
    assert page.csp_violations == []
    logout(page)

    login(sales_manager)
    page.goto("/internal/")
    page.click(f"#my-requests a[href='/internal/requests/{item.pk}/']")
    page.select_option("#id_rating", "5")
    page.fill("#id_comment", "Quick and clear, thank you.")
    page.click("#rate-submit")
    expect(page.locator("#request-rating")).to_contain_text("5/5")
    item.refresh_from_db()
    assert item.status == "done" and item.completed_by == accountant and item.rating == 5
    assert InternalRequest.objects.get(pk=item.pk).rating_comment == "Quick and clear, thank you."
    assert page.csp_violations == []
