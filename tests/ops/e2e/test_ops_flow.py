"""In Chromium: an administrator opens Operations from the navigation, reads the outbox section with its failed
count and follows it to the failed deliveries. No CSP violation on the way."""

import pytest

from ..conftest import ago, failed_rows, heartbeat


@pytest.mark.django_db(transaction=True)
def test_administrator_opens_operations_and_follows_the_failed_deliveries(page, login, administrator):
    failed_rows(3)
    heartbeat("bulk@host-b", ago(hours=1))

    login(administrator)
    page.click("#main-nav >> text=Operations")
    page.wait_for_selector("#ops-outbox")

    assert page.url.endswith("/ops/")
    assert page.inner_text("#outbox-failed").startswith("3 failed")
    assert "stale" in page.inner_text("#ops-workers")
    assert "crossed" in page.inner_text("#alert-workers_stale")
    page.click("#outbox-failed-link")
    page.wait_for_url("**/notifications/?status=failed")
    assert page.csp_violations == []
