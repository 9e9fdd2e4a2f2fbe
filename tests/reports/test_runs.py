"""Report runs (crm/reports/running.py): one report per step, the cursor moved with each snapshot, a lease
taken with SKIP LOCKED, resumed by the sweep, FAILED with the reason when it cannot go on."""

import threading
from datetime import timedelta
from unittest import mock

import pytest
from django.db import OperationalError, connection, transaction
from django.utils import timezone

from crm.exceptions import ApplicationError
from crm.reports import running, services
from crm.reports.models import ReportKind, ReportRun, ReportSnapshot

from .conftest import AS_OF

pytestmark = pytest.mark.django_db
Status = ReportRun.Status


def _figures(snapshot: ReportSnapshot) -> dict:
    """Everything a report shows: parameters, summary and its rows in order (not when it was generated)."""
    return {
        "kind": snapshot.kind,
        "period": snapshot.period,
        "period_start": snapshot.period_start,
        "period_end": snapshot.period_end,
        "parameters": snapshot.parameters,
        "summary": snapshot.summary,
        "row_count": snapshot.row_count,
        "rows": list(
            snapshot.rows.order_by("position").values_list("position", "manager_id", "client_id", "flagged", "data")
        ),
    }


def _single_shot() -> dict[str, dict]:
    return {
        kind: _figures(services.report_snapshot_create(kind=kind, period="weekly", as_of=AS_OF))
        for kind in ReportKind.values
    }


def _run_figures(run: ReportRun) -> dict[str, dict]:
    return {s.kind: _figures(s) for s in run.snapshots.all()}


def _expire_lease(run: ReportRun) -> None:
    ReportRun.objects.filter(pk=run.pk).update(leased_until=timezone.now() - timedelta(seconds=1))


def test_a_run_makes_every_report_as_a_single_shot_does(dataset):
    run = running.report_run_start(period="weekly", as_of=AS_OF, queue=False)
    assert (run.status, run.cursor, run.kinds) == (Status.QUEUED, 0, ReportKind.values)

    run = running.report_run_execute(run_id=run.pk)

    assert run.status == Status.DONE and run.cursor == run.total == 3
    assert run.message == "3 reports made." and run.step_errors == {}
    assert run.leased_by == "" and run.leased_until is None
    assert run.started_at <= run.finished_at
    assert _run_figures(run) == _single_shot()


def test_a_run_stopped_mid_way_is_resumed_by_the_sweep_from_its_cursor(dataset, django_capture_on_commit_callbacks):
    run = running.report_run_start(period="weekly", as_of=AS_OF, queue=False)
    compute = services.report_compute
    calls = []

    def database_lost_on_perks(*, kind, **kwargs):
        calls.append(kind)
        if kind == ReportKind.PERKS and calls.count(kind) == 1:
            raise OperationalError("server closed the connection unexpectedly")
        return compute(kind=kind, **kwargs)

    with mock.patch.object(services, "report_compute", side_effect=database_lost_on_perks):
        with pytest.raises(OperationalError):  # the worker gives up; its lease keeps the run until it runs out
            running.report_run_execute(run_id=run.pk)
        stopped = ReportRun.objects.get(pk=run.pk)
        # a step was made: the attempts count again from zero
        assert (stopped.status, stopped.cursor, stopped.attempts) == (Status.RUNNING, 1, 0)
        assert list(stopped.snapshots.values_list("kind", flat=True)) == ["value"]

        assert running.report_runs_sweep() == []  # the lease is live: nobody takes the run over
        _expire_lease(run)
        with django_capture_on_commit_callbacks(execute=True) as queued:  # eager: the queued run runs here
            assert running.report_runs_sweep() == [run.pk]
        assert len(queued) == 1

    done = ReportRun.objects.get(pk=run.pk)
    assert done.status == Status.DONE and done.cursor == 3
    assert calls == ["value", "perks", "perks", "trends"]  # the value report was not made again
    assert done.snapshots.count() == 3
    assert _run_figures(done) == _single_shot()


