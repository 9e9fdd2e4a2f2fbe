"""The aggregates behind the compliance and systematization pages: how often the response standards were
met (overall, by period, staff and team), each staff member's service score, the invoice issuing standard as
purchases measures it, and complaints pivoted by month.

Service score (per staff member, 0-100), shown on the compliance page:
    compliance   = met clocks / measurable clocks * 100, pooling first-response and resolution clocks of the
                   complaints assigned to them (a clock is measurable once it was answered or its due time
                   passed; it is met when answered by its due time).
    satisfaction = (average survey score - 1) / 4 * 100   (1 -> 0, 5 -> 100)
    score        = 0.6 * compliance + 0.4 * satisfaction; with only one of the two, that one; else none.
"""

from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Avg, Count, F, Q
from django.db.models.functions import TruncMonth
from django.utils import timezone

from crm.standards.selectors import service_targets
from purchases import selectors as purchase_selectors

from .models import Complaint, SatisfactionSurvey, Team

PERIODS = {"week": 7, "month": 30, "quarter": 91}
SCORE_WEIGHTS = (Decimal("0.6"), Decimal("0.4"))


# --- compliance ---------------------------------------------------------------------------------------


def _clock_aggregates(prefix: str = "") -> dict:
    """Count of measurable and met clocks (first response and resolution) as SQL aggregates."""
    now = timezone.now()
    p = prefix
    fr_measurable = Q(**{f"{p}first_responded_at__isnull": False}) | Q(**{f"{p}first_response_due__lt": now})
    fr_met = Q(**{f"{p}first_responded_at__lte": F(f"{p}first_response_due")})
    res_measurable = Q(**{f"{p}resolved_at__isnull": False}) | Q(**{f"{p}resolution_due__lt": now})
    res_met = Q(**{f"{p}resolved_at__lte": F(f"{p}resolution_due")})
    return {
        "fr_total": Count(f"{p}id", filter=fr_measurable),
        "fr_met": Count(f"{p}id", filter=fr_met),
        "res_total": Count(f"{p}id", filter=res_measurable),
        "res_met": Count(f"{p}id", filter=res_met),
    }


def _pct(met: int, total: int) -> Decimal | None:
    if not total:
        return None
    return (Decimal(met) * 100 / Decimal(total)).quantize(Decimal("0.1"), ROUND_HALF_UP)


def service_score(compliance: Decimal | None, avg_score: Decimal | None) -> Decimal | None:
    satisfaction = None if avg_score is None else (Decimal(str(avg_score)) - 1) / 4 * 100
    if compliance is None and satisfaction is None:
        return None
    if compliance is None:
        value = satisfaction
    elif satisfaction is None:
        value = compliance
    else:
        value = SCORE_WEIGHTS[0] * compliance + SCORE_WEIGHTS[1] * satisfaction
    return Decimal(value).quantize(Decimal("0.1"), ROUND_HALF_UP)


def _row(label, agg, avg=None) -> dict:
    fr = _pct(agg["fr_met"], agg["fr_total"])
    res = _pct(agg["res_met"], agg["res_total"])
    pooled = _pct(agg["fr_met"] + agg["res_met"], agg["fr_total"] + agg["res_total"])
    return {
        "label": label,
        "first_response": fr,
        "resolution": res,
        "fr_total": agg["fr_total"],
        "res_total": agg["res_total"],
        "compliance": pooled,
        "satisfaction": None if avg is None else Decimal(str(avg)).quantize(Decimal("0.01"), ROUND_HALF_UP),
        "score": service_score(pooled, avg),
    }


