"""Rows that make each kind of failure, for the service record tests."""

import secrets
from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from clients.models import Interaction, Promise
from complaints.models import Breach, SatisfactionSurvey
from crm.notifications.models import Notification
from purchases.models import Invoice
from tests.complaints.factories import make_complaint


def overdue_promise(client, by, days_late: int = 3, text: str = "Send the quote") -> Promise:
    return Promise.objects.create(
        client=client, promised_by=by, text=text, due_date=timezone.localdate() - timedelta(days=days_late)
    )


def failed_message(client) -> Notification:
    return Notification.objects.create(
        event="invoice_issued",
        client=client,
        channel=Notification.Channel.EMAIL,
        status=Notification.Status.FAILED,
        dedup_key=f"test:{secrets.token_hex(6)}",
        last_error="mailbox full",
    )


def breached_clock(client, by) -> Breach:
    complaint = make_complaint(client=client, by=by)
    now = timezone.now()
    return Breach.objects.create(
        complaint=complaint,
        clock=Breach.Clock.FIRST_RESPONSE,
        stage=Breach.Stage.BREACHED,
        due_at=now - timedelta(hours=2),
        detected_at=now,
    )


def survey(client, by, score: int) -> SatisfactionSurvey:
    complaint = make_complaint(client=client, by=by)
    now = timezone.now()
    return SatisfactionSurvey.objects.create(
        complaint=complaint, token=secrets.token_hex(16), sent_at=now, answered_at=now, score=score
    )


def invoice(client, by, *, due_in_hours: float, issued_after_hours: float | None = None) -> Invoice:
    now = timezone.now()
    requested = now - timedelta(hours=10)
    due = requested + timedelta(hours=due_in_hours)
    inv = Invoice.objects.create(client=client, requested_by=by, requested_at=requested, due_at=due)
    if issued_after_hours is not None:
        Invoice.objects.filter(pk=inv.pk).update(
            status=Invoice.Status.ISSUED,
            issued_at=requested + timedelta(hours=issued_after_hours),
            net_total=Decimal("1"),
        )
    return inv


def contact(client, by, days_ago: int) -> Interaction:
    return Interaction.objects.create(
        client=client,
        kind=Interaction.Kind.CALL,
        staff=by,
        occurred_at=timezone.now() - timedelta(days=days_ago),
        summary="Called",
    )
