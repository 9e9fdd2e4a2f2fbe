"""Snapshots: made by the scheduled tasks, frozen, kept by date."""

from datetime import timedelta

import pytest
from django.utils import timezone

from crm.exceptions import ApplicationError
from crm.registry import periodic_tasks
from crm.reports import services, tasks
from crm.reports.models import ReportKind, ReportRow, ReportRun, ReportSnapshot

from . import factories as f
from .conftest import AS_OF

pytestmark = pytest.mark.django_db


def test_weekly_task_stores_one_snapshot_per_report_with_rows(dataset):
    ids = tasks.generate_weekly_reports.delay().get()
    snaps = ReportSnapshot.objects.filter(pk__in=ids)
    assert sorted(s.kind for s in snaps) == sorted(ReportKind.values)
    value = snaps.get(kind="value")
    today = timezone.localdate()
    assert value.period == "weekly" and value.period_end.date() == today
    assert value.period_end - value.period_start == timedelta(days=7)
    assert value.row_count == 5 == value.rows.count()
    assert list(value.rows.values_list("position", flat=True)) == [1, 2, 3, 4, 5]
    assert {s["segment"] for s in value.summary["segments"]} == {"Print shops", "Retail"}
    assert "Projected lifetime value" in value.summary["formula"]
    assert snaps.get(kind="perks").row_count >= 1  # gestures of the last 365 days, per kind


def test_monthly_task_covers_thirty_days(dataset):
    ids = tasks.generate_monthly_reports.delay().get()
    trends = ReportSnapshot.objects.get(pk__in=ids, kind="trends")
    assert trends.period == "monthly" and trends.parameters["period_days"] == 30


def test_schedules_are_declared_for_beat():
    jobs = periodic_tasks()
    assert jobs["Weekly reports"][0] == "crm.reports.tasks.generate_weekly_reports"
    assert jobs["Monthly reports"][1]["day_of_month"] == "1"


def test_snapshot_is_frozen_when_the_ledger_moves_on(dataset, administrator):
    snap = services.report_snapshot_create(kind="value", period="weekly", as_of=AS_OF)
    f.sale(dataset["x"], f.at(2026, 5, 30), [(dataset["ink"], 10)], by=administrator)
    later = services.report_snapshot_create(kind="value", period="weekly", as_of=AS_OF + timedelta(days=1))
    x_then = ReportRow.objects.get(snapshot=snap, client_id=dataset["x"].pk).data
    x_now = ReportRow.objects.get(snapshot=later, client_id=dataset["x"].pk).data
    assert (x_then["revenue"], x_now["revenue"]) == ("140.00", "640.00")


def test_attention_rows_are_flagged_and_carry_their_manager(dataset, sales_manager):
    snap = services.report_snapshot_create(kind="value", period="weekly", as_of=AS_OF)
    flagged = snap.rows.filter(flagged=True, manager=sales_manager)
    assert sorted(r.data["client"] for r in flagged) == ["U", "Y"]


def test_unknown_report_or_period_is_refused():
    with pytest.raises(ApplicationError) as exc:
        services.report_snapshot_create(kind="nonsense", period="weekly")
    assert exc.value.field == "kind"
    with pytest.raises(ApplicationError):
        services.report_snapshot_create(kind="value", period="daily")
    assert not ReportSnapshot.objects.exists()


def test_generation_queue_runs_after_commit(django_capture_on_commit_callbacks, dataset):
    with django_capture_on_commit_callbacks(execute=True):
        services.reports_generation_queue(period="weekly")
    assert ReportSnapshot.objects.count() == 3


def test_demo_seed_generates_current_snapshots_once(dataset):
    import io

    from crm.reports import demo

    out = io.StringIO()
    demo.seed(rng=None, stdout=out)
    assert ReportSnapshot.objects.count() == 9  # 3 reports x (last week, this week, this month)
    assert list(ReportRun.objects.values_list("status", flat=True)) == ["done"] * 3  # shown on the runs page
    demo.seed(rng=None, stdout=out)
    assert ReportSnapshot.objects.count() == 9
    assert "already generated" in out.getvalue()


def test_rows_of_old_snapshots_are_pruned_but_the_summary_stays(dataset):
    old = services.report_snapshot_create(kind="value", period="weekly", as_of=AS_OF)
    ReportSnapshot.objects.filter(pk=old.pk).update(generated_at=timezone.now() - timedelta(days=401))
    fresh = services.report_snapshot_create(kind="value", period="weekly", as_of=AS_OF)
    assert services.report_rows_prune() == 5
    old.refresh_from_db()
    assert old.rows.count() == 0 and old.row_count == 5 and old.summary["segments"]
    assert fresh.rows.count() == 5


def test_one_failing_report_does_not_stop_the_others(dataset, monkeypatch):
    from crm.reports import perks

    def broken(*args, **kwargs):
        raise RuntimeError("perks broke")

    monkeypatch.setattr(perks, "rows", broken)
    with pytest.raises(RuntimeError):
        services.reports_generate(period="weekly", as_of=AS_OF)
    assert sorted(ReportSnapshot.objects.values_list("kind", flat=True)) == ["trends", "value"]
