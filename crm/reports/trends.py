"""Trends: what the segments are starting to ask for, in SQL.

- Demand: net amount of purchase lines per segment and product category in the current period (the last
  7 days for a weekly report, the last 30 for a monthly one) against the average of the TREND_PREVIOUS_PERIODS
  periods before it (the period just before is shown too).
  change % = (current - previous average) / previous average x 100. A flag is raised when the current or
  previous volume reaches TREND_MIN_VOLUME and the change is at least TREND_THRESHOLD_PERCENT up ("rising")
  or down ("falling"), or when there was no demand before and the current one reaches the minimum ("new").
- Complaint and request topics (complaint kind x category; suggestions are the requests): rising when the
  current period has at least TOPIC_MIN_COUNT and at least TREND_THRESHOLD_PERCENT more than the average before.
- Interests named at first contact (Client.interests) that no active category with an active product serves,
  matched on the category's code or name, case-insensitively.
"""

from datetime import datetime, timedelta

from clients.models import Client, Segment
from complaints.models import Complaint, ComplaintCategory
from purchases.models import Category, Product, Purchase, PurchaseLine

from . import sql
from .conf import param

PERIOD_DAYS = {"weekly": 7, "monthly": 30}
SERIES_CATEGORIES = 8

COLUMNS = [
    "segment",
    "category",
    "current_demand",
    "last_period_demand",
    "previous_average",
    "change_percent",
    "current_quantity",
    "current_clients",
    "flag",
]


def parameters(period: str) -> dict:
    return {
        "period_days": PERIOD_DAYS[period],
        "previous_periods": param("TREND_PREVIOUS_PERIODS"),
        "threshold_percent": str(param("TREND_THRESHOLD_PERCENT")),
        "min_volume": str(param("TREND_MIN_VOLUME")),
        "topic_min_count": param("TOPIC_MIN_COUNT"),
    }


def _bounds(as_of: datetime, p: dict) -> list[datetime]:
    """Period starts, newest first: bounds[0] starts the current period, bounds[k] the k-th before it."""
    return [as_of - timedelta(days=p["period_days"] * (i + 1)) for i in range(p["previous_periods"] + 1)]


def _params(as_of: datetime, p: dict) -> dict:
    bounds = _bounds(as_of, p)
    params = {f"b{i}": sql.ts(b) for i, b in enumerate(bounds)}
    params.update(
        as_of=sql.ts(as_of),
        k=p["previous_periods"],
        # floats: SQLite would compare a text parameter as text
        threshold=float(p["threshold_percent"]),
        min_volume=float(p["min_volume"]),
        topic_min=p["topic_min_count"],
    )
    return params


def _period_index(column: str, p: dict) -> str:
    whens = " ".join(f"WHEN {column} >= %(b{i})s THEN {i}" for i in range(p["previous_periods"] + 1))
    return f"CASE {whens} END"


def _tables() -> dict:
    return {
        "line": PurchaseLine._meta.db_table,
        "purchase": Purchase._meta.db_table,
        "client": Client._meta.db_table,
        "product": Product._meta.db_table,
        "category": Category._meta.db_table,
        "segment": Segment._meta.db_table,
        "complaint": Complaint._meta.db_table,
        "topic": ComplaintCategory._meta.db_table,
    }


