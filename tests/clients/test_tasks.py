from datetime import timedelta

import pytest

from clients import services, tasks
from crm.notifications.models import Notification
from crm.registry import periodic_tasks
from tests.factories import ClientFactory, today

pytestmark = pytest.mark.django_db


def test_morning_job_is_scheduled():
    assert periodic_tasks()["Remind of overdue promises to clients"][0] == "clients.remind_overdue_promises"


def test_morning_job_reminds_the_responsible_person_of_overdue_promises(sales_manager, other_sales_manager):
    client = ClientFactory()
    services.promise_create(client=client, text="Late", promised_by=sales_manager, due_date=today() - timedelta(1))
    services.promise_create(client=client, text="Fine", promised_by=other_sales_manager, due_date=today())
    kept = services.promise_create(
        client=client, text="Done", promised_by=other_sales_manager, due_date=today() - timedelta(3)
    )
    services.promise_keep(promise=kept, how="on time")
    assert tasks.remind_overdue_promises.delay().get() == 1
    note = Notification.objects.get(event="promises_overdue")
    assert note.user == sales_manager and "Late" in note.body
