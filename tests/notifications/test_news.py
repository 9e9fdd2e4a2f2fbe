"""Company news: segments, channels, batches with progress, opt-out and the unsubscribe link."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from clients import messaging, news
from clients import services as client_services
from clients.models import ChannelConsent, News
from crm.exceptions import ApplicationError
from crm.notifications import delivery
from crm.notifications.models import Notification
from tests.factories import SegmentFactory

pytestmark = pytest.mark.django_db


def compose(segment, channels=("email",), **kwargs):
    kwargs.setdefault("title", "Spring catalogue")
    kwargs.setdefault("subject", "Our spring catalogue is out")
    kwargs.setdefault("body", "New papers and inks.")
    return news.news_create(segments=[segment], channels=list(channels), **kwargs)


def test_news_goes_to_the_segment_in_batches_with_progress(segment, make_client, notification_settings):
    notification_settings["NEWS_BATCH_SIZE"] = 2
    members = [make_client(segment=segment) for _ in range(5)]
    make_client(segment=SegmentFactory())  # another segment: not a recipient
    item = compose(segment)
    assert news.news_start(news_id=item.pk)
    item.refresh_from_db()
    assert (item.status, item.total, item.percent) == ("sending", 5, 0)
    assert news.news_send_batch(news_id=item.pk) == 2
    item.refresh_from_db()
    assert (item.processed, item.percent) == (2, 40)
    while news.news_send_batch(news_id=item.pk):
        pass
    item.refresh_from_db()
    assert (item.status, item.processed, item.percent) == ("sent", 5, 100)
    assert set(item.notifications.values_list("client_id", flat=True)) == {c.pk for c in members}


def test_news_runs_through_its_batches_after_commit(segment, make_client, django_capture_on_commit_callbacks):
    for _ in range(3):
        make_client(segment=segment)
    with django_capture_on_commit_callbacks(execute=True):
        item = compose(segment)
    item.refresh_from_db()
    assert item.status == "sent" and item.percent == 100
    assert item.notifications.filter(status="sent").count() == 3
    assert len(mail.outbox) == 3


def test_news_uses_preferred_consented_channel_among_the_chosen_ones(segment, make_client):
    sms_first = make_client(segment=segment, preferred_channels=["sms", "email"], consent=["sms", "email"])
    sms_only = make_client(segment=segment, preferred_channels=["sms"], consent=["sms"])
    opted_out = make_client(segment=segment, preferred_channels=["email"])
    client_services.consent_set(client=opted_out, channel="email", status="opt_out", source="phone call")
    item = compose(segment, channels=["email", "letter"])
    news.news_start(news_id=item.pk)
    news.news_send_batch(news_id=item.pk)
    rows = {n.client_id: n for n in item.notifications.all()}
    assert rows[sms_first.pk].channel == "email"
    assert (rows[sms_only.pk].channel, rows[sms_only.pk].status) == ("none", "skipped")
    assert (rows[opted_out.pk].channel, rows[opted_out.pk].status) == ("none", "skipped")
    assert "no consent" in rows[opted_out.pk].last_error


def test_every_news_message_carries_an_unsubscribe_link_that_withdraws_that_channel(segment, make_client, client):
    member = make_client(segment=segment, preferred_channels=["email", "sms"], consent=["email", "sms"])
    item = compose(segment, channels=["email", "sms"])
    news.news_start(news_id=item.pk)
    news.news_send_batch(news_id=item.pk)
    delivery.relay_pending()
    [message] = mail.outbox
    link = next(w for w in message.body.split() if "/notifications/unsubscribe/" in w)
    assert message.extra_headers["List-Unsubscribe"] == f"<{link}>"
    path = link.removeprefix("http://crm.test")

    page = client.get(path)  # anonymous: the page asks first (mail scanners follow links)
    assert page.status_code == 200 and b"unsubscribe-confirm" in page.content
    assert ChannelConsent.objects.get(client=member, channel="email").status == "opt_in"
    done = client.post(path)
    assert done.status_code == 200 and b"unsubscribed" in done.content
    consent = ChannelConsent.objects.get(client=member, channel="email")
    assert (consent.status, consent.source) == ("opt_out", "unsubscribe link")
    assert ChannelConsent.objects.get(client=member, channel="sms").status == "opt_in"

    # The next news reaches the client on the channel still consented.
    second = compose(segment, channels=["email", "sms"], title="Summer")
    news.news_start(news_id=second.pk)
    news.news_send_batch(news_id=second.pk)
    assert second.notifications.get().channel == "sms"


def test_unsubscribe_after_queueing_stops_the_queued_message(segment, make_client):
    member = make_client(segment=segment)
    item = compose(segment)
    news.news_start(news_id=item.pk)
    news.news_send_batch(news_id=item.pk)
    row = item.notifications.get()
    messaging.unsubscribe(token=messaging.unsubscribe_token(client_id=member.pk, channel="email"))
    delivery.relay_pending()
    row.refresh_from_db()
    assert row.status == Notification.Status.SKIPPED and mail.outbox == []


def test_altered_unsubscribe_link_is_refused(client, make_client):
    member = make_client()
    token = messaging.unsubscribe_token(client_id=member.pk, channel="email")
    response = client.post(f"/notifications/unsubscribe/{token[:-2]}xx/")
    assert response.status_code == 400
    assert ChannelConsent.objects.get(client=member).status == "opt_in"


def test_scheduled_news_waits_for_its_time(segment, make_client):
    make_client(segment=segment)
    item = compose(segment, scheduled_at=timezone.now() + timedelta(hours=2))
    assert news.news_start_due() == []
    News.objects.filter(pk=item.pk).update(scheduled_at=timezone.now() - timedelta(minutes=1))
    assert news.news_start_due() == [item.pk]


def test_news_create_rejects_missing_fields_and_saves_nothing(segment):
    with pytest.raises(ApplicationError) as exc:
        news.news_create(title="", subject="S", body="B", segments=[], channels=["fax"])
    assert exc.value.field == "title"
    assert set(exc.value.extra) == {"segments", "channels"}
    assert not News.objects.exists()


def test_one_click_unsubscribe_post_needs_no_csrf_token(make_client):
    from django.test import Client

    member = make_client()
    token = messaging.unsubscribe_token(client_id=member.pk, channel="email")
    response = Client(enforce_csrf_checks=True).post(
        f"/notifications/unsubscribe/{token}/", {"List-Unsubscribe": "One-Click"}
    )
    assert response.status_code == 200
    assert ChannelConsent.objects.get(client=member).status == "opt_out"


def test_news_whose_next_batch_was_lost_is_resumed_by_the_periodic_job(
    segment, make_client, django_capture_on_commit_callbacks
):
    from unittest import mock

    from clients import tasks as client_tasks

    members = [make_client(segment=segment) for _ in range(3)]
    item = compose(segment)
    with mock.patch.object(client_tasks.news_send_batch, "delay"):  # the batch task is never published
        assert news.news_start(news_id=item.pk)
    item.refresh_from_db()
    assert item.status == News.Status.SENDING and item.notifications.count() == 0
    assert news.news_resume_stalled() == []  # not stalled yet: its batch may still be on its way
    News.objects.filter(pk=item.pk).update(updated_at=timezone.now() - news.STALLED_AFTER - timedelta(seconds=1))
    with django_capture_on_commit_callbacks(execute=True):
        client_tasks.news_start_due.delay().get()  # the every-minute job (batches run eagerly in tests)
    item.refresh_from_db()
    assert item.status == News.Status.SENT
    assert item.notifications.count() == len(members)
    assert sorted(item.notifications.values_list("client_id", flat=True)) == sorted(m.pk for m in members)
