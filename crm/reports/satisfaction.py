"""Satisfaction (1-5) and recommendation (NPS, -100..100) from the clients' survey answers, per month, overall
and per manager, segment and product. Computed in SQL (one grouped query per breakdown, plus one for the
totals); Python only names the rows and lays the months out.

NPS = 100 x (promoters - detractors) / answers, promoters scoring 9-10, detractors 0-6. A survey after a
purchase counts once for each product on the purchase. The manager and segment are the ones the survey was
sent under (who served the client, the client's segment then). Who sees what: administrators every answer;
sales managers the answers of the clients they manage; nobody else."""

from datetime import date, datetime

from django.contrib.auth import get_user_model
from django.db.models import Avg, Count, F, FloatField, Q, Value
from django.db.models.functions import Cast, NullIf, TruncMonth
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from clients.models import Segment
from clients.surveys.models import Survey
from crm.roles import Role, has_role, is_admin
from purchases.models import Product

VIEWERS = (Role.ADMINISTRATOR, Role.SALES_MANAGER)
PROMOTER_MIN, DETRACTOR_MAX = 9, 6
DIMENSIONS = {
    "manager": ("manager_id", _("Manager")),
    "segment": ("segment_id", _("Segment")),
    "product": ("products__product_id", _("Product")),
}
MONTH_CHOICES = (3, 6, 12, 24)


def can_view(user) -> bool:
    return has_role(user, *VIEWERS)


def month_starts(*, months: int, now: datetime | None = None) -> list[date]:
    """The first days of the last `months` months, the current one last (local time)."""
    today = timezone.localdate(now or timezone.now())
    year, month = today.year, today.month
    out = []
    for _i in range(months):
        out.append(date(year, month, 1))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return out[::-1]


def _answers(user, start: date):
    qs = Survey.objects.filter(
        status=Survey.Status.ANSWERED,
        answered_at__gte=timezone.make_aware(datetime(start.year, start.month, start.day)),
    )
    return qs if is_admin(user) else qs.filter(client__manager=user)


def _figures():
    answers = Count("id")
    promoters = Count("id", filter=Q(recommendation__gte=PROMOTER_MIN))
    detractors = Count("id", filter=Q(recommendation__lte=DETRACTOR_MAX))
    return {
        "responses": answers,
        "satisfaction": Avg("satisfaction"),
        # NULLIF: no answers gives no score (PostgreSQL raises on a division by zero, SQLite gives NULL)
        "nps": Cast(promoters - detractors, FloatField()) * 100.0 / NullIf(Cast(answers, FloatField()), Value(0.0)),
    }


def _month(value) -> date:
    return value.date() if isinstance(value, datetime) else value


def _clean(row: dict) -> dict:
    return {
        "responses": row["responses"],
        "satisfaction": None if row["satisfaction"] is None else round(float(row["satisfaction"]), 2),
        "nps": None if row["nps"] is None else round(float(row["nps"]), 1),
    }


def _labels(dimension: str, keys: set) -> dict:
    keys = {k for k in keys if k is not None}
    if dimension == "manager":
        users = get_user_model().objects.filter(pk__in=keys)
        return {u.pk: u.get_full_name() or u.username for u in users}
    if dimension == "segment":
        return dict(Segment.objects.filter(pk__in=keys).values_list("pk", "name"))
    return dict(Product.objects.filter(pk__in=keys).values_list("pk", "name"))


def _series(months: list[date], per_month: dict) -> list[dict]:
    return [{"month": m, **per_month.get(m, {"responses": 0, "satisfaction": None, "nps": None})} for m in months]


def scores(*, user, months: int = 12, now: datetime | None = None, dimensions=tuple(DIMENSIONS)) -> dict:
    """{"months": [...], "overall": {totals, "series": [...]}, "<dimension>": [{key, label, totals, series}]}"""
    starts = month_starts(months=months, now=now)
    base = _answers(user, starts[0]).annotate(month=TruncMonth("answered_at"))
    overall_rows = base.values("month").annotate(**_figures()).order_by("month")
    overall_total = _answers(user, starts[0]).aggregate(**_figures())
    result = {
        "months": starts,
        "overall": {
            **_clean(overall_total),
            "series": _series(starts, {_month(r["month"]): _clean(r) for r in overall_rows}),
        },
    }
    for dimension in dimensions:
        field, _title = DIMENSIONS[dimension]
        per_month = base.annotate(key=F(field))
        totals = _answers(user, starts[0]).annotate(key=F(field))
        if dimension == "product":  # a consultation is about no product
            per_month, totals = per_month.filter(key__isnull=False), totals.filter(key__isnull=False)
        per_month = per_month.values("key", "month").annotate(**_figures()).order_by()
        totals = totals.values("key").annotate(**_figures()).order_by()
        by_key: dict = {}
        for row in per_month:
            by_key.setdefault(row["key"], {})[_month(row["month"])] = _clean(row)
        labels = _labels(dimension, {r["key"] for r in totals})
        entries = [
            {
                "key": row["key"],
                "label": labels.get(row["key"], "") if row["key"] is not None else "",
                **_clean(row),
                "series": _series(starts, by_key.get(row["key"], {})),
            }
            for row in totals
        ]
        entries.sort(key=lambda e: (-e["responses"], e["label"]))
        result[dimension] = entries
    return result