def test_a_live_lease_keeps_a_second_run_out(dataset):
    run = running.report_run_start(period="weekly", as_of=AS_OF, queue=False)
    held = running._lease_take(run_id=run.pk, token="other-worker")
    assert held is not None and held.leased_by == "other-worker"

    again = running.report_run_execute(run_id=run.pk)  # a redelivered message, or a second queued run

    assert again.leased_by == "other-worker" and again.cursor == 0 and again.attempts == 1
    assert not ReportSnapshot.objects.exists()
    assert running.report_runs_sweep() == []


def test_a_run_taken_over_writes_nothing_more(dataset):
    run = running.report_run_start(period="weekly", as_of=AS_OF, queue=False)
    running._lease_take(run_id=run.pk, token="slow-worker")
    _expire_lease(run)
    running._lease_take(run_id=run.pk, token="new-worker")
    computed = services.report_compute(kind="value", period="weekly", as_of=AS_OF)

    with pytest.raises(running._LeaseLost):
        running._step_write(run_id=run.pk, token="slow-worker", start=0, kind="value", computed=computed, started=0)

    assert not ReportSnapshot.objects.exists()
    assert ReportRun.objects.get(pk=run.pk).cursor == 0


def test_a_step_written_twice_is_refused(dataset):
    """A step whose cursor has moved on (it was written) cannot be written again."""
    run = running.report_run_start(period="weekly", as_of=AS_OF, queue=False, kinds=["value", "trends"])
    running._lease_take(run_id=run.pk, token="w")
    computed = services.report_compute(kind="value", period="weekly", as_of=AS_OF)
    running._step_write(run_id=run.pk, token="w", start=0, kind="value", computed=computed, started=0)
    with pytest.raises(running._LeaseLost):
        running._step_write(run_id=run.pk, token="w", start=0, kind="value", computed=computed, started=0)
    assert ReportSnapshot.objects.filter(run=run).count() == 1


def test_a_report_that_fails_is_given_up_the_others_are_made_and_the_run_fails_with_the_reason(dataset):
    run = running.report_run_start(period="weekly", as_of=AS_OF, queue=False)
    compute = services.report_compute

    def broken_perks(*, kind, **kwargs):
        if kind == ReportKind.PERKS:
            raise ValueError("division by zero in the perks figures")
        return compute(kind=kind, **kwargs)

    with mock.patch.object(services, "report_compute", side_effect=broken_perks):
        run = running.report_run_execute(run_id=run.pk)

    assert run.status == Status.FAILED and run.cursor == 3 and run.finished_at is not None
    assert sorted(run.snapshots.values_list("kind", flat=True)) == ["trends", "value"]
    assert "division by zero" in run.step_errors["perks"]
    assert run.message.startswith("Some reports could not be made.") and "Perk return" in run.message


def test_a_report_past_the_time_limit_is_given_up(dataset):
    from celery.exceptions import SoftTimeLimitExceeded

    run = running.report_run_start(period="weekly", as_of=AS_OF, queue=False, kinds=["value"])
    with mock.patch.object(services, "report_compute", side_effect=SoftTimeLimitExceeded()):
        run = running.report_run_execute(run_id=run.pk)
    assert run.status == Status.FAILED and run.step_errors == {"value": "It ran past the worker's time limit."}


def test_a_run_that_keeps_stopping_ends_failed_with_the_reason(dataset):
    run = running.report_run_start(period="weekly", as_of=AS_OF, queue=False)
    ReportRun.objects.filter(pk=run.pk).update(
        status=Status.RUNNING, attempts=running.MAX_ATTEMPTS, cursor=1, leased_by="dead", leased_until=timezone.now()
    )

    assert running.report_runs_sweep() == [run.pk]

    failed = ReportRun.objects.get(pk=run.pk)
    assert failed.status == Status.FAILED and failed.leased_by == ""
    assert failed.message.startswith(f"The run stopped {running.MAX_ATTEMPTS} times in a row")
    assert "after 1 of 3 reports" in failed.message
    assert running.report_runs_sweep() == []  # finished runs are left alone


