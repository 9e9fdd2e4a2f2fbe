"""Resumable imports: chunks that move the cursor in their own transaction, a lease that keeps a job to one
run at a time, a sweep that resumes jobs whose worker died, and FAILED with a reason when a job cannot go on."""

import importlib
from datetime import timedelta

import pytest
from celery.exceptions import SoftTimeLimitExceeded
from django.apps import apps
from django.db import IntegrityError
from django.utils import timezone

from clients import import_running, importing, services, tasks
from clients.models import Client, ImportJob
from crm.celery import app as celery_app
from crm.registry import periodic_tasks

pytestmark = pytest.mark.django_db

ROWS = 5
CHUNK = 2  # 5 rows: chunks of rows 2-3, 4-5 and 6 (row 1 is the header)


class WorkerKilled(BaseException):
    """What a killed worker looks like from inside: nothing after it runs, no except Exception catches it."""


@pytest.fixture(autouse=True)
def small_chunks(monkeypatch):
    monkeypatch.setattr(import_running, "CHUNK_SIZE", CHUNK)


def _csv(n: int) -> bytes:
    lines = ["name,email,external_id"] + [f"Client {i},c{i}@example.com,EXT-{i}" for i in range(n)]
    return ("\n".join(lines) + "\n").encode()


@pytest.fixture
def job(sales_manager, django_capture_on_commit_callbacks):
    """A confirmed job whose queued run has not started (its message is still in the queue)."""
    job = importing.import_job_create(filename="c.csv", content=_csv(ROWS), by=sales_manager)
    with django_capture_on_commit_callbacks(execute=False):
        importing.import_job_confirm(job=job, skip_bad_rows=False, by=sales_manager)
    job.refresh_from_db()
    return job


def _fail_on_call(monkeypatch, number: int, exc: BaseException, *, every_time: bool = False):
    """client_create raises `exc` on its `number`-th call (and on every later one with every_time)."""
    real, calls = services.client_create, []

    def client_create(**kwargs):
        calls.append(kwargs["name"])
        if len(calls) == number or (every_time and len(calls) > number):
            raise exc
        return real(**kwargs)

    monkeypatch.setattr(services, "client_create", client_create)
    return calls


def _expire_lease(job: ImportJob) -> None:
    """Time passes: the lease of the run that died runs out."""
    ImportJob.objects.filter(pk=job.pk).update(leased_until=timezone.now() - timedelta(seconds=1))


def _imported_names() -> list[str]:
    return sorted(Client.objects.values_list("name", flat=True))


FILE_NAMES = sorted(f"Client {i}" for i in range(ROWS))


def test_run_writes_every_row_in_chunks_and_ends_done_with_the_lease_given_back(job):
    job = import_running.import_job_run(job_id=job.pk)
    assert (job.status, job.processed, job.created_count, job.skipped_count) == ("done", ROWS, ROWS, 0)
    assert (job.leased_by, job.leased_until, job.attempts) == ("", None, 0)
    assert job.message == "5 clients imported, 0 rows skipped."
    assert _imported_names() == FILE_NAMES


def test_worker_killed_in_the_second_chunk_is_resumed_by_the_sweep_with_every_row_once(
    job, monkeypatch, django_capture_on_commit_callbacks
):
    calls = _fail_on_call(monkeypatch, 4, WorkerKilled())  # the second row of the second chunk
    with pytest.raises(WorkerKilled):
        import_running.import_job_run(job_id=job.pk)
    job.refresh_from_db()
    # the first chunk and the cursor were committed together; nothing of the second chunk was kept
    assert (job.status, job.processed, job.created_count) == ("running", CHUNK, CHUNK)
    assert _imported_names() == ["Client 0", "Client 1"] and job.leased_by and job.attempts == 0

    # the sweep leaves it alone while the dead run's lease is live ...
    assert import_running.import_jobs_sweep() == []
    _expire_lease(job)
    # ... and queues a run once it has run out; that run takes the job over and resumes from the cursor
    with django_capture_on_commit_callbacks(execute=True):
        assert import_running.import_jobs_sweep() == [job.pk]
    job.refresh_from_db()
    assert (job.status, job.processed, job.created_count, job.skipped_count) == ("done", ROWS, ROWS, 0)
    assert _imported_names() == FILE_NAMES  # exactly the file's rows, none twice
    assert calls == ["Client 0", "Client 1", "Client 2", "Client 3", "Client 2", "Client 3", "Client 4"]


