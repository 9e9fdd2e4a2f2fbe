"""Fault: the worker running a client import is killed with SIGKILL in the middle of it. The import resumes on
another worker and ends DONE with exactly the file's rows: none missing, none twice.

How the import guarantees it (clients/import_running.py): rows are written in chunks of CHUNK_SIZE, each
chunk one transaction that also moves the job's cursor (`processed`) and renews its lease. The kill lands
inside a chunk's transaction (the worker is slowed down per client, so it spends its time there): PostgreSQL
rolls that chunk back when the connection dies, and the cursor still points at its first row. The killed
task's message is not acknowledged, but Redis gives it back only after its visibility timeout (an hour), so
the resume comes from the every-minute sweep: once the dead run's lease has run out, the sweep queues a run,
which takes the lease and continues from the cursor."""

from collections import Counter

from django.utils import timezone

from clients import importing
from clients.import_running import CHUNK_SIZE, import_jobs_sweep
from clients.models import Client, ImportJob
from tests.faults import harness
from tests.faults.conftest import WORKERS_ON_REDIS

pytestmark = WORKERS_ON_REDIS

ROWS = 3000
LEASE_SECONDS = 3
PAUSE_PER_CLIENT = 0.002  # ~1 s of every 500-row chunk is spent inside its transaction


def _csv(n: int) -> bytes:
    lines = ["name,email,external_id"] + [f"Client {i},c{i}@example.com,EXT-{i}" for i in range(n)]
    return "\n".join(lines).encode()


def _job(pk: int) -> ImportJob:
    return ImportJob.objects.defer("rows", "errors").get(pk=pk)


def test_a_worker_killed_mid_import_is_resumed_with_exactly_the_files_rows(
    tmp_path, administrator, private_redis, processes
):
    job = importing.import_job_create(filename="clients.csv", content=_csv(ROWS), by=administrator)
    assert job.total == ROWS and not job.errors

    env = harness.worker_env(
        CELERY_BROKER_URL=private_redis.url, FAULTS_SETTINGS=f'{{"CLIENT_IMPORT_LEASE_SECONDS": {LEASE_SECONDS}}}'
    )
    first = processes(
        harness.celery_worker(
            env=env,
            queues="bulk",
            log_path=tmp_path / "worker-1.log",
            slow={"clients.services.client_create": PAUSE_PER_CLIENT},
        )
    )
    with harness.celery_publishing_to(private_redis.url):
        importing.import_job_confirm(job=job, skip_bad_rows=False, by=administrator)  # queued on commit
        harness.wait_for(
            lambda: _job(job.pk).processed >= CHUNK_SIZE,
            timeout=60,
            every=0.02,
            what="the first chunk to be committed",
            detail=first.log,
        )
        first.kill()  # SIGKILL inside the second chunk's transaction

        killed = _job(job.pk)
        assert killed.status == ImportJob.Status.RUNNING
        assert CHUNK_SIZE <= killed.processed < ROWS and killed.processed % CHUNK_SIZE == 0
        # what is committed is exactly what the cursor says: the chunk under way rolled back with the kill
        assert Client.objects.count() == killed.processed == killed.created_count

        # A redelivered or second run cannot take the job while the dead run's lease is live: the sweep waits.
        assert import_jobs_sweep() == []
        second = processes(harness.celery_worker(env=env, queues="bulk", log_path=tmp_path / "worker-2.log"))
        harness.wait_for(
            lambda: timezone.now() > killed.leased_until, timeout=LEASE_SECONDS + 5, what="the lease to run out"
        )
        assert import_jobs_sweep() == [job.pk]  # what beat does every minute
        harness.wait_for(
            lambda: _job(job.pk).is_finished,
            timeout=120,
            what="the import to finish",
            detail=lambda: f"{_job(job.pk).processed} of {ROWS} rows imported\n{second.log()}",
        )

    done = _job(job.pk)
    assert done.status == ImportJob.Status.DONE, (done.message, second.log())
    assert (done.processed, done.created_count, done.skipped_count) == (ROWS, ROWS, 0)
    emails = list(Client.objects.values_list("email", flat=True))
    assert len(emails) == ROWS
    assert Counter(emails) == {f"c{i}@example.com": 1 for i in range(ROWS)}
    assert set(Client.objects.values_list("external_id", flat=True)) == {f"EXT-{i}" for i in range(ROWS)}
    assert done.leased_by == "" and done.leased_until is None and done.finished_at is not None
