"""Webhook subscriptions and the events queued for them (see webhooks.py). Imported by models.py."""

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy


class WebhookSubscription(models.Model):
    """A receiver of domain events: its URL, its signing secrets (the newest first; older ones keep signing
    until they expire, so a receiver can switch keys without missing a message), the event types it wants
    (empty: all) and whether it is active. A receiver that answers 410 Gone is paused with that reason."""

    name = models.CharField(max_length=100)
    url = models.URLField(max_length=500)
    secrets = models.JSONField(
        default=list, help_text=gettext_lazy('[{"secret": "whsec_...", "created_at": ..., "expires_at": ...}]')
    )
    event_types = models.JSONField(default=list, blank=True, help_text=gettext_lazy("Empty: every event type."))
    is_active = models.BooleanField(default=True)
    paused_reason = models.CharField(max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "id"]

    def __str__(self):
        return f"{self.name} → {self.url}"

    def wants(self, event_type: str) -> bool:
        return not self.event_types or event_type in self.event_types


class WebhookEvent(models.Model):
    """One domain event for one subscription, delivered through the outbox row `notification`. `event_id` is
    the Standard Webhooks message id (the same on every retry, so the receiver can drop repeats); events of
    one `entity` reach a subscription in the order they happened."""

    event_id = models.UUIDField(default=uuid.uuid4, editable=False)
    subscription = models.ForeignKey(WebhookSubscription, on_delete=models.CASCADE, related_name="events")
    notification = models.OneToOneField(
        "notifications.Notification", on_delete=models.CASCADE, related_name="webhook_event"
    )
    type = models.CharField(max_length=50)
    entity = models.CharField(max_length=80, help_text=gettext_lazy("e.g. client:12, the unit of ordering"))
    payload = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["subscription", "entity", "id"], name="webhook_event_order_idx")]


class WebhookAttempt(models.Model):
    """The log of each delivery attempt: what the receiver answered, or why it could not be reached."""

    event = models.ForeignKey(WebhookEvent, on_delete=models.CASCADE, related_name="attempts")
    at = models.DateTimeField(auto_now_add=True)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    response_excerpt = models.TextField(blank=True)
    error = models.TextField(blank=True)
    duration_ms = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-id"]
