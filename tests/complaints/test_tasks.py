import pytest

from complaints import tasks
from complaints.models import Breach
from crm.notifications.models import Notification
from crm.registry import periodic_tasks
from crm.standards import services as standard_services
from crm.standards.models import BusinessCalendar

from .factories import at, make_complaint

pytestmark = pytest.mark.django_db


def test_periodic_jobs_are_registered():
    jobs = {task for task, _ in periodic_tasks().values()}
    assert {"complaints.escalate_breaches", "complaints.remind_acknowledgements"} <= jobs


def test_escalation_task_records_overdue_complaints(administrator):
    BusinessCalendar.objects.create(working_weekdays=[1, 2, 3, 4, 5, 6, 7])
    make_complaint(created_at=at(2020, 1, 6, 9))
    assert tasks.escalate_breaches.delay().get() == 2  # both clocks ran out long ago
    assert Breach.objects.filter(stage="breached").count() == 2
    assert tasks.escalate_breaches.delay().get() == 0


def test_weekly_reminder_goes_once_to_staff_who_have_not_acknowledged(sales_manager, accountant, administrator):
    document = standard_services.document_create(
        kind="quality_standard", title="Quality", body="Answer fast", by=administrator
    )
    standard_services.acknowledge(version=document.current_version, user=sales_manager)
    assert tasks.remind_acknowledgements.delay().get() == 2  # accountant and administrator
    assert tasks.remind_acknowledgements.delay().get() == 2
    reminders = Notification.objects.filter(event="standards_ack_reminder")
    assert set(reminders.values_list("user__username", flat=True)) == {"acc", "adm"}
    assert reminders.count() == 2  # deduplicated within the week
