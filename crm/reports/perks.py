"""Perk return: does a goodwill gesture (apology discount, gift, free delivery, free next order, refund) pay for
itself? One SQL statement per report, a difference in differences against similar clients:

- for each gesture given in the PERK_LOOKBACK_DAYS before the report date: the client's net purchases in the
  W = PERK_WINDOW_DAYS before the gesture ("before") and in the W days after it ("after"; a window not yet over
  is scaled up to W days from the days that have passed). Its uplift = after - before;
- similar clients who got no gesture at all: same segment and same value band (net purchases in the window
  before, banded by PERK_VALUE_BANDS); their change = purchases in the last W days - the W days before. The
  gesture's expected change is the average change of its (segment, band) group (0 when the group is empty);
- extra revenue = uplift - expected change; extra margin = extra revenue x the company's gross margin ratio
  over the lookback period; net return = extra margin - cost of the gestures. An extra pays for itself when
  its net return is not negative.
"""

from datetime import datetime, timedelta
from decimal import Decimal

from clients.models import Client
from complaints.models import GoodwillGesture
from purchases.models import Purchase, PurchaseLine

from . import sql
from .conf import param

COLUMNS = [
    "kind",
    "label",
    "gestures",
    "clients",
    "cost",
    "purchases_before",
    "purchases_after",
    "uplift",
    "expected_change",
    "extra_revenue",
    "extra_margin",
    "net_return",
    "return_ratio",
    "pays_for_itself",
    "unmatched",
]


def parameters() -> dict:
    return {
        "window_days": param("PERK_WINDOW_DAYS"),
        "lookback_days": param("PERK_LOOKBACK_DAYS"),
        "value_bands": [str(b) for b in param("PERK_VALUE_BANDS")],
    }


def _band(expr: str, bands: list[str]) -> str:
    whens = " ".join(f"WHEN {expr} < {Decimal(b)} THEN {i}" for i, b in enumerate(bands))
    return f"CASE {whens} ELSE {len(bands)} END"


def _sql(p: dict) -> str:
    purchase, gesture, client = Purchase._meta.db_table, GoodwillGesture._meta.db_table, Client._meta.db_table
    w = p["window_days"]
    window_end = sql.least(sql.shift_days("g.given_at", w), "%(as_of)s")
    # A client's purchases are its lineage's: a merge leaves entries on the client merged away.
    lineage = f"SELECT lc.id FROM {client} lc WHERE lc.id = g.client_id OR lc.merged_into_id = g.client_id"
    return f"""
WITH gw AS (
  SELECT g.id, g.kind, g.client_id, g.cost, c.segment_id,
    (SELECT COALESCE(SUM(p.net_total), 0) FROM {purchase} p WHERE p.client_id IN ({lineage})
       AND p.purchased_at >= {sql.shift_days("g.given_at", -w)} AND p.purchased_at < g.given_at) AS before_sum,
    (SELECT COALESCE(SUM(p.net_total), 0) FROM {purchase} p WHERE p.client_id IN ({lineage})
       AND p.purchased_at >= g.given_at AND p.purchased_at < {window_end}) AS after_sum,
    {sql.days_between("g.given_at", window_end)} AS after_days
  FROM {gesture} g JOIN {client} c ON c.id = g.client_id
  WHERE g.given_at >= %(since)s AND g.given_at < %(as_of)s
),
gb AS (
  SELECT gw.*, {_band("before_sum", p["value_bands"])} AS band,
    after_sum * {w} * 1.0 / {sql.greatest("after_days", "1.0")} AS after_scaled
  FROM gw
),
ctl AS (
  SELECT c.id, c.segment_id,
    COALESCE(SUM(CASE WHEN p.purchased_at < %(ref)s THEN p.net_total END), 0) AS before_sum,
    COALESCE(SUM(CASE WHEN p.purchased_at >= %(ref)s THEN p.net_total END), 0) AS after_sum
  FROM {client} c
  LEFT JOIN {client} pc ON pc.id = c.id OR pc.merged_into_id = c.id
  LEFT JOIN {purchase} p ON p.client_id = pc.id AND p.purchased_at >= %(ref_start)s AND p.purchased_at < %(as_of)s
  WHERE c.merged_into_id IS NULL
    AND NOT EXISTS (SELECT 1 FROM {gesture} g2 WHERE g2.client_id = c.id AND g2.given_at < %(as_of)s)
  GROUP BY c.id, c.segment_id
),
cg AS (
  SELECT COALESCE(segment_id, 0) AS seg, {_band("before_sum", p["value_bands"])} AS band,
    AVG(after_sum - before_sum) AS change
  FROM ctl GROUP BY COALESCE(segment_id, 0), {_band("before_sum", p["value_bands"])}
)
SELECT gb.kind, COUNT(*) AS gestures, COUNT(DISTINCT gb.client_id) AS clients, SUM(gb.cost) AS cost,
  SUM(gb.before_sum) AS purchases_before, SUM(gb.after_scaled) AS purchases_after,
  SUM(gb.after_scaled - gb.before_sum) AS uplift,
  SUM(COALESCE(cg.change, 0)) AS expected_change,
  SUM(gb.after_scaled - gb.before_sum - COALESCE(cg.change, 0)) AS extra_revenue,
  SUM(CASE WHEN cg.change IS NULL THEN 1 ELSE 0 END) AS unmatched
FROM gb LEFT JOIN cg ON cg.seg = COALESCE(gb.segment_id, 0) AND cg.band = gb.band
GROUP BY gb.kind
ORDER BY gb.kind"""