def test_redelivered_task_waits_for_a_live_lease_and_resumes_once_it_ran_out(job, monkeypatch):
    _fail_on_call(monkeypatch, 3, WorkerKilled())
    with pytest.raises(WorkerKilled):
        tasks.import_run(job_id=job.pk)
    dead_run = ImportJob.objects.get(pk=job.pk).leased_by
    monkeypatch.undo()
    monkeypatch.setattr(import_running, "CHUNK_SIZE", CHUNK)

    tasks.import_run(job_id=job.pk)  # late acknowledgement: the message comes back while the lease is live
    job.refresh_from_db()
    assert (job.status, job.processed, job.leased_by) == ("running", CHUNK, dead_run)
    assert Client.objects.count() == CHUNK

    _expire_lease(job)
    tasks.import_run(job_id=job.pk)
    job.refresh_from_db()
    assert (job.status, job.created_count) == ("done", ROWS) and _imported_names() == FILE_NAMES


def test_job_held_by_a_live_run_is_not_taken_over(job):
    live_until = timezone.now() + timedelta(minutes=1)
    ImportJob.objects.filter(pk=job.pk).update(status="running", leased_by="other:1/abc", leased_until=live_until)
    assert import_running.import_job_run(job_id=job.pk).status == "running"
    assert import_running.import_jobs_sweep() == []
    job.refresh_from_db()
    assert (job.leased_by, job.leased_until, job.processed) == ("other:1/abc", live_until, 0)
    assert not Client.objects.exists()


def test_run_that_lost_its_lease_writes_nothing_more(job, monkeypatch):
    real = import_running._chunk_write

    def chunk_write(**kwargs):
        real(**kwargs)
        # this run was too slow: its lease ran out and another run took the job over
        ImportJob.objects.filter(pk=job.pk).update(leased_by="other:2/def")

    monkeypatch.setattr(import_running, "_chunk_write", chunk_write)
    job = import_running.import_job_run(job_id=job.pk)
    assert (job.status, job.processed, job.leased_by) == ("running", CHUNK, "other:2/def")
    assert Client.objects.count() == CHUNK


def test_integrity_error_fails_the_job_with_the_row_and_keeps_no_half_chunk(job, monkeypatch):
    _fail_on_call(monkeypatch, 4, IntegrityError("UNIQUE constraint failed: clients_client.external_id"))
    job = import_running.import_job_run(job_id=job.pk)
    assert job.status == "failed" and job.finished_at and (job.leased_by, job.leased_until) == ("", None)
    assert job.message == (
        "Row 5 could not be saved: IntegrityError: UNIQUE constraint failed: clients_client.external_id."
    )
    # row 4 was written in the failed chunk and rolled back with it
    assert (job.processed, job.created_count) == (CHUNK, CHUNK) and _imported_names() == ["Client 0", "Client 1"]


def test_nul_character_in_a_job_checked_before_the_preview_refused_it_fails_the_job(job, monkeypatch):
    # Such a job holds the NUL in its stored rows (SQLite kept it; PostgreSQL cannot store one even in JSON),
    # so the run is handed the rows as that job would have them.
    take = import_running._lease_take

    def take_with_a_nul(**kwargs):
        taken = take(**kwargs)
        taken.rows[3]["data"]["address"] = "1 High St\x00"
        return taken

    monkeypatch.setattr(import_running, "_lease_take", take_with_a_nul)
    job = import_running.import_job_run(job_id=job.pk)
    assert job.status == "failed"
    assert job.message == "Row 5: the address contains a NUL character (\\x00), which cannot be stored."
    assert (job.processed, Client.objects.count()) == (CHUNK, CHUNK)


def test_soft_time_limit_fails_the_job_with_the_rows_it_was_writing(job, monkeypatch):
    _fail_on_call(monkeypatch, 4, SoftTimeLimitExceeded())
    job = import_running.import_job_run(job_id=job.pk)
    assert job.status == "failed"
    assert (
        job.message == "The import ran past the worker's time limit while writing rows 4–5; those rows were not kept."
    )
    assert (job.processed, Client.objects.count()) == (CHUNK, CHUNK)


def test_unexpected_error_fails_the_job_instead_of_leaving_it_running(job, monkeypatch):
    _fail_on_call(monkeypatch, 1, KeyError("segment"))
    job = import_running.import_job_run(job_id=job.pk)
    assert (
        job.status == "failed"
        and job.message == "An unexpected error stopped the import at rows 2–3: KeyError('segment')."
    )
    assert not Client.objects.exists()


def test_job_whose_runs_keep_dying_without_writing_fails_after_max_attempts(job, monkeypatch):
    _fail_on_call(monkeypatch, 1, WorkerKilled(), every_time=True)
    for attempt in range(1, import_running.MAX_ATTEMPTS + 1):
        with pytest.raises(WorkerKilled):
            import_running.import_job_run(job_id=job.pk)
        job.refresh_from_db()
        assert (job.status, job.attempts) == ("running", attempt)
        _expire_lease(job)
    assert import_running.import_jobs_sweep() == [job.pk]
    job.refresh_from_db()
    assert job.status == "failed" and (job.leased_by, job.leased_until) == ("", None)
    assert job.message == (
        "The import stopped 3 times in a row without getting any further (its worker was stopped or lost "
        "the database), after 0 of 5 rows; it is not tried again."
    )
    assert not Client.objects.exists()


