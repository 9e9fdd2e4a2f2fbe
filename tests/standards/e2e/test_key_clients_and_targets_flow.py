"""In Chromium: an administrator sets the key-client rule (a bad value is refused beside its field), flags a
client by hand and sees them in the list; then changes a response target from a later day on the standards
page and sees the pending version."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from complaints import standards
from complaints.services.clocks import target_key
from crm.standards.models import KeyClientRule, TargetVersion
from tests.factories import ClientFactory


@pytest.mark.django_db(transaction=True)
def test_an_administrator_sets_the_key_client_rule_and_flags_a_client(page, login, administrator):
    harbour = ClientFactory(name="Harbour Stationers")
    ClientFactory(name="Inkwell Traders")
    login(administrator)
    page.goto("/service/key-clients/")
    page.evaluate("document.querySelector('#key-rule-form').noValidate = true")  # what the server says
    page.select_option("#id_basis", "top_n")
    page.fill("#id_top_n", "-3")
    page.click("#save-key-rule")
    expect(page.locator("#id_top_n")).to_have_attribute("aria-invalid", "true")
    page.select_option("#id_basis", "flag")
    page.fill("#id_top_n", "20")
    page.click("#save-key-rule")
    expect(page.locator("body")).to_contain_text("Key-client rule saved.")
    page.fill("#key-flag-form #id_client", str(harbour.pk))
    page.check("#key-flag-form #id_flagged")
    page.click("#key-flag-form button[type=submit]")
    expect(page.locator("#key-client-list")).to_contain_text("Harbour Stationers")
    expect(page.locator("#key-client-list")).not_to_contain_text("Inkwell Traders")
    assert KeyClientRule.objects.get().basis == "flag"
    assert page.csp_violations == []


@pytest.mark.django_db(transaction=True)
def test_an_administrator_changes_a_target_from_a_later_day(page, login, administrator):
    high = standards.target_set(
        kind="complaint", severity="high", first_response_hours=Decimal("4"), resolution_hours=Decimal("16")
    )
    key = target_key(high.pk, "first_response")
    login(administrator)
    page.goto("/complaints/standards/")
    page.click("#target-versions summary")
    page.select_option("#target-version-form #id_key", key)
    page.fill("#target-version-form #id_hours", "6")
    page.fill("#target-version-form #id_effective_on", "2001-01-01")
    page.click("#target-version-form button[type=submit]")
    expect(page.locator("#target-version-form #id_effective_on")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#target-version-form")).to_contain_text("never in the past")
    later = timezone.localdate() + timedelta(days=7)
    page.fill("#target-version-form #id_effective_on", later.isoformat())
    page.fill("#target-version-form #id_note", "Faster first answers from next week")
    page.click("#target-version-form button[type=submit]")
    expect(page.locator(f'#target-versions tr[data-key="{key}"]')).to_contain_text(f"6.00 h from {later.isoformat()}")
    version = TargetVersion.objects.filter(key=key).latest("effective_from")
    assert version.hours == 6 and timezone.localdate(version.effective_from) == later
    assert page.csp_violations == []
