"""Company news: compose, schedule, then workers send it in batches (services; tasks only call these).

Each recipient gets one message, on the first of their preferred channels that the news may use and
they consented to; a client with none gets a SKIPPED row saying so. Every message carries an unsubscribe
link for its channel."""

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from crm.exceptions import ApplicationError
from crm.notifications import services as outbox_services
from crm.notifications.models import Notification, Purpose

from . import messaging
from .models import Client, News

NEWS_CHANNELS = ["email", "sms", "phone", "letter"]


def news_recipients(news: News):
    return Client.objects.filter(segment__in=news.segments.all(), merged_into__isnull=True)


@transaction.atomic
def news_create(
    *,
    title: str,
    subject: str,
    body: str,
    segments: list,
    channels: list[str],
    scheduled_at: datetime | None = None,
    by=None,
) -> News:
    """Compose and schedule news (now when `scheduled_at` is empty or past)."""
    errors = []
    if not (title or "").strip():
        errors.append(("title", "A title is required."))
    if not (subject or "").strip():
        errors.append(("subject", "A subject is required."))
    if not (body or "").strip():
        errors.append(("body", "Write the news."))
    if not segments:
        errors.append(("segments", "Pick at least one segment."))
    channels = [c for c in NEWS_CHANNELS if c in set(channels or [])]
    unknown = set(channels or []) - set(NEWS_CHANNELS)
    if not channels or unknown:
        errors.append(("channels", "Pick at least one of: " + ", ".join(NEWS_CHANNELS) + "."))
    if scheduled_at is not None and timezone.is_naive(scheduled_at):
        errors.append(("scheduled_at", "Give the time with its time zone."))
    if errors:
        field, message = errors[0]
        raise ApplicationError(message, field=field, extra={f: [m] for f, m in errors[1:]})
    news = News.objects.create(
        title=title.strip(),
        subject=subject.strip()[:200],
        body=body,
        channels=channels,
        scheduled_at=scheduled_at or timezone.now(),
        status=News.Status.SCHEDULED,
        created_by=by,
    )
    news.segments.set(segments)
    if news.scheduled_at <= timezone.now():
        from . import tasks

        pk = news.pk
        transaction.on_commit(lambda: tasks.news_start.delay(news_id=pk), robust=True)
    return news


def news_start_due() -> list[int]:
    """Start every scheduled news item whose time has come (the periodic job)."""
    due = News.objects.filter(status=News.Status.SCHEDULED, scheduled_at__lte=timezone.now())
    return [pk for pk in due.values_list("pk", flat=True) if news_start(news_id=pk)]


# A sending news item whose cursor has not moved for this long lost its next batch task (not published at
# commit, or dropped with a dead worker): the periodic job queues the batch again.
STALLED_AFTER = timedelta(minutes=10)


def news_resume_stalled(*, now: datetime | None = None) -> list[int]:
    """Queue the next batch of every sending news item that has not moved for STALLED_AFTER. A repeat is
    harmless: a batch locks the news and moves its cursor, and dedup keys make any repeated row a no-op."""
    cutoff = (now or timezone.now()) - STALLED_AFTER
    stalled = list(News.objects.filter(status=News.Status.SENDING, updated_at__lt=cutoff).values_list("pk", flat=True))
    for pk in stalled:
        with transaction.atomic():
            _queue_batch(pk)
    return stalled


@transaction.atomic
def news_start(*, news_id: int) -> bool:
    """Count the recipients and start sending; the first batch is queued after commit."""
    news = News.objects.select_for_update().filter(pk=news_id).first()
    if news is None or news.status != News.Status.SCHEDULED or news.scheduled_at > timezone.now():
        return False
    news.total = news_recipients(news).count()
    news.status = News.Status.SENDING
    news.started_at = timezone.now()
    news.save(update_fields=["total", "status", "started_at", "updated_at"])
    _queue_batch(news.pk)
    return True


def _queue_batch(news_id: int) -> None:
    from . import tasks

    transaction.on_commit(lambda: tasks.news_send_batch.delay(news_id=news_id), robust=True)


@transaction.atomic
def news_send_batch(*, news_id: int, batch_size: int | None = None) -> int:
    """Queue the next batch of recipients into the outbox; returns how many were handled. The cursor and
    the progress move in the same transaction as the rows, so a crashed batch is simply done again (the
    dedup keys make the repeat a no-op)."""
    news = News.objects.select_for_update().filter(pk=news_id).first()
    if news is None or news.status != News.Status.SENDING:
        return 0
    size = batch_size or settings.NOTIFICATIONS["NEWS_BATCH_SIZE"]
    clients = list(
        news_recipients(news).filter(id__gt=news.last_client_id).order_by("id").prefetch_related("consents")[:size]
    )
    now = timezone.now()
    rows = []
    for client in clients:
        channel = messaging.choose_channel(client, purpose=messaging.MARKETING, allowed=news.channels)
        context = {"news_id": news.pk, "client_name": client.name, "title": news.title}
        body = news.body
        if channel == Notification.Channel.NONE:
            status, error = Notification.Status.SKIPPED, "client has no consent for any channel of this news"
        else:
            status, error = Notification.Status.PENDING, ""
            context["unsubscribe_url"] = messaging.unsubscribe_url(client_id=client.pk, channel=channel)
            body = f"{news.body}\n\nTo stop receiving news by {channel}: {context['unsubscribe_url']}"
        rows.append(
            Notification(
                event="news",
                client=client,
                channel=channel,
                purpose=Purpose.MARKETING,
                status=status,
                dedup_key=f"news:{news.pk}:{client.pk}:{channel}",
                subject=news.subject,
                body=body,
                context=context,
                next_attempt_at=now,
                last_error=error,
                news=news,
            )
        )
    Notification.objects.bulk_create(rows, ignore_conflicts=True)
    news.processed = min(news.total, news.processed + len(clients)) if news.total else news.processed + len(clients)
    if clients:
        news.last_client_id = clients[-1].pk
    fields = ["processed", "last_client_id", "updated_at"]
    if len(clients) < size:
        news.status, news.finished_at, news.processed = News.Status.SENT, now, max(news.processed, news.total)
        fields += ["status", "finished_at"]
    else:
        _queue_batch(news.pk)
    news.save(update_fields=fields)
    if any(r.status == Notification.Status.PENDING for r in rows):
        outbox_services.relay_kick()
    return len(clients)


@transaction.atomic
def news_cancel(*, news_id: int, by=None) -> News:
    """Cancel news that has not started; once batches run, the queued messages go out."""
    news = News.objects.select_for_update().get(pk=news_id)
    if news.status not in (News.Status.DRAFT, News.Status.SCHEDULED):
        raise ApplicationError(gettext("Only news that has not started sending can be cancelled."), field="status")
    news.status = News.Status.CANCELLED
    news.finished_at = timezone.now()
    news.save(update_fields=["status", "finished_at", "updated_at"])
    return news