def test_a_run_taking_a_job_past_max_attempts_fails_it_too(job):
    expired = timezone.now() - timedelta(seconds=1)
    ImportJob.objects.filter(pk=job.pk).update(
        status="running", leased_by="dead:1/x", leased_until=expired, attempts=import_running.MAX_ATTEMPTS
    )
    assert import_running.import_job_run(job_id=job.pk).status == "failed"
    assert not Client.objects.exists()


def test_runs_that_get_somewhere_do_not_count_towards_max_attempts(job, monkeypatch):
    # every run dies in its second chunk, but writes its first: more deaths than MAX_ATTEMPTS, and still done
    monkeypatch.setattr(import_running, "MAX_ATTEMPTS", 2)
    real, calls, deaths = services.client_create, [], []

    def client_create(**kwargs):
        calls.append(kwargs["name"])
        if len(calls) % (CHUNK + 1) == 0:
            raise WorkerKilled
        return real(**kwargs)

    monkeypatch.setattr(services, "client_create", client_create)
    for _ in range(10):
        if ImportJob.objects.get(pk=job.pk).status not in ("queued", "running"):
            break
        try:
            import_running.import_job_run(job_id=job.pk)
        except WorkerKilled:
            deaths.append(ImportJob.objects.get(pk=job.pk).attempts)
            _expire_lease(job)
    job.refresh_from_db()
    assert deaths == [0, 0] and (job.status, job.created_count) == ("done", ROWS)
    assert _imported_names() == FILE_NAMES


def test_long_run_hands_the_job_to_a_fresh_task_that_goes_on_from_the_cursor(job, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as queued:
        job = import_running.import_job_run(job_id=job.pk, run_seconds=0)
    assert (job.status, job.processed, job.leased_by, job.leased_until, len(queued)) == ("running", CHUNK, "", None, 1)
    assert import_running.import_jobs_sweep() == []  # its next run is queued: no second one
    with django_capture_on_commit_callbacks(execute=True):
        queued[0]()
    job.refresh_from_db()
    assert (job.status, job.created_count) == ("done", ROWS) and _imported_names() == FILE_NAMES


def test_sweep_queues_again_a_job_whose_queued_run_was_lost(job, django_capture_on_commit_callbacks):
    assert import_running.import_jobs_sweep() == []  # just queued: its message may still be waiting
    later = job.queued_at + import_running.REQUEUE_AFTER
    with django_capture_on_commit_callbacks(execute=True):
        assert import_running.import_jobs_sweep(now=later) == [job.pk]
    job.refresh_from_db()
    assert (job.status, job.created_count) == ("done", ROWS)


def test_sweep_is_scheduled_every_minute_on_the_default_queue_and_runs_go_to_the_bulk_queue():
    assert periodic_tasks()["Client imports: resume stopped imports"] == ("clients.import_sweep", {"minute": "*"})
    router = celery_app.amqp.router
    assert router.route({}, "clients.import_sweep")["queue"].name == "celery"
    assert router.route({}, "clients.import_run")["queue"].name == "bulk"


def test_sweep_task_resumes_a_job_whose_lease_ran_out(job, monkeypatch, django_capture_on_commit_callbacks):
    _fail_on_call(monkeypatch, 1, WorkerKilled())
    with pytest.raises(WorkerKilled):
        import_running.import_job_run(job_id=job.pk)
    _expire_lease(job)
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.import_sweep() == 1
    job.refresh_from_db()
    assert (job.status, job.created_count) == ("done", ROWS) and _imported_names() == FILE_NAMES


def test_migration_fails_imports_left_running_by_the_old_code(job):
    ImportJob.objects.filter(pk=job.pk).update(status="running")
    migration = importlib.import_module("clients.migrations.0005_import_job_lease")
    migration.fail_imports_left_running(apps, None)
    job.refresh_from_db()
    assert job.status == "failed" and "not resumed" in job.message


def test_lease_length_comes_from_settings_so_a_fault_test_can_shorten_it(job, settings, monkeypatch):
    settings.CLIENT_IMPORT_LEASE_SECONDS = 5
    _fail_on_call(monkeypatch, 1, WorkerKilled())
    with pytest.raises(WorkerKilled):
        import_running.import_job_run(job_id=job.pk)
    job.refresh_from_db()
    assert timedelta(seconds=3) < job.leased_until - timezone.now() <= timedelta(seconds=5)