def test_a_long_run_hands_on_to_a_fresh_task(dataset, django_capture_on_commit_callbacks):
    run = running.report_run_start(period="weekly", as_of=AS_OF, queue=False)
    with django_capture_on_commit_callbacks(execute=False) as queued:
        run = running.report_run_execute(run_id=run.pk, run_seconds=0)
    assert (run.status, run.cursor, run.leased_by, run.leased_until) == (Status.RUNNING, 1, "", None)
    assert run.queued_at is not None and len(queued) == 1
    for callback in queued:
        callback()  # the fresh task (eager) takes the run and finishes it
    assert ReportRun.objects.get(pk=run.pk).status == Status.DONE


def test_a_queued_run_lost_with_its_message_is_queued_again(dataset, django_capture_on_commit_callbacks):
    run = running.report_run_start(period="weekly", as_of=AS_OF, queue=False)  # as if its message was lost
    with django_capture_on_commit_callbacks(execute=False) as queued:
        assert running.report_runs_sweep() == [run.pk]
    assert len(queued) == 1
    with django_capture_on_commit_callbacks(execute=False):
        assert running.report_runs_sweep() == []  # queued just now: not again before REQUEUE_AFTER


def test_one_active_run_per_period_and_moment(dataset, administrator, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as queued:
        first = running.report_run_start(period="weekly", as_of=AS_OF, by=administrator)
        second = running.report_run_start(period="weekly", as_of=AS_OF, by=administrator)
        other = running.report_run_start(period="monthly", as_of=AS_OF, by=administrator)
    assert first.pk == second.pk != other.pk and len(queued) == 2
    assert first.created_by == administrator


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [({"period": "daily"}, "period"), ({"period": "weekly", "kinds": ["nonsense"]}, "kinds")],
)
def test_a_run_with_bad_input_is_refused(kwargs, field):
    with pytest.raises(ApplicationError) as exc:
        running.report_run_start(**kwargs)
    assert exc.value.field == field
    assert not ReportRun.objects.exists()


def test_the_periodic_task_runs_the_period_and_the_sweep_is_scheduled(dataset):
    from crm.registry import periodic_tasks
    from crm.reports import tasks

    ids = tasks.generate_monthly_reports.delay().get()
    run = ReportRun.objects.get()
    assert run.status == Status.DONE and run.period == "monthly"
    assert sorted(ids) == sorted(run.snapshots.values_list("pk", flat=True))
    assert periodic_tasks()["Reports: resume stopped report runs"] == ("crm.reports.run_sweep", {"minute": "*"})


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_lease_is_taken_with_skip_locked_never_waiting(dataset):
    """While one worker writes a step (the run's row locked), another asking for the lease goes on at once."""
    if connection.vendor != "postgresql":
        pytest.skip("SKIP LOCKED needs PostgreSQL")
    run = running.report_run_start(period="weekly", as_of=AS_OF, queue=False)
    locked, release = threading.Event(), threading.Event()

    def hold_the_row():
        try:
            with transaction.atomic():
                ReportRun.objects.select_for_update().get(pk=run.pk)
                locked.set()
                release.wait(timeout=30)
        finally:
            connection.close()

    holder = threading.Thread(target=hold_the_row)
    holder.start()
    try:
        assert locked.wait(timeout=10)
        started = timezone.now()
        assert running._lease_take(run_id=run.pk, token="second") is None
        assert running.report_runs_sweep() == []
        assert (timezone.now() - started).total_seconds() < 2
    finally:
        release.set()
        holder.join(timeout=10)
    assert ReportRun.objects.get(pk=run.pk).attempts == 0
