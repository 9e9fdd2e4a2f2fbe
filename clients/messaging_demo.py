"""Demo messages to clients: a news item sent to a segment, tier messages on each client's channel, and a
failed invoice email for the outbox page. Skipped when the demo news exists."""

from datetime import timedelta

from django.db import transaction
from django.test.utils import override_settings
from django.utils import timezone

from crm.notifications import delivery
from crm.notifications.models import Notification

from . import messaging
from . import news as news_services
from .models import Client, News, Segment

NEWS_TITLE = "Autumn catalogue 2026"


def seed(*, rng, stdout) -> None:
    if News.objects.filter(title=NEWS_TITLE).exists():
        stdout.write("Client messages: already seeded.")
        return
    # Quiet, local delivery for the demo: no console email flood, SMS into var/sms.
    with override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"):
        segment = Segment.objects.filter(clients__isnull=False).order_by("id").first()
        sent_news = 0
        if segment is not None:
            with transaction.atomic():
                item = news_services.news_create(
                    title=NEWS_TITLE,
                    subject="Our autumn catalogue is out",
                    body="New recycled papers, archival inks and a faster next-day delivery in town.",
                    segments=[segment],
                    channels=["email", "sms", "letter"],
                    scheduled_at=timezone.now() - timedelta(days=3),
                )
            news_services.news_start(news_id=item.pk)
            while news_services.news_send_batch(news_id=item.pk):
                pass
            sent_news = item.notifications.count()

        clients = list(Client.objects.filter(merged_into__isnull=True).order_by("id")[:12])
        for client in clients[:8]:
            messaging.notification_enqueue_for_client(
                client=client,
                event="tier_upgrade",
                purpose=messaging.SERVICE,
                dedup_key=f"demo-tier:{client.pk}",
                subject="Welcome to Silver",
                body="You reached the Silver tier.",
                context={"tier": "Silver", "discount": "5%"},
            )
        while delivery.relay_pending(limit=200).claimed:
            pass

    failed = 0
    if clients:
        client = clients[-1]
        Notification.objects.get_or_create(
            dedup_key=f"demo-invoice:{client.pk}:email",
            defaults={
                "event": "invoice_issued",
                "client": client,
                "channel": "email",
                "status": Notification.Status.FAILED,
                "subject": "Invoice 2026-0042",
                "body": "Your invoice is ready.",
                "context": {"number": "2026-0042"},
                "attempts": 6,
                "next_attempt_at": timezone.now() - timedelta(hours=2),
                "last_error": "gave up after 6 attempts: SMTPRecipientsRefused: 550 mailbox unavailable",
            },
        )
        failed = 1
    stdout.write(
        f"Client messages: news to {sent_news} clients, "
        f"{Notification.objects.filter(status='sent', client__isnull=False).count()} sent, {failed} failed."
    )
