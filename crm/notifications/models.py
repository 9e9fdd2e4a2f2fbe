from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy


class Purpose(models.TextChoices):
    """Why a message goes to a client, which decides the consent it needs (clients.messaging):
    SERVICE (invoices, complaint acknowledgements and replies, surveys, account changes) needs no opt-in and
    stops only at an opt-out of service messages on that channel; MARKETING (news, offers) needs an opt-in."""

    SERVICE = "service", gettext_lazy("Service (transactional)")
    MARKETING = "marketing", gettext_lazy("Marketing (news, offers)")


class PrintBatch(models.Model):
    """Letters and leaflets waiting to be printed and posted together. Delivery on the letter channel adds
    the notification to the open batch; an administrator closes it and downloads the PDF and mailing list."""

    class Status(models.TextChoices):
        OPEN = "open", gettext_lazy("Open")
        CLOSED = "closed", gettext_lazy("Closed")

    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    created_at = models.DateTimeField(auto_now_add=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(fields=["status"], condition=models.Q(status="open"), name="one_open_print_batch")
        ]
        indexes = [models.Index(fields=["updated_at"], name="print_batch_updated_idx")]

    def __str__(self):
        return f"Print batch {self.pk} ({self.status})"


class Notification(models.Model):
    """The outbox. A row is written in the same transaction as the event that causes it; workers deliver
    rows, so nothing is lost when a worker or the broker goes down. `dedup_key` makes a repeat of the same
    event for the same recipient and channel a no-op."""

    class Channel(models.TextChoices):
        EMAIL = "email", gettext_lazy("Email")
        SMS = "sms", gettext_lazy("SMS")
        PHONE = "phone", gettext_lazy("Phone call task")
        LETTER = "letter", gettext_lazy("Printed letter")
        WEBHOOK = "webhook", gettext_lazy("ERP webhook")
        EVENT = "event", gettext_lazy("Webhook event")
        STAFF = "staff", gettext_lazy("Staff (in-app + email)")
        NONE = "none", gettext_lazy("No consented channel")

    class Status(models.TextChoices):
        PENDING = "pending", gettext_lazy("Pending")
        SENDING = "sending", gettext_lazy("Sending")
        SENT = "sent", gettext_lazy("Sent")
        FAILED = "failed", gettext_lazy("Failed")
        SKIPPED = "skipped", gettext_lazy("Skipped")

    event = models.CharField(max_length=50, help_text=gettext_lazy("e.g. tier_upgrade, complaint_ack, invoice_issued"))
    # The client a message concerns: a reference kept on the row for the app that writes client messages
    # (clients.messaging) and for the outbox page; the outbox itself never reads a client.
    client = models.ForeignKey(
        "clients.Client", null=True, blank=True, on_delete=models.CASCADE, related_name="notifications"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="notifications"
    )
    channel = models.CharField(max_length=10, choices=Channel.choices)
    # Client messages only (blank for staff and webhook rows): the consent checked when it goes out.
    purpose = models.CharField(max_length=10, choices=Purpose.choices, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    dedup_key = models.CharField(max_length=200, unique=True)
    subject = models.CharField(max_length=200, blank=True)
    body = models.TextField(blank=True)
    context = models.JSONField(default=dict, blank=True)
    # The name of an attachment producer a higher app registered (registry.register_attachment): the file
    # is rendered from the row when the message goes out, so the outbox stores no documents.
    attachment = models.CharField(max_length=50, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    claimed_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text=gettext_lazy("When a relay claimed it; after the lease a new relay may take it."),
    )
    provider_message_id = models.CharField(max_length=200, blank=True)
    last_error = models.TextField(blank=True)
    news = models.ForeignKey(
        "notifications.News", null=True, blank=True, on_delete=models.SET_NULL, related_name="notifications"
    )
    print_batch = models.ForeignKey(
        PrintBatch, null=True, blank=True, on_delete=models.SET_NULL, related_name="notifications"
    )
    read_at = models.DateTimeField(
        null=True, blank=True, help_text=gettext_lazy("Staff notifications: when it was seen.")
    )
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="notif_pending_idx"),
            models.Index(fields=["client", "-id"]),
            models.Index(fields=["user", "read_at"]),
            models.Index(fields=["event", "-id"]),
            models.Index(fields=["status", "claimed_at"], name="notif_claimed_idx"),
            models.Index(fields=["news", "status"], name="notif_news_idx"),
            models.Index(fields=["updated_at"], name="notif_updated_idx"),
        ]

    def __str__(self):
        return f"{self.event} -> {self.client or self.user} via {self.channel} ({self.status})"

    @property
    def idempotency_key(self) -> str:
        """Stable across retries and relays: providers that honour it drop a repeat of this row. The creation
        time keeps keys apart when a database is recreated and ids start again."""
        stamp = self.created_at.strftime("%Y%m%d%H%M%S%f") if self.created_at else "0"
        return f"crm-notification-{self.pk}-{stamp}"


class MessageTemplate(models.Model):
    """Subject and body for an event on a channel (blank channel: any channel), in Django template syntax,
    rendered with the notification's context. Administrators edit them; a missing or broken template falls
    back to the subject and body written by the event."""

    event = models.CharField(max_length=50)
    channel = models.CharField(
        max_length=10, blank=True, choices=Notification.Channel.choices, help_text=gettext_lazy("Blank: every channel.")
    )
    subject = models.CharField(max_length=200, blank=True)
    body = models.TextField()
    is_active = models.BooleanField(default=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["event", "channel"]
        constraints = [models.UniqueConstraint(fields=["event", "channel"], name="one_template_per_event_channel")]

    def __str__(self):
        return f"{self.event} / {self.channel or 'any channel'}"


from .webhook_models import WebhookAttempt, WebhookEvent, WebhookSubscription  # noqa: E402,F401
