"""In Chromium: an administrator opens the report runs from the reports page, starts a run and watches a
running one finish (the table polls while a run is active). No CSP violation on the way."""

from datetime import timedelta

import pytest

from crm.reports.models import ReportRun

from ..conftest import AS_OF


@pytest.mark.django_db(transaction=True)
def test_administrator_starts_a_run_and_sees_a_running_one_finish(page, login, dataset, administrator):
    running = ReportRun.objects.create(
        period="monthly",
        as_of=AS_OF - timedelta(days=30),
        kinds=["value", "perks", "trends"],
        status="running",
        cursor=1,
    )
    login(administrator)
    page.goto("/reports/")
    page.click("#runs-link")
    row = page.locator(f"#run-{running.pk}")
    assert "1 of 3 reports" in row.inner_text()

    page.select_option("#run-form select[name=period]", "weekly")
    page.click("#run-start")  # the run is queued on commit; the test profile runs it at once
    started = ReportRun.objects.exclude(pk=running.pk).get()
    page.wait_for_selector(f"#run-{started.pk}[data-status='done']")
    assert "3 of 3 reports" in page.inner_text(f"#run-{started.pk}")

    ReportRun.objects.filter(pk=running.pk).update(status="failed", cursor=3, message="Trends: the figures broke")
    page.wait_for_selector(f"#run-{running.pk}[data-status='failed']", timeout=10_000)  # the poll brought it
    assert "Trends: the figures broke" in page.inner_text(f"#run-{running.pk}")
    assert page.locator("#report-runs[data-active='0']").count() == 1  # nothing active: polling stopped
    assert page.csp_violations == []
