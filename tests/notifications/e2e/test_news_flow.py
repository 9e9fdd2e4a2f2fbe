"""An administrator sends news to a segment and watches the progress bar reach 100%."""

import pytest

from clients.models import News
from tests.factories import ClientFactory, SegmentFactory


@pytest.mark.django_db(transaction=True)
def test_administrator_sends_news_to_a_segment_and_sees_it_complete(page, login, administrator, settings, tmp_path):
    settings.NOTIFICATIONS = {**settings.NOTIFICATIONS, "NEWS_BATCH_SIZE": 2, "SMS_FILE_DIR": str(tmp_path)}
    segment = SegmentFactory(name="Print shops", code="print-shops")
    SegmentFactory(name="Retail", code="retail")
    for _ in range(5):
        ClientFactory(segment=segment)
    ClientFactory(segment=segment, consent=[])

    login(administrator)
    page.click("#main-nav >> text=Notifications")
    page.click("text=News")
    page.click("#news-new")
    page.fill("#id_title", "Spring catalogue")
    page.fill("#id_subject", "Our spring catalogue is out")
    page.fill("#id_body", "New papers & inks <for> print shops.")
    page.check("label:has-text('Print shops') >> input")
    page.check("label:has-text('Email') >> input")
    page.click("#news-submit")

    page.wait_for_selector("#news-progress[data-status='sent']")
    assert page.inner_text("#news-percent") == "100%"
    assert page.get_attribute("#news-progress-bar", "value") == "100"
    news = News.objects.get()
    assert (news.status, news.total, news.processed) == ("sent", 6, 6)
    assert news.notifications.filter(status="sent").count() == 5
    assert news.notifications.filter(status="skipped").count() == 1

    page.click("text=All news messages in the outbox")
    page.wait_for_selector("#notification-table")
    assert page.locator("#notification-table tbody tr").count() == 6
    assert page.csp_violations == []
