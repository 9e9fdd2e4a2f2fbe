"""Demo data of the outbox: message templates for the events and a few staff notifications for the inbox.
Messages to clients (news, a failed invoice email) are seeded by clients/messaging_demo.py. Skips everything
when the templates are there already."""

from django.contrib.auth import get_user_model
from django.test.utils import override_settings

from . import delivery, services
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

    # Quiet, local delivery for the demo: no console email flood.
    with override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"):
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
    stdout.write(
        f"Notifications: {len(TEMPLATES)} templates, "
        f"{Notification.objects.filter(status='sent').count()} staff messages sent."
    )
