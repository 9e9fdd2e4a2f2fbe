"""Demo data: message templates for the events, a sent news item, sent and failed notifications, and a few
staff notifications for the inbox. Skips everything when the templates are there already."""

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.db import transaction
from django.test.utils import override_settings
from django.utils import timezone

from . import delivery, news, services
from .models import MessageTemplate, Notification

TEMPLATES = [
    ("tier_upgrade", "", "Welcome to {{ tier|default:'your new tier' }}",
     "Dear {{ client_name }},\n\nyour purchases this year reached {{ tier|default:'a new tier' }}: from now on you "
     "get {{ discount|default:'a larger' }} discount on every order.\n\nThank you for your loyalty."),
    ("tier_upgrade", "sms", "", "{{ client_name }}: you reached {{ tier|default:'a new tier' }}. Enjoy the discount!"),
    ("complaint_ack", "", "We received your complaint {{ reference|default:'' }}",
     "Dear {{ client_name }},\n\nwe are sorry for the trouble. Your complaint {{ reference|default:'' }} is with "
     "us and we will answer by {{ due|default:'the date our service standard promises' }}."),
    ("survey_request", "", "How did we do?",
     "Dear {{ client_name }},\n\nplease tell us in two minutes how we handled your last request: {{ url|default:'' }}"),
    ("invoice_issued", "", "Invoice {{ number|default:'' }}",
     "Dear {{ client_name }},\n\nyour invoice {{ number|default:'' }} for {{ total|default:'your order' }} is "
     "ready. Payment is due by {{ due|default:'the date on the invoice' }}."),
    ("promise_reminder", "", "Reminder: {{ text|default:'our promise' }}",
     "{{ client_name }} was promised: {{ text|default:body }}. Due {{ due|default:'today' }}."),
    ("promise_reminder", "phone", "Call about a promise",
     "Script: Hello, this is {{ manager|default:'your account manager' }} from Paper & Print. We promised you "
     "{{ text|default:body }}; I am calling to confirm where it stands."),
    ("news", "", "{{ subject }}", "Dear {{ client_name }},\n\n{{ body }}"),
    ("manager_reassigned", "", "New client for you: {{ client|default:subject }}",
     "{{ body }}\n\nPlease introduce yourself within a week."),
]  # fmt: skip


def seed(*, rng, stdout) -> None:
    if MessageTemplate.objects.filter(event="news").exists():
        stdout.write("Notifications: already seeded.")
        return
    for event, channel, subject, body in TEMPLATES:
        services.message_template_save(event=event, channel=channel, subject=subject, body=body)

    from clients.models import Client, Segment

    # Quiet, local delivery for the demo: no console email flood, SMS into var/sms.
    with override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"):
        segment = Segment.objects.filter(clients__isnull=False).order_by("id").first()
        sent_news = 0
        if segment is not None:
            with transaction.atomic():
                item = news.news_create(
                    title="Autumn catalogue 2026",
                    subject="Our autumn catalogue is out",
                    body="New recycled papers, archival inks and a faster next-day delivery in town.",
                    segments=[segment],
                    channels=["email", "sms", "letter"],
                    scheduled_at=timezone.now() - timedelta(days=3),
                )
            news.news_start(news_id=item.pk)
            while news.news_send_batch(news_id=item.pk):
                pass
            sent_news = item.notifications.count()

        clients = list(Client.objects.filter(merged_into__isnull=True).order_by("id")[:12])
        for client in clients[:8]:
            services.notification_enqueue_for_client(
                client=client,
                event="tier_upgrade",
                dedup_key=f"demo-tier:{client.pk}",
                subject="Welcome to Silver",
                body="You reached the Silver tier.",
                context={"tier": "Silver", "discount": "5%"},
            )
        User = get_user_model()
        for username in ("maria", "victor", "admin", "sales"):
            user = User.objects.filter(username=username).first()
            if user:
                services.notification_enqueue_for_user(
                    user=user,
                    event="manager_reassigned",
                    dedup_key=f"demo-reassigned:{user.pk}",
                    subject="A client was handed over to you",
                    body="Kessler Print Studio is now yours; the previous manager left notes on the card.",
                    context={"client": "Kessler Print Studio"},
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
        f"Notifications: {len(TEMPLATES)} templates, news to {sent_news} clients, "
        f"{Notification.objects.filter(status='sent').count()} sent, {failed} failed."
    )
