"""Report pages: the list of reports, one report's snapshot with charts, CSV download, generate now. The pages
and downloads only read snapshots: they read from the replica when one is configured."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from clients.surveys import selectors as survey_selectors
from crm.db import reads_from_replica
from crm.exceptions import ApplicationError
from crm.htmx import render_partial
from crm.roles import Role
from crm.views import role_required

from . import export, satisfaction, selectors, services
from .forms import GenerateForm, SatisfactionQueryForm, SnapshotQueryForm
from .models import ReportKind

PAGE_SIZE = 100
LATEST_ANSWERS = 20
ANY_ROLE = (Role.ADMINISTRATOR, Role.ACCOUNTANT, Role.SALES_MANAGER)


def _kind_or_404(request, kind: str) -> str:
    if kind not in ReportKind.values:
        raise Http404(gettext("No such report."))
    if not selectors.can_view(request.user, kind):
        raise PermissionDenied(gettext("Your role may not see this report."))
    return kind


def _snapshot(request, kind, form):
    """The snapshot asked for (id or date), or the newest; None when there is none yet."""
    data = form.cleaned_data if form.is_valid() else {}
    if data.get("snapshot"):
        snap = selectors.snapshot_get(kind=kind, pk=data["snapshot"])
        if snap is None:
            raise Http404(gettext("No such snapshot."))
        return snap
    return selectors.snapshot_latest(kind=kind, generated_on=data.get("generated"))


@role_required(*ANY_ROLE)
@reads_from_replica
def index(request):
    kinds = selectors.kinds_for(request.user)
    if not kinds:
        raise PermissionDenied(gettext("Your role may not see reports."))
    latest = selectors.latest_per_kind(kinds=kinds)
    reports = [{"kind": k, "label": ReportKind(k).label, "latest": latest.get(k)} for k in kinds]
    return render(
        request,
        "reports/index.html",
        {
            "reports": reports,
            "can_generate": selectors.can_generate(request.user),
            "form": GenerateForm(),
            "can_see_satisfaction": satisfaction.can_view(request.user),
        },
    )


def _chart(kind, snapshot, summary, rows) -> dict | None:
    if snapshot is None:
        return None
    if kind == ReportKind.VALUE and "segments" in summary:
        segs = summary["segments"]
        return {
            "type": "bar",
            "labels": [s["segment"] or "(no segment)" for s in segs],
            "datasets": [
                {"label": gettext("Net contribution"), "data": [s["net_contribution"] for s in segs]},
                {"label": gettext("Projected lifetime value"), "data": [s["projected_value"] for s in segs]},
            ],
        }
    if kind == ReportKind.VALUE:
        top = [r.data for r in rows[:10]]
        return {
            "type": "bar",
            "labels": [r["client"] for r in top],
            "datasets": [{"label": gettext("Projected lifetime value"), "data": [r["projected_value"] for r in top]}],
        }
    if kind == ReportKind.PERKS:
        data = [r.data for r in rows]
        return {
            "type": "bar",
            "labels": [r["label"] for r in data],
            "datasets": [
                {"label": gettext("Cost"), "data": [r["cost"] for r in data]},
                {"label": gettext("Extra margin"), "data": [r["extra_margin"] for r in data]},
            ],
        }
    return {"type": "line", **summary.get("series", {"labels": [], "datasets": []})}


@role_required(*ANY_ROLE)
@reads_from_replica
def report(request, kind: str):
    kind = _kind_or_404(request, kind)
    form = SnapshotQueryForm(request.GET)
    snapshot = _snapshot(request, kind, form)
    page = rows = attention = None
    summary, managers = {}, []
    if snapshot is not None:
        summary = selectors.summary_for(snapshot=snapshot, user=request.user)
        manager_id = form.cleaned_data.get("manager") if form.is_valid() else None
        qs = selectors.row_list(snapshot=snapshot, user=request.user, manager_id=manager_id)
        page = Paginator(qs, PAGE_SIZE).get_page(form.cleaned_data.get("page") if form.is_valid() else 1)
        rows = list(page.object_list)
        if kind == ReportKind.VALUE:
            attention = list(
                selectors.row_list(snapshot=snapshot, user=request.user, flagged_only=True, manager_id=manager_id)[:50]
            )
            managers = selectors.managers_in(snapshot=snapshot, user=request.user)
    context = {
        "kind": kind,
        "label": ReportKind(kind).label,
        "form": form,
        "snapshot": snapshot,
        "snapshots": selectors.snapshot_list(kind=kind)[:30],
        "summary": summary,
        "page": page,
        "rows": rows,
        "attention": attention,
        "managers": managers,
        "manager_id": form.cleaned_data.get("manager") if form.is_valid() else None,
        "chart": _chart(kind, snapshot, summary, rows or []),
        "can_generate": selectors.can_generate(request.user),
    }
    return render_partial(request, "reports/report.html", f"reports/_{kind}_rows.html", context)


@role_required(*ANY_ROLE)
@reads_from_replica
def report_csv(request, kind: str):
    kind = _kind_or_404(request, kind)
    form = SnapshotQueryForm(request.GET)
    snapshot = _snapshot(request, kind, form)
    if snapshot is None:
        raise Http404(gettext("No snapshot yet."))
    manager_id = form.cleaned_data.get("manager") if form.is_valid() else None
    rows = selectors.row_list(snapshot=snapshot, user=request.user, manager_id=manager_id)
    return export.csv_response(request, snapshot=snapshot, rows=rows)


RUNS_SHOWN = 50


@role_required(Role.ADMINISTRATOR)
def runs(request):
    """Report runs with their progress and, when one failed, the reason; the table polls while a run is
    queued or running. Read on the primary, where progress is current."""
    context = {
        "runs": list(selectors.run_list()[:RUNS_SHOWN]),
        "active": selectors.runs_active_exist(),
        "form": GenerateForm(),
    }
    return render_partial(request, "reports/runs.html", "reports/_runs_table.html", context)


@require_POST
@role_required(Role.ADMINISTRATOR)
def generate(request):
    """Start a report run (every report of the period, as of the start of today)."""
    form = GenerateForm(request.POST)
    if form.is_valid():
        try:
            run = services.reports_generation_queue(period=form.cleaned_data["period"], by=request.user)
        except ApplicationError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(
                request,
                _("Report run %(id)s started; the reports appear when it is done.") % {"id": run.pk},
            )
    else:
        messages.error(request, _("Choose weekly or monthly."))
    return redirect("reports:runs")


def _for_charts(data: dict) -> None:
    """The value lists the chart tags draw, beside the figures."""
    overall = data["overall"]
    overall["sat_series"] = [(_("Satisfaction"), [p["satisfaction"] for p in overall["series"]])]
    overall["nps_series"] = [(_("NPS"), [p["nps"] for p in overall["series"]])]
    overall["response_values"] = [p["responses"] for p in overall["series"]]
    for key in satisfaction.DIMENSIONS:
        for row in data.get(key, []):
            row["sat_values"] = [p["satisfaction"] for p in row["series"]]
            row["nps_values"] = [p["nps"] for p in row["series"]]


@role_required(*satisfaction.VIEWERS)
@reads_from_replica
def satisfaction_scores(request):
    """Satisfaction and NPS per month, overall and per manager, segment and product, with charts."""
    form = SatisfactionQueryForm(request.GET)
    months = form.cleaned_data["months"] if form.is_valid() else 12
    data = satisfaction.scores(user=request.user, months=months)
    _for_charts(data)
    labels = [m.strftime("%b %y") for m in data["months"]]
    context = {
        "form": form,
        "months": months,
        "month_choices": satisfaction.MONTH_CHOICES,
        "data": data,
        "labels": labels,
        "latest": survey_selectors.survey_latest_answers(user=request.user, limit=LATEST_ANSWERS),
        "breakdowns": [(key, satisfaction.DIMENSIONS[key][1], data[key]) for key in ("manager", "segment", "product")],
    }
    return render(request, "reports/satisfaction.html", context, status=200 if form.is_valid() else 400)
