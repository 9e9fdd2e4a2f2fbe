"""Reads for the notification pages and API, with what they show loaded up front."""

from django.db.models import Count, Q, QuerySet

from .models import MessageTemplate, Notification, PrintBatch


def notification_list(*, status: str = "", channel: str = "", event: str = "", client_id=None) -> QuerySet:
    qs = Notification.objects.select_related("client", "user").order_by("-id")
    if status:
        qs = qs.filter(status=status)
    if channel:
        qs = qs.filter(channel=channel)
    if event:
        qs = qs.filter(event=event)
    if client_id:
        qs = qs.filter(client_id=client_id)
    return qs


def notification_status_counts() -> dict[str, int]:
    counts = dict(Notification.objects.values_list("status").annotate(n=Count("id")).order_by())
    return {status: counts.get(status, 0) for status in Notification.Status.values}


def notification_events() -> list[str]:
    return list(Notification.objects.order_by("event").values_list("event", flat=True).distinct())


def inbox_list(*, user) -> QuerySet:
    return Notification.objects.filter(user=user, channel=Notification.Channel.STAFF).order_by("-id")


def inbox_unread_count(*, user) -> int:
    return Notification.objects.filter(user=user, channel=Notification.Channel.STAFF, read_at__isnull=True).count()


def print_batch_list() -> QuerySet:
    return PrintBatch.objects.annotate(letters=Count("notifications")).select_related("closed_by").order_by("-id")


def print_batch_letters(*, batch: PrintBatch) -> QuerySet:
    return batch.notifications.order_by("id")


def message_template_list() -> QuerySet:
    return MessageTemplate.objects.select_related("updated_by").order_by("event", "channel")


def failed_count() -> int:
    return Notification.objects.filter(Q(status=Notification.Status.FAILED)).count()