def compliance(*, period: str = "month") -> dict:
    """Per standard (first response time, resolution time): share met in the period, overall, by staff and
    by team, and each staff member's service score. Complaints counted by creation date."""
    days = PERIODS.get(period, 30)
    since = timezone.now() - timedelta(days=days)
    base = Complaint.objects.filter(created_at__gte=since)
    overall = _row("All", base.aggregate(**_clock_aggregates()))
    by_periods = {}
    for name, d in PERIODS.items():
        agg = Complaint.objects.filter(created_at__gte=timezone.now() - timedelta(days=d)).aggregate(
            **_clock_aggregates()
        )
        by_periods[name] = _row(name, agg)
    satisfaction = dict(
        SatisfactionSurvey.objects.filter(answered_at__gte=since, complaint__assigned_to__isnull=False)
        .values_list("complaint__assigned_to")
        .annotate(avg=Avg("score"))
        .order_by()
    )
    staff_rows = []
    for row in (
        base.filter(assigned_to__isnull=False)
        .values("assigned_to", "assigned_to__username", "assigned_to__first_name", "assigned_to__last_name")
        .annotate(**_clock_aggregates())
        .order_by("assigned_to__username")
    ):
        name = f"{row['assigned_to__first_name']} {row['assigned_to__last_name']}".strip()
        staff_rows.append(_row(name or row["assigned_to__username"], row, satisfaction.get(row["assigned_to"])))
    team_satisfaction = dict(
        SatisfactionSurvey.objects.filter(answered_at__gte=since, complaint__assigned_to__complaint_teams__isnull=False)
        .values_list("complaint__assigned_to__complaint_teams")
        .annotate(avg=Avg("score"))
        .order_by()
    )
    team_rows = []
    names = dict(Team.objects.values_list("pk", "name"))
    for row in (
        base.filter(assigned_to__complaint_teams__isnull=False)
        .values("assigned_to__complaint_teams")
        .annotate(**_clock_aggregates())
        .order_by("assigned_to__complaint_teams")
    ):
        team_id = row["assigned_to__complaint_teams"]
        team_rows.append(_row(names.get(team_id, "?"), row, team_satisfaction.get(team_id)))
    staff_rows.sort(key=lambda r: (r["score"] is None, -(r["score"] or 0)))
    invoices = {name: _invoice_compliance(timezone.now() - timedelta(days=d)) for name, d in PERIODS.items()}
    return {
        "period": period,
        "overall": overall,
        "periods": by_periods,
        "staff": staff_rows,
        "teams": team_rows,
        "invoices": invoices,
        "invoice_staff": _invoice_turnaround(since),
        "invoice_standard_hours": service_targets().invoice_issue_hours,
    }


def _invoice_turnaround(since) -> list[dict]:
    """The invoice issuing standard, as purchases measures it (per accountant)."""
    return list(purchase_selectors.invoice_turnaround(since=since))


def _invoice_compliance(since) -> dict:
    rows = _invoice_turnaround(since)
    issued = sum(r["issued"] for r in rows)
    if not issued:
        return {"pct": None, "total": 0}
    within = sum(Decimal(str(r["within_standard"])) * r["issued"] for r in rows) / issued
    return {"pct": within.quantize(Decimal("0.1"), ROUND_HALF_UP), "total": issued}


# --- systematization ----------------------------------------------------------------------------------


def systematization(*, months: int = 12) -> dict:
    since = timezone.now() - timedelta(days=31 * months)
    base = Complaint.objects.filter(created_at__gte=since)
    monthly = base.annotate(month=TruncMonth("created_at"))

    def pivot(field: str, label_field: str | None = None):
        rows = (
            monthly.values("month", field, *([label_field] if label_field else [])).annotate(n=Count("id")).order_by()
        )
        month_keys = sorted({r["month"] for r in rows if r["month"]})
        table: dict = {}
        for r in rows:
            label = r[label_field] if label_field else r[field]
            table.setdefault(label or "—", {})[r["month"]] = r["n"]
        return {
            "months": month_keys,
            "rows": [
                {"label": label, "cells": [cells.get(m, 0) for m in month_keys], "total": sum(cells.values())}
                for label, cells in sorted(table.items(), key=lambda kv: -sum(kv[1].values()))
            ],
        }

    kind_labels = dict(Complaint.Kind.choices)
    by_kind = pivot("kind")
    for row in by_kind["rows"]:
        row["label"] = kind_labels.get(row["label"], row["label"])
    root_labels = dict(Complaint.RootCause.choices)
    root_causes = [
        {"label": root_labels.get(r["root_cause"], r["root_cause"]), "n": r["n"]}
        for r in base.exclude(root_cause="").values("root_cause").annotate(n=Count("id")).order_by("-n")[:10]
    ]
    monthly_compliance = [
        {"month": r["month"], **_row("", r)}
        for r in monthly.values("month").annotate(**_clock_aggregates()).order_by("month")
    ]
    monthly_satisfaction = list(
        SatisfactionSurvey.objects.filter(answered_at__gte=since)
        .annotate(month=TruncMonth("answered_at"))
        .values("month")
        .annotate(avg=Avg("score"), n=Count("id"), nps_avg=Avg("recommendation"))
        .order_by("month")
    )
    return {
        "by_kind": by_kind,
        "by_category": pivot("category", "category__name"),
        "by_product": pivot("product", "product__name"),
        "by_segment": pivot("client__segment", "client__segment__name"),
        "root_causes": root_causes,
        "compliance": monthly_compliance,
        "satisfaction": monthly_satisfaction,
        "overall_satisfaction": SatisfactionSurvey.objects.filter(answered_at__gte=since).aggregate(
            avg=Avg("score"), n=Count("id")
        ),
    }
