"""An administrator finds a failed notification with its reason and retries it; a staff member reads the inbox."""

import re

import pytest

from crm.notifications import services
from crm.notifications.models import Notification
from tests.factories import ClientFactory


@pytest.mark.django_db(transaction=True)
def test_administrator_retries_a_failed_notification_and_reads_the_inbox(page, login, administrator):
    client = ClientFactory(name="Kessler Print Studio", email="kessler@example.com")
    failed = Notification.objects.create(
        event="invoice_issued", client=client, channel="email", status="failed", dedup_key="inv:1:email",
        subject="Invoice", body="Ready", attempts=6, last_error="gave up after 6 attempts: 550 mailbox unavailable",
    )  # fmt: skip
    staff_row = services.notification_enqueue_for_user(
        user=administrator, event="manager_reassigned", dedup_key="m:1", subject="Kessler is yours", body="Notes"
    )

    login(administrator)
    page.click("#main-nav >> text=Notifications")
    page.select_option("#id_status", "failed")
    page.wait_for_url(re.compile(r"status=failed"))
    page.wait_for_selector(f"#notification-{staff_row.pk}", state="detached")
    page.wait_for_selector(f"#notification-{failed.pk} >> text=550 mailbox unavailable")
    assert page.locator("#notification-table tbody tr").count() == 1
    page.click(f"#retry-{failed.pk}")
    page.wait_for_selector(f"#notification-{failed.pk} >> text=Sent")
    failed.refresh_from_db()
    assert failed.status == "sent" and failed.attempts == 1

    page.click("#main-nav >> text=Inbox")
    page.wait_for_selector("#inbox-unread >> text=1 unread")
    item = Notification.objects.get(user=administrator)
    page.click(f"#read-{item.pk}")
    page.wait_for_selector(f"#read-{item.pk}", state="detached")
    item.refresh_from_db()
    assert item.read_at is not None
    assert page.csp_violations == []
