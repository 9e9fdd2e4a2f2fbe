"""The service record: each failure source, recorded once, resolved with a note, alerts and digests."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from clients.models import Promise
from crm.exceptions import ApplicationError
from crm.notifications.models import Notification
from crm.standards import failures
from crm.standards.models import KeyClientFlag, KeyClientRule, ServiceFailure
from crm.standards.selectors import service_targets
from tests.factories import ClientFactory
from tests.standards import factories as f

pytestmark = pytest.mark.django_db


def kinds(client) -> list[str]:
    return sorted(ServiceFailure.objects.filter(client=client).values_list("kind", flat=True))


def test_every_layer_contributes_its_failure_kinds_through_the_registry():
    assert {s.kind for s in failures.sources()} == {
        "promise", "message_failed", "key_client_contact", "complaint_clock", "survey_low", "invoice_late",
    }  # fmt: skip


def test_overdue_and_broken_promises_are_failures_a_promise_still_due_is_not(sales_manager):
    client = ClientFactory(manager=sales_manager)
    f.overdue_promise(client, sales_manager, text="Late quote")
    Promise.objects.create(
        client=client, promised_by=sales_manager, text="Broken", due_date=timezone.localdate(),
        status=Promise.Status.BROKEN, resolved_at=timezone.now(),
    )  # fmt: skip
    Promise.objects.create(client=client, promised_by=sales_manager, text="Fine", due_date=timezone.localdate())
    failures.failures_detect()
    assert sorted(ServiceFailure.objects.values_list("title", flat=True)) == ["Broken", "Late quote"]


def test_failed_message_complaint_past_its_clock_and_low_survey_are_failures(sales_manager):
    client = ClientFactory(manager=sales_manager)
    f.failed_message(client)
    f.breached_clock(client, sales_manager)
    f.survey(client, sales_manager, score=2)
    f.survey(client, sales_manager, score=4)  # a good score is no failure
    failures.failures_detect()
    assert kinds(client) == ["complaint_clock", "message_failed", "survey_low"]


def test_invoice_late_against_the_standard_waiting_or_issued_late_but_not_on_time(sales_manager):
    client = ClientFactory(manager=sales_manager)
    f.invoice(client, sales_manager, due_in_hours=2)  # requested 10 h ago, due after 2 h, still waiting
    f.invoice(client, sales_manager, due_in_hours=2, issued_after_hours=5)  # issued late
    f.invoice(client, sales_manager, due_in_hours=2, issued_after_hours=1)  # on time
    f.invoice(client, sales_manager, due_in_hours=20)  # still within its time
    failures.failures_detect()
    assert kinds(client) == ["invoice_late", "invoice_late"]


def test_a_failure_is_recorded_once_and_a_resolved_one_is_not_opened_again(sales_manager):
    client = ClientFactory(manager=sales_manager)
    f.overdue_promise(client, sales_manager)
    first = failures.failures_detect()
    assert len(first) == 1
    failures.failure_resolve(failure=first[0], by=sales_manager, note="Sent it with an apology")
    assert failures.failures_detect() == []
    failure = ServiceFailure.objects.get()
    assert failure.resolved_by == sales_manager and failure.resolved_at is not None
    assert failure.resolution_note == "Sent it with an apology"


def test_detection_costs_the_same_queries_for_2_and_20_failures(sales_manager):
    def run():
        with CaptureQueriesContext(connection) as ctx:
            failures.failures_detect()
        return len(ctx.captured_queries)

    run()  # the singletons (service targets, key-client rule) are created on first use
    client = ClientFactory(manager=sales_manager)
    for _ in range(2):
        f.overdue_promise(client, sales_manager)
    small = run()
    for _ in range(20):
        f.overdue_promise(client, sales_manager)
    assert run() == small


def test_resolve_needs_a_note_and_the_right_to_write_on_the_client(sales_manager, other_sales_manager, administrator):
    client = ClientFactory(manager=sales_manager)
    f.overdue_promise(client, sales_manager)
    (failure,) = failures.failures_detect()
    with pytest.raises(ApplicationError) as blank:
        failures.failure_resolve(failure=failure, by=sales_manager, note="  ")
    assert blank.value.field == "note"
    with pytest.raises(ApplicationError) as other:
        failures.failure_resolve(failure=failure, by=other_sales_manager, note="Not mine")
    assert other.value.code == "forbidden"
    failures.failure_resolve(failure=failure, by=administrator, note="Handled by the office")
    with pytest.raises(ApplicationError):
        failures.failure_resolve(failure=failure, by=administrator, note="Again")
    failure.refresh_from_db()
    assert failure.resolved_by == administrator


def key_rule_flag(client, by):
    KeyClientRule.objects.update_or_create(pk=1, defaults={"basis": KeyClientRule.Basis.FLAG})
    KeyClientFlag.objects.create(client=client, flagged_by=by, flagged_at=timezone.now())


def test_key_client_not_contacted_past_the_standard_alerts_the_manager_once_per_episode(sales_manager, administrator):
    days = service_targets().key_client_max_days_without_contact
    client = ClientFactory(manager=sales_manager, first_contact_at=timezone.now() - timedelta(days=400))
    key_rule_flag(client, administrator)
    f.contact(client, sales_manager, days_ago=days - 1)
    assert failures.failures_detect() == []  # within the standard
    f.contact(client, sales_manager, days_ago=days + 30)  # an older contact changes nothing
    assert failures.failures_detect() == []

    client2 = ClientFactory(manager=sales_manager, first_contact_at=timezone.now() - timedelta(days=400))
    KeyClientFlag.objects.create(client=client2, flagged_by=administrator, flagged_at=timezone.now())
    f.contact(client2, sales_manager, days_ago=days + 1)
    (failure,) = failures.failures_detect()
    assert failure.kind == "key_client_contact" and failure.client == client2
    alerts = Notification.objects.filter(event="service_failure", user=sales_manager)
    assert alerts.count() == 1
    assert failures.failures_detect() == [] and alerts.count() == 1  # same episode: no second alert
    # contacted again: the episode ends; overdue again later: a new failure and one more alert
    failures.failure_resolve(failure=failure, by=sales_manager, note="Visited them")
    f.contact(client2, sales_manager, days_ago=1)
    assert failures.failures_detect() == []
    new = failures.failures_detect(now=timezone.now() + timedelta(days=days))
    # (both key clients are overdue by then: one alert each)
    assert sorted(x.client_id for x in new) == [client.pk, client2.pk] and alerts.count() == 3
    assert ServiceFailure.objects.filter(client=client2).count() == 2  # the resolved one stays


def test_a_client_who_is_not_key_is_not_chased_for_contact(sales_manager):
    client = ClientFactory(manager=sales_manager, first_contact_at=timezone.now() - timedelta(days=400))
    f.contact(client, sales_manager, days_ago=300)
    assert failures.failures_detect() == []


def test_daily_digest_to_each_manager_once_a_day_and_weekly_digest_to_administrators(
    sales_manager, other_sales_manager, administrator
):
    mine = ClientFactory(manager=sales_manager)
    f.overdue_promise(mine, sales_manager)
    f.failed_message(mine)
    ClientFactory(manager=other_sales_manager)  # nothing open: no digest
    failures.failures_detect()
    assert failures.failures_daily_digest() == 1
    assert failures.failures_daily_digest() == 1  # the same day: the outbox row is not written twice
    daily = Notification.objects.filter(event="service_failures_daily")
    assert list(daily.values_list("user__username", flat=True)) == ["sm"]
    assert "2" in daily.get().subject and mine.name in daily.get().body
    assert failures.failures_weekly_digest() == 1
    weekly = Notification.objects.get(event="service_failures_weekly")
    assert weekly.user == administrator and "sm: 2 new, 0 resolved, 2 open" in weekly.body


def test_clients_with_failures_lists_the_most_failures_first(sales_manager):
    one, two = ClientFactory(manager=sales_manager), ClientFactory(manager=sales_manager)
    ClientFactory(manager=sales_manager)  # no failure: not listed
    f.overdue_promise(one, sales_manager)
    f.overdue_promise(two, sales_manager)
    f.failed_message(two)
    failures.failures_detect()
    listed = failures.clients_with_failures(manager=sales_manager)
    assert [(c.pk, c.open_failures) for c in listed] == [(two.pk, 2), (one.pk, 1)]


def test_digest_tasks_run_the_services(sales_manager):
    from crm.standards import tasks

    client = ClientFactory(manager=sales_manager)
    f.overdue_promise(client, sales_manager)
    assert tasks.failures_detect() == 1
    assert tasks.failures_daily_digest() == 1
    assert Decimal(ServiceFailure.objects.count()) == 1