def demand_sql(p: dict) -> str:
    t = _tables()
    last = p["previous_periods"]
    return f"""
WITH g AS (
  -- grouped by ids only: the names are joined to the few groups afterwards, not to every line
  SELECT c.segment_id, pr.category_id,
    SUM(CASE WHEN pu.purchased_at >= %(b0)s THEN l.net_amount ELSE 0 END) AS current_demand,
    SUM(CASE WHEN pu.purchased_at < %(b0)s AND pu.purchased_at >= %(b1)s THEN l.net_amount ELSE 0 END)
      AS last_period_demand,
    SUM(CASE WHEN pu.purchased_at < %(b0)s THEN l.net_amount ELSE 0 END) * 1.0 / %(k)s AS previous_average,
    SUM(CASE WHEN pu.purchased_at >= %(b0)s THEN l.quantity ELSE 0 END) AS current_quantity,
    COUNT(DISTINCT CASE WHEN pu.purchased_at >= %(b0)s THEN c.id END) AS current_clients
  FROM {t["line"]} l
  JOIN {t["purchase"]} pu ON pu.id = l.purchase_id
  -- a merged-away client's entries count for the client it was merged into (merged_into is kept flat)
  JOIN {t["client"]} c0 ON c0.id = pu.client_id
  JOIN {t["client"]} c ON c.id = COALESCE(c0.merged_into_id, c0.id)
  JOIN {t["product"]} pr ON pr.id = l.product_id
  WHERE pu.purchased_at >= %(b{last})s AND pu.purchased_at < %(as_of)s
  GROUP BY c.segment_id, pr.category_id
),
d AS (
  SELECT g.segment_id, s.name AS segment, g.category_id, cat.name AS category, g.current_demand,
    g.last_period_demand, g.previous_average, g.current_quantity, g.current_clients
  FROM g
  JOIN {t["category"]} cat ON cat.id = g.category_id
  LEFT JOIN {t["segment"]} s ON s.id = g.segment_id
),
f AS (
  SELECT d.*,
    CASE WHEN previous_average > 0 THEN (current_demand - previous_average) * 100.0 / previous_average END
      AS change_percent,
    CASE
      WHEN previous_average <= 0 AND current_demand >= %(min_volume)s THEN 'new'
      WHEN previous_average > 0 AND (current_demand >= %(min_volume)s OR previous_average >= %(min_volume)s)
        AND (current_demand - previous_average) * 100 >= %(threshold)s * previous_average THEN 'rising'
      WHEN previous_average > 0 AND (current_demand >= %(min_volume)s OR previous_average >= %(min_volume)s)
        AND (previous_average - current_demand) * 100 >= %(threshold)s * previous_average THEN 'falling'
      ELSE '' END AS flag
  FROM d
)
SELECT * FROM f
ORDER BY CASE WHEN flag = '' THEN 1 ELSE 0 END, current_demand DESC, segment_id, category_id"""


def series_sql(p: dict) -> str:
    t = _tables()
    last = p["previous_periods"]
    idx = _period_index("pu.purchased_at", p)
    return f"""
SELECT cat.id AS category_id, cat.name AS category, {idx} AS period_index, SUM(l.net_amount) AS demand
FROM {t["line"]} l
JOIN {t["purchase"]} pu ON pu.id = l.purchase_id
JOIN {t["product"]} pr ON pr.id = l.product_id
JOIN {t["category"]} cat ON cat.id = pr.category_id
WHERE pu.purchased_at >= %(b{last})s AND pu.purchased_at < %(as_of)s
GROUP BY cat.id, cat.name, {idx}"""


def topics_sql(p: dict) -> str:
    t = _tables()
    last = p["previous_periods"]
    return f"""
WITH d AS (
  SELECT cm.kind, cm.category_id, COALESCE(tp.name, '(no category)') AS topic,
    SUM(CASE WHEN cm.created_at >= %(b0)s THEN 1 ELSE 0 END) AS current_count,
    SUM(CASE WHEN cm.created_at < %(b0)s THEN 1 ELSE 0 END) * 1.0 / %(k)s AS previous_average
  FROM {t["complaint"]} cm LEFT JOIN {t["topic"]} tp ON tp.id = cm.category_id
  WHERE cm.created_at >= %(b{last})s AND cm.created_at < %(as_of)s
  GROUP BY cm.kind, cm.category_id, tp.name
)
SELECT d.*,
  CASE WHEN current_count >= %(topic_min)s AND current_count * 100 >= (100 + %(threshold)s) * previous_average
    THEN 1 ELSE 0 END AS rising
FROM d
ORDER BY rising DESC, current_count DESC, topic"""


