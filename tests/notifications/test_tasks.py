import pytest
from django.core import mail

from clients import messaging, news
from clients import tasks as client_tasks
from clients.models import News
from crm.notifications import tasks

pytestmark = pytest.mark.django_db


def test_relay_task_delivers_due_rows(make_client):
    messaging.notification_enqueue_for_client(client=make_client(), event="survey_request", dedup_key="s:1")
    assert tasks.relay_outbox.delay().get() == 1
    assert len(mail.outbox) == 1


def test_periodic_news_job_starts_due_news(segment, make_client):
    make_client(segment=segment)
    item = news.news_create(title="N", subject="S", body="B", segments=[segment], channels=["email"])
    assert client_tasks.news_start_due.delay().get() == 1
    item.refresh_from_db()
    assert item.status == News.Status.SENDING and item.total == 1
    assert client_tasks.news_send_batch.delay(news_id=item.pk).get() == 1


def test_periodic_jobs_are_registered():
    from crm.registry import periodic_tasks

    names = {task for task, _ in periodic_tasks().values()}
    assert {"crm.notifications.tasks.relay_outbox", "crm.notifications.tasks.news_start_due"} <= names
