"""Occasions for surveys: a sale through the ledger, a consultation on the timeline, and a sent survey."""

from datetime import datetime, timedelta
from decimal import Decimal

from django.utils import timezone

from clients.models import Interaction
from clients.surveys import services
from clients.surveys.models import Survey
from purchases import services as purchase_services
from purchases.services import LineInput


def at(year, month, day, hour=12) -> datetime:
    return timezone.make_aware(datetime(year, month, day, hour))


def sale(client, products, *, by, when: datetime):
    purchase, _ = purchase_services.purchase_record(
        client=client, lines=[LineInput(product=p, quantity=Decimal("1")) for p in products], by=by, purchased_at=when
    )
    return purchase


def consultation(client, *, staff, when: datetime) -> Interaction:
    return Interaction.objects.create(
        client=client, kind=Interaction.Kind.CONSULTATION, occurred_at=when, staff=staff, summary="Advice on paper"
    )


def send_due_after(when: datetime) -> dict:
    """Run the sender as it would run just past the delay after `when` (48 h by default)."""
    return services.survey_send_due(now=when + timedelta(hours=49))


def answered(survey: Survey, satisfaction: int, recommendation: int, *, when: datetime | None = None) -> Survey:
    return services.survey_answer(
        token=survey.token, satisfaction=satisfaction, recommendation=recommendation, now=when
    )