def margin_ratio(start: datetime, end: datetime) -> Decimal:
    """Company gross margin / net revenue over [start, end), from the lines (one aggregate)."""
    line, purchase = PurchaseLine._meta.db_table, Purchase._meta.db_table
    rows = sql.fetch_dicts(
        f"""SELECT SUM(l.net_amount) AS revenue, SUM(l.net_amount - l.quantity * l.unit_cost) AS margin
        FROM {line} l JOIN {purchase} pu ON pu.id = l.purchase_id
        WHERE pu.purchased_at >= %(start)s AND pu.purchased_at < %(end)s""",
        {"start": sql.ts(start), "end": sql.ts(end)},
    )
    revenue, margin = sql.dec(rows[0]["revenue"]), sql.dec(rows[0]["margin"])
    return (margin / revenue).quantize(Decimal("0.0001")) if revenue > 0 else Decimal("0")


def rows(as_of: datetime, p: dict | None = None) -> tuple[list[dict], dict]:
    p = p or parameters()
    w = p["window_days"]
    since = as_of - timedelta(days=p["lookback_days"])
    params = {
        "as_of": sql.ts(as_of),
        "since": sql.ts(since),
        "ref": sql.ts(as_of - timedelta(days=w)),
        "ref_start": sql.ts(as_of - timedelta(days=2 * w)),
    }
    ratio = margin_ratio(since - timedelta(days=w), as_of)
    labels = dict(GoodwillGesture.GestureKind.choices)
    out = []
    # one row per gesture kind (at most five): the figures are aggregated; only the last step is arithmetic
    for row in sql.fetch_dicts(_sql(p), params):
        cost = sql.dec(row["cost"])
        extra_revenue = sql.dec(row["extra_revenue"])
        extra_margin = sql.dec(extra_revenue * ratio)
        net_return = extra_margin - cost
        out.append(
            {
                "kind": row["kind"],
                "label": str(labels.get(row["kind"], row["kind"])),
                "gestures": int(row["gestures"]),
                "clients": int(row["clients"]),
                "cost": str(cost),
                "purchases_before": str(sql.dec(row["purchases_before"])),
                "purchases_after": str(sql.dec(row["purchases_after"])),
                "uplift": str(sql.dec(row["uplift"])),
                "expected_change": str(sql.dec(row["expected_change"])),
                "extra_revenue": str(extra_revenue),
                "extra_margin": str(extra_margin),
                "net_return": str(net_return),
                "return_ratio": str((extra_margin / cost).quantize(Decimal("0.01"))) if cost > 0 else None,
                "pays_for_itself": net_return >= 0,
                "unmatched": int(row["unmatched"]),
            }
        )
    return out, {"margin_ratio": str(ratio)}
