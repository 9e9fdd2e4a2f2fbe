"""Administrators set service standards in the app; staff acknowledge the current document version."""

import pytest

from complaints.models import ResponseTarget
from crm.standards.models import Acknowledgement, Holiday


@pytest.mark.django_db(transaction=True)
def test_admin_configures_standards_and_a_manager_acknowledges_the_document(page, login, administrator, sales_manager):
    login(administrator)
    page.goto("/complaints/standards/")
    page.click("#targets summary:has-text('Set a target')")
    page.select_option("#target-form select[name=kind]", "claim")
    page.select_option("#target-form select[name=severity]", "high")
    page.fill("#target-form input[name=first_response_hours]", "2")
    page.fill("#target-form input[name=resolution_hours]", "12")
    page.click("#target-form button[type=submit]")
    page.wait_for_selector("#targets td:has-text('12.00 h')")
    page.click("#calendar summary:has-text('Add a holiday')")
    page.fill("#holiday-form input[name=date]", "2026-12-24")
    page.fill("#holiday-form input[name=name]", "Christmas Eve")
    page.click("#holiday-form button[type=submit]")
    page.wait_for_selector("#calendar li:has-text('Christmas Eve')")
    page.click("#documents summary:has-text('New document')")
    page.select_option("#documents select[name=kind]", "code_of_conduct")
    page.fill("#documents input[name=title]", "Code of conduct")
    page.fill("#documents textarea[name=body]", "Be courteous.")
    page.click("#documents button[type=submit]")
    page.wait_for_selector("#document-body:has-text('Be courteous.')")
    assert ResponseTarget.objects.filter(kind="claim", severity="high").exists()
    assert Holiday.objects.filter(name="Christmas Eve").exists()
    assert page.csp_violations == []

    page.context.clear_cookies()
    login(sales_manager)
    page.wait_for_selector("#panel-standards-ack:has-text('Code of conduct')")
    page.click("#panel-standards-ack a:has-text('Code of conduct')")
    page.click("#acknowledge")
    page.wait_for_selector("#ack-done")
    assert Acknowledgement.objects.filter(user=sales_manager).count() == 1
    assert page.csp_violations == []
