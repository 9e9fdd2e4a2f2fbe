"""The hourly sender: scheduled, on the bulk queue, and it sends what is due."""

from datetime import timedelta

import pytest
from django.utils import timezone

from clients.surveys import tasks
from clients.surveys.models import Survey
from crm.celery import app as celery_app
from crm.registry import periodic_tasks
from tests.factories import ClientFactory

from .factories import consultation

pytestmark = pytest.mark.django_db


def test_the_sender_runs_every_hour_on_the_bulk_queue():
    name, schedule = periodic_tasks()["Surveys: ask clients after purchases and consultations"]
    assert name == "clients.surveys.send_due" and schedule == {"minute": "15"}
    assert celery_app.amqp.router.route({}, name)["queue"].name == "bulk"


def test_the_task_sends_the_surveys_due_now(sales_manager):
    consultation(ClientFactory(manager=sales_manager), staff=sales_manager, when=timezone.now() - timedelta(days=3))
    consultation(ClientFactory(manager=sales_manager), staff=sales_manager, when=timezone.now() - timedelta(hours=1))
    assert tasks.send_due() == {"sent": 1, "skipped": 0}  # the recent one waits for its delay
    assert Survey.objects.get().status == "sent"
