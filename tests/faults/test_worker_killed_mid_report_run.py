"""Fault: the worker making a report run is killed with SIGKILL between two of its reports. The run resumes on
another worker from where it stopped and ends DONE with the same figures a single uninterrupted run gives,
each report saved once.

How the run guarantees it (crm/reports/running.py): each report is a step whose snapshot is saved in the
transaction that moves the run's cursor; a snapshot points to its run once per kind. The worker is slowed
down before each report's computation, so the kill lands while it computes the second report, after the
first was saved. Once the dead worker's lease has run out, the every-minute sweep queues a run, which takes
the lease and continues from the cursor."""

from django.utils import timezone

from crm.reports import running, services
from crm.reports.models import ReportKind, ReportRun, ReportSnapshot
from tests.faults import harness
from tests.faults.conftest import WORKERS_ON_REDIS
from tests.reports.conftest import AS_OF, dataset  # noqa: F401 - the report figures' data set

pytestmark = WORKERS_ON_REDIS

LEASE_SECONDS = 3
PAUSE_PER_REPORT = 2.0


def _figures(snapshot: ReportSnapshot) -> tuple:
    rows = snapshot.rows.order_by("position").values_list("position", "manager_id", "client_id", "flagged", "data")
    return snapshot.kind, snapshot.period_end, snapshot.parameters, snapshot.summary, snapshot.row_count, list(rows)


def test_a_worker_killed_mid_run_is_resumed_with_the_same_figures(tmp_path, dataset, private_redis, processes):  # noqa: F811
    env = harness.worker_env(
        CELERY_BROKER_URL=private_redis.url, FAULTS_SETTINGS=f'{{"REPORT_RUN_LEASE_SECONDS": {LEASE_SECONDS}}}'
    )
    first = processes(
        harness.celery_worker(
            env=env,
            queues="bulk",
            log_path=tmp_path / "worker-1.log",
            slow={"crm.reports.services.report_compute": PAUSE_PER_REPORT},
        )
    )
    with harness.celery_publishing_to(private_redis.url):
        run = running.report_run_start(period="weekly", as_of=AS_OF)  # queued on commit
        harness.wait_for(
            lambda: ReportRun.objects.get(pk=run.pk).cursor >= 1,
            timeout=60,
            every=0.05,
            what="the first report to be saved",
            detail=first.log,
        )
        first.kill()  # SIGKILL while the second report is being computed

        killed = ReportRun.objects.get(pk=run.pk)
        assert (killed.status, killed.cursor) == (ReportRun.Status.RUNNING, 1)
        assert list(ReportSnapshot.objects.values_list("kind", flat=True)) == [ReportKind.VALUE]
        assert running.report_runs_sweep() == []  # the dead worker's lease is still live

        second = processes(harness.celery_worker(env=env, queues="bulk", log_path=tmp_path / "worker-2.log"))
        harness.wait_for(
            lambda: timezone.now() > killed.leased_until, timeout=LEASE_SECONDS + 5, what="the lease to run out"
        )
        assert running.report_runs_sweep() == [run.pk]  # what beat does every minute
        harness.wait_for(
            lambda: ReportRun.objects.get(pk=run.pk).is_finished,
            timeout=60,
            what="the run to finish",
            detail=second.log,
        )

    done = ReportRun.objects.get(pk=run.pk)
    assert done.status == ReportRun.Status.DONE, (done.message, done.step_errors)
    assert done.cursor == 3 and done.step_errors == {} and done.leased_by == ""
    saved = {s.kind: _figures(s) for s in done.snapshots.all()}
    assert sorted(saved) == sorted(ReportKind.values) and ReportSnapshot.objects.count() == 3
    # the same figures as one uninterrupted computation of each report
    for kind in ReportKind.values:
        single = services.report_snapshot_create(kind=kind, period="weekly", as_of=AS_OF)
        assert saved[kind] == _figures(single), kind
