"""In Chromium: a sales manager records a perk on their client's card (the htmx form in the Perks tab confirms
it); the administrator sees it in the perk-return report beside complaint goodwill. No CSP violation."""

from datetime import timedelta

import pytest
from django.utils import timezone

from crm.reports import services as report_services
from purchases import services as purchase_services
from purchases.models import Perk, PerkKind
from tests.conftest import make_user
from tests.factories import ClientFactory


@pytest.mark.django_db(transaction=True)
def test_sales_manager_records_a_perk_on_the_card_and_it_shows_in_the_perk_report(page, login, sales_manager):
    purchase_services.perk_kinds_ensure_defaults()  # a transactional test flushes the migration's kinds
    client = ClientFactory(name="Riverside Print Shop", manager=sales_manager)
    login(sales_manager)
    page.goto(f"/clients/{client.pk}/")
    page.click("#tab-perks")
    page.click("#perk-record summary")
    page.select_option("#client-perk-form select[name=kind]", label="Gift wrapping")
    page.select_option("#client-perk-form select[name=scope]", "one_off")
    page.fill("#client-perk-form input[name=cost]", "2.75")
    page.fill("#client-perk-form input[name=note]", "Anniversary order")
    page.click("#client-perk-submit")
    page.wait_for_selector("#perk-recorded")
    assert "Anniversary order" in page.inner_text("#client-perks")
    perk = Perk.objects.get()
    assert (perk.client, perk.kind, str(perk.cost), perk.given_by) == (
        client,
        PerkKind.objects.get(code="gift-wrapping"),
        "2.75",
        sales_manager,
    )
    assert page.csp_violations == []

    page.click("#user-menu")
    page.click("#logout")
    page.wait_for_selector("#login-submit")
    report_services.report_snapshot_create(kind="perks", period="weekly", as_of=timezone.now() + timedelta(minutes=1))
    login(make_user("boss", "Administrator"))
    page.goto("/reports/perks/")
    row = page.locator("#perks-table tr[data-kind='perk:gift-wrapping']")
    assert "Gift wrapping" in row.inner_text() and "2.75" in row.inner_text() and "perk" in row.inner_text()
    page.goto("/purchases/perks/")
    assert "Riverside Print Shop" in page.inner_text("#perk-rows")
    assert page.csp_violations == []
