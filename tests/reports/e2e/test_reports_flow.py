"""In Chromium: an administrator reads the reports with their charts; a sales manager sees their clients
worth attention on the dashboard and opens the value report. No CSP violation on the way."""

import pytest

from crm.reports import services
from tests.conftest import make_user

from ..conftest import AS_OF


@pytest.mark.django_db(transaction=True)
def test_administrator_reads_reports_with_charts_and_manager_sees_attention(page, login, dataset, sales_manager):
    for kind in ("value", "perks", "trends"):
        services.report_snapshot_create(kind=kind, period="weekly", as_of=AS_OF)

    login(dataset["x"].manager)  # the sales manager first: dashboard panel, own clients only
    panel = page.locator("#panel-reports-attention")
    assert "U" in panel.inner_text() and "no recent contact" in panel.inner_text()
    page.click("#main-nav >> text=Reports")
    page.click("#open-value")
    page.wait_for_selector("canvas#report-chart[data-drawn='1']")
    assert "Z" not in page.inner_text("#value-table")
    page.click("#user-menu")
    page.click("#logout")
    page.wait_for_selector("#login-submit")

    admin = make_user("boss", "Administrator")
    login(admin)
    assert "Print shops" in page.inner_text("#panel-reports-segments")
    page.goto("/reports/")
    page.click("#open-value")
    page.wait_for_selector("canvas#report-chart[data-drawn='1']")
    assert "Print shops" in page.inner_text("#segment-table")
    page.goto("/reports/trends/")
    page.wait_for_selector("canvas#report-chart[data-drawn='1']")
    page.goto("/reports/perks/")
    page.wait_for_selector("canvas#report-chart[data-drawn='1']")
    assert "pays for itself" in page.inner_text("#perks-table")
    with page.expect_download() as download:
        page.click("#csv-download")
    assert download.value.suggested_filename.startswith("perks-weekly-")
    assert page.csp_violations == []
