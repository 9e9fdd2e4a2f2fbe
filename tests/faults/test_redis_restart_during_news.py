"""Fault: the broker (Redis, without persistence) is stopped while a news item is being sent, and started again.
The news completes and each recipient gets it once.

News goes out in batches (clients/news.py): each batch locks the news, writes its recipients' outbox rows
(unique dedup keys: `news:<news>:<client>:<channel>`), moves the cursor in the same transaction and, after
commit, publishes the next batch. With Redis down that publish fails and the batch is lost (and whatever was
queued dies with a restart without persistence), so the news stops moving while still SENDING. The
every-minute job (news_start_due) resumes news whose cursor has not moved for STALLED_AFTER; it may run more
than once (two schedulers, the next minute before the batch ran): each batch continues from the cursor, and a
repeated row is a no-op.

The stop lands at a chosen point: the test holds an uncommitted outbox row for the first recipient of the
third batch, so the worker's third batch waits on PostgreSQL's unique index until Redis is down. It then
commits and its publish of the fourth batch fails."""

import json
import threading
from collections import Counter
from datetime import timedelta

from django.db import connection, transaction
from django.utils import timezone

from clients import news as news_services
from clients import tasks as client_tasks
from clients.models import News
from crm.notifications import tasks as outbox_tasks
from crm.notifications.models import Notification
from tests.factories import ClientFactory, SegmentFactory
from tests.faults import harness
from tests.faults.conftest import WORKERS_ON_REDIS

pytestmark = WORKERS_ON_REDIS

RECIPIENTS = 30
BATCH = 5
STOPPED_IN_BATCH = 3


class HeldRow:
    """An uncommitted outbox row, written from another connection: a batch inserting the same dedup key waits
    for this transaction to end. Rolled back on release, so it leaves nothing behind."""

    def __init__(self, **fields):
        self.fields = fields
        self.holding, self.release = threading.Event(), threading.Event()
        self.thread = threading.Thread(target=self._hold, daemon=True)

    def _hold(self):
        try:
            with transaction.atomic():
                Notification.objects.create(**self.fields)
                self.holding.set()
                self.release.wait(timeout=90)
                transaction.set_rollback(True)
        finally:
            connection.close()

    def __enter__(self):
        self.thread.start()
        assert self.holding.wait(timeout=10), "could not write the held row"
        return self

    def __exit__(self, *exc):
        self.release.set()
        self.thread.join(timeout=10)


def _a_batch_waits_on_the_held_row() -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
            """ AND query LIKE 'INSERT INTO "notifications_notification"%%'"""
        )
        return cursor.fetchone()[0] == 1


def _news(news: News) -> tuple[str, int]:
    news.refresh_from_db()
    return news.status, news.processed


def test_redis_stopped_during_a_news_send_the_news_completes_once_per_recipient(tmp_path, private_redis, processes):
    segment = SegmentFactory(name="Print shops", code="print-shops")
    clients = [ClientFactory(segment=segment, preferred_channels=["sms"]) for _ in range(RECIPIENTS)]
    sms_dir = tmp_path / "sms"
    env = harness.worker_env(
        CELERY_BROKER_URL=private_redis.url,
        NOTIFICATIONS_NEWS_BATCH_SIZE=str(BATCH),
        NOTIFICATIONS_SMS_BACKEND="file",
        NOTIFICATIONS_SMS_FILE_DIR=str(sms_dir),
    )
    broker = private_redis.client()

    with harness.celery_publishing_to(private_redis.url):
        news = news_services.news_create(
            title="Spring catalogue", subject="Spring", body="New papers.", segments=[segment], channels=["sms"]
        )
        assert broker.llen("bulk") == 1  # news_start went to the private broker's bulk queue

        first_of_batch = clients[(STOPPED_IN_BATCH - 1) * BATCH]
        held = HeldRow(
            event="news",
            client=first_of_batch,
            channel="sms",
            status=Notification.Status.SKIPPED,
            dedup_key=f"news:{news.pk}:{first_of_batch.pk}:sms",
            news=news,
        )
        with held:
            worker = processes(harness.celery_worker(env=env, queues="celery,bulk", log_path=tmp_path / "worker.log"))
            harness.wait_for(
                lambda: (
                    _news(news) == (News.Status.SENDING, (STOPPED_IN_BATCH - 1) * BATCH)
                    and _a_batch_waits_on_the_held_row()
                ),
                timeout=60,
                what=f"batch {STOPPED_IN_BATCH} to wait on the held row",
                detail=worker.log,
            )
            private_redis.kill()  # Redis stops while the batch is running
        # The batch commits; publishing the next one fails (Redis is down), and the worker loses its broker.
        harness.wait_for(
            lambda: _news(news)[1] == STOPPED_IN_BATCH * BATCH,
            timeout=30,
            what="the batch to commit",
            detail=worker.log,
        )
        harness.wait_for(
            lambda: "Connection to broker lost" in worker.log_path.read_text(errors="replace"),
            timeout=30,
            what="the worker to notice the broker is gone",
            detail=worker.log,
        )

        private_redis.start()  # the same port, empty: every queued message is gone
        # The worker reconnects by itself; the relay (every minute in production) delivers what was written.
        outbox_tasks.relay_outbox.apply_async()
        harness.wait_for(
            lambda: Notification.objects.filter(status="sent").count() == STOPPED_IN_BATCH * BATCH,
            timeout=60,
            what="the worker to reconnect and deliver the first batches",
            detail=worker.log,
        )
        assert _news(news) == (News.Status.SENDING, STOPPED_IN_BATCH * BATCH)  # stalled: its next batch was lost
        assert broker.llen("bulk") == 0

        # Ten minutes pass without the cursor moving; the every-minute job resumes the news. Twice, even.
        News.objects.filter(pk=news.pk).update(
            updated_at=timezone.now() - news_services.STALLED_AFTER - timedelta(seconds=1)
        )
        client_tasks.news_start_due.apply_async()
        client_tasks.news_start_due.apply_async()
        harness.wait_for(
            lambda: _news(news)[0] == News.Status.SENT, timeout=60, what="the news to complete", detail=worker.log
        )
        outbox_tasks.relay_outbox.apply_async()
        harness.wait_for(
            lambda: Notification.objects.filter(status="sent").count() == RECIPIENTS,
            timeout=60,
            what="every message delivered",
            detail=worker.log,
        )

    news.refresh_from_db()
    assert (news.status, news.total, news.processed) == (News.Status.SENT, RECIPIENTS, RECIPIENTS)
    rows = Notification.objects.filter(news=news)
    assert Counter(rows.values_list("client_id", flat=True)) == {c.pk: 1 for c in clients}
    assert Counter(rows.values_list("status", flat=True)) == {"sent": RECIPIENTS}
    assert Notification.objects.count() == RECIPIENTS
    sent_to = Counter(json.loads(path.read_text())["to"] for path in sms_dir.iterdir())
    assert sent_to == {c.phone: 1 for c in clients}