def interests_sql() -> str:
    t = _tables()
    if sql.is_postgres():
        items = (
            f"{t['client']} c CROSS JOIN LATERAL jsonb_array_elements_text("
            "CASE WHEN jsonb_typeof(c.interests) = 'array' THEN c.interests ELSE '[]'::jsonb END) AS j(value)"
        )
    else:
        items = (
            f"{t['client']} c, json_each(CASE WHEN json_type(c.interests) = 'array' THEN c.interests ELSE '[]' END) j"
        )
    return f"""
WITH i AS (
  SELECT LOWER(TRIM(j.value)) AS interest, c.id AS client_id, COALESCE(c.first_contact_at, c.created_at) AS since
  FROM {items}
  WHERE c.merged_into_id IS NULL AND COALESCE(c.first_contact_at, c.created_at) < %(as_of)s
)
SELECT i.interest, COUNT(DISTINCT i.client_id) AS clients,
  COUNT(DISTINCT CASE WHEN i.since >= %(b0)s THEN i.client_id END) AS clients_this_period,
  MAX(i.since) AS last_named_at
FROM i
WHERE i.interest <> '' AND NOT EXISTS (
  SELECT 1 FROM {t["category"]} cat
  WHERE cat.is_active AND (LOWER(cat.code) = i.interest OR LOWER(cat.name) = i.interest)
    AND EXISTS (SELECT 1 FROM {t["product"]} pr WHERE pr.category_id = cat.id AND pr.is_active)
)
GROUP BY i.interest
ORDER BY COUNT(DISTINCT i.client_id) DESC, i.interest"""


def _pct(value):
    return str(sql.ratio(value, "0.1")) if value is not None else None


def compute(as_of: datetime, p: dict) -> tuple[list[dict], dict]:
    params = _params(as_of, p)
    demand = [
        {
            "segment_id": r["segment_id"],
            "segment": r["segment"] or "(no segment)",
            "category_id": r["category_id"],
            "category": r["category"],
            "current_demand": str(sql.dec(r["current_demand"])),
            "last_period_demand": str(sql.dec(r["last_period_demand"])),
            "previous_average": str(sql.dec(r["previous_average"])),
            "change_percent": _pct(r["change_percent"]),
            "current_quantity": str(sql.ratio(r["current_quantity"] or 0, "0.001")),
            "current_clients": int(r["current_clients"] or 0),
            "flag": r["flag"],
        }
        for r in sql.fetch_dicts(demand_sql(p), params)
    ]
    series_rows = sql.fetch_dicts(series_sql(p), params)
    topics = [
        {
            "kind": r["kind"],
            "topic": r["topic"],
            "current_count": int(r["current_count"]),
            "previous_average": _pct(r["previous_average"]),
            "rising": bool(r["rising"]),
        }
        for r in sql.fetch_dicts(topics_sql(p), params)
    ]
    interests = [
        {
            "interest": r["interest"],
            "clients": int(r["clients"]),
            "clients_this_period": int(r["clients_this_period"]),
            "last_named_at": str(r["last_named_at"])[:10],
        }
        for r in sql.fetch_dicts(interests_sql(), params)
    ]
    summary = {
        "series": _series(series_rows, as_of, p),
        "topics": topics,
        "unserved_interests": interests,
        "flags": sum(1 for r in demand if r["flag"]),
    }
    return demand, summary


def _series(rows: list[dict], as_of: datetime, p: dict) -> dict:
    """Chart data: demand per period (oldest first) for the categories with the most demand overall. `rows`
    are already aggregated per category and period (a few dozen)."""
    n = p["previous_periods"] + 1
    totals: dict[int, dict] = {}
    for r in rows:
        entry = totals.setdefault(r["category_id"], {"label": r["category"], "values": [0.0] * n, "total": 0})
        value = sql.dec(r["demand"])
        entry["values"][n - 1 - int(r["period_index"])] = float(value)  # chart only; the table keeps Decimals
        entry["total"] += value
    top = sorted(totals.values(), key=lambda e: e["total"], reverse=True)[:SERIES_CATEGORIES]
    labels = [f"{(as_of - timedelta(days=p['period_days'] * (n - i))):%d %b}" for i in range(n)]
    return {"labels": labels, "datasets": [{"label": e["label"], "data": e["values"]} for e in top]}
