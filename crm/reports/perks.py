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

Perks given without a complaint (purchases/perks.py) are measured beside the gestures, one row per perk kind
(source "perk"; the gesture rows have source "goodwill"): each recipient of a perk that started in the lookback
is an event at the perk's start (a segment perk: every client of the segment). Their cost is what the perks
cost up to the report date (once, per purchase or per period: purchases/perks.py). Similar clients are those
with no gesture and no perk.

Drop candidates (perks only, one SQL statement): over a horizon of H = PERK_DROP_HORIZON_DAYS after each
perk's start (perks whose horizon is not over yet are not judged), a recipient's net purchases are compared with
the average net purchases, over the same dates, of the similar clients of the same segment and the same
current discount tier (none of that segment and tier: of the same tier in any segment; none at all: the
recipient is unmatched). A perk kind is a drop candidate when its matched recipients bought on average no more
than their similar clients: it does not make its recipients buy more.
"""

from datetime import datetime, timedelta
from decimal import Decimal

from clients.models import Client
from complaints.models import GoodwillGesture
from crm.money import money
from purchases import selectors as purchase_selectors
from purchases.models import ClientAccount, Perk, PerkKind, Purchase, PurchaseLine
from purchases.perks import accrued_cost

from . import sql
from .conf import param

COLUMNS = [
    "source",
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
    "drop_horizon_days",
    "drop_measured",
    "drop_matched",
    "recipients_bought_avg",
    "similar_bought_avg",
    "drop_candidate",
]

PERK_PREFIX = "perk:"


def parameters() -> dict:
    return {
        "window_days": param("PERK_WINDOW_DAYS"),
        "lookback_days": param("PERK_LOOKBACK_DAYS"),
        "value_bands": [str(b) for b in param("PERK_VALUE_BANDS")],
        "drop_horizon_days": param("PERK_DROP_HORIZON_DAYS"),
    }


def _band(expr: str, bands: list[str]) -> str:
    whens = " ".join(f"WHEN {expr} < {Decimal(b)} THEN {i}" for i, b in enumerate(bands))
    return f"CASE {whens} ELSE {len(bands)} END"


def _perk_events() -> str:
    """(id, kind, client_id, cost, given_at) of every perk recipient: a client perk's client, every current
    client of a segment perk's segment; at the perk's start, cost 0 (perk costs accrue, see rows())."""
    perk, kind, client = Perk._meta.db_table, PerkKind._meta.db_table, Client._meta.db_table
    return f"""
    SELECT pk.id, '{PERK_PREFIX}' || k.code AS kind, pk.client_id AS client_id, 0 AS cost, pk.starts_at AS given_at
    FROM {perk} pk JOIN {kind} k ON k.id = pk.kind_id WHERE pk.client_id IS NOT NULL
    UNION ALL
    SELECT pk.id, '{PERK_PREFIX}' || k.code, sc.id, 0, pk.starts_at
    FROM {perk} pk JOIN {kind} k ON k.id = pk.kind_id
    JOIN {client} sc ON sc.segment_id = pk.segment_id AND sc.merged_into_id IS NULL
    WHERE pk.segment_id IS NOT NULL"""


def _events() -> str:
    gesture = GoodwillGesture._meta.db_table
    return f"""(SELECT ge.id, ge.kind, ge.client_id, ge.cost, ge.given_at FROM {gesture} ge
    UNION ALL {_perk_events()})"""


def _no_extra(alias: str) -> str:
    """SQL: the client `alias` got no gesture and no perk before the report date (a similar client)."""
    gesture, perk = GoodwillGesture._meta.db_table, Perk._meta.db_table
    return f"""NOT EXISTS (SELECT 1 FROM {gesture} g2 WHERE g2.client_id = {alias}.id AND g2.given_at < %(as_of)s)
    AND NOT EXISTS (SELECT 1 FROM {perk} p2 WHERE p2.starts_at < %(as_of)s
      AND (p2.client_id = {alias}.id OR p2.segment_id = {alias}.segment_id))"""


def _sql(p: dict) -> str:
    purchase, client = Purchase._meta.db_table, Client._meta.db_table
    gesture = _events()
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
    AND {_no_extra("c")}
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


def _drop_sql(p: dict) -> str:
    """Per perk kind: recipients measured over the horizon, those matched with similar clients, the matched
    recipients' average net purchases over the horizon, their similar clients' average over the same dates,
    and the verdict (1: drop candidate)."""
    purchase, client, account = Purchase._meta.db_table, Client._meta.db_table, ClientAccount._meta.db_table
    h = int(p["drop_horizon_days"])
    return f"""
WITH rcp AS (
  SELECT e.kind, e.client_id, e.given_at, COALESCE(c.segment_id, 0) AS seg, COALESCE(a.tier_id, 0) AS tier
  FROM ({_perk_events()}) e JOIN {client} c ON c.id = e.client_id
  LEFT JOIN {account} a ON a.client_id = c.id
  WHERE e.given_at >= %(since)s AND e.given_at <= %(horizon_cut)s
),
rb AS (
  SELECT r.*,
    (SELECT COALESCE(SUM(p.net_total), 0) FROM {purchase} p JOIN {client} pc ON pc.id = p.client_id
     WHERE (pc.id = r.client_id OR pc.merged_into_id = r.client_id)
       AND p.purchased_at >= r.given_at AND p.purchased_at < {sql.shift_days("r.given_at", h)}) AS bought
  FROM rcp r
),
starts AS (SELECT DISTINCT given_at FROM rcp),
ctl AS (
  SELECT c.id, COALESCE(c.segment_id, 0) AS seg, COALESCE(a.tier_id, 0) AS tier
  FROM {client} c LEFT JOIN {account} a ON a.client_id = c.id
  WHERE c.merged_into_id IS NULL AND {_no_extra("c")}
),
n_st AS (SELECT seg, tier, COUNT(*) AS n FROM ctl GROUP BY seg, tier),
n_t AS (SELECT tier, COUNT(*) AS n FROM ctl GROUP BY tier),
buy AS (
  SELECT s.given_at, ctl.seg, ctl.tier, SUM(p.net_total) AS total
  FROM starts s
  JOIN {purchase} p ON p.purchased_at >= s.given_at AND p.purchased_at < {sql.shift_days("s.given_at", h)}
  JOIN {client} pc ON pc.id = p.client_id
  JOIN ctl ON ctl.id = COALESCE(pc.merged_into_id, pc.id)
  GROUP BY s.given_at, ctl.seg, ctl.tier
),
buy_t AS (SELECT given_at, tier, SUM(total) AS total FROM buy GROUP BY given_at, tier),
rs AS (
  SELECT rb.kind, rb.bought,
    CASE WHEN n_st.n IS NOT NULL THEN {sql.as_float("COALESCE(b.total, 0)")} / n_st.n
         WHEN n_t.n IS NOT NULL THEN {sql.as_float("COALESCE(bt.total, 0)")} / n_t.n END AS peer
  FROM rb
  LEFT JOIN n_st ON n_st.seg = rb.seg AND n_st.tier = rb.tier
  LEFT JOIN buy b ON b.given_at = rb.given_at AND b.seg = rb.seg AND b.tier = rb.tier
  LEFT JOIN n_t ON n_t.tier = rb.tier
  LEFT JOIN buy_t bt ON bt.given_at = rb.given_at AND bt.tier = rb.tier
),
agg AS (
  SELECT kind, COUNT(*) AS measured, COUNT(peer) AS matched,
    AVG(CASE WHEN peer IS NOT NULL THEN {sql.as_float("bought")} END) AS recipients_avg,
    AVG(peer) AS similar_avg
  FROM rs GROUP BY kind
)
SELECT kind, measured, matched, recipients_avg, similar_avg,
  CASE WHEN matched > 0 AND recipients_avg <= similar_avg THEN 1 ELSE 0 END AS drop_candidate
FROM agg"""


def _perk_costs(as_of: datetime, since: datetime) -> dict[str, dict]:
    """{"perk:<code>": {label, perks, cost}} of the perks started in [since, as_of): what they cost up to the
    report date (purchases/perks.py), one query."""
    out: dict[str, dict] = {}
    perks = purchase_selectors.perk_list(as_of=as_of).filter(starts_at__gte=since, starts_at__lt=as_of)
    for perk in perks:
        entry = out.setdefault(
            PERK_PREFIX + perk.kind.code, {"label": perk.kind.name, "perks": 0, "cost": Decimal("0")}
        )
        entry["perks"] += 1
        entry["cost"] += accrued_cost(perk, as_of)
    return out


def _figures(row: dict, cost: Decimal, ratio: Decimal) -> dict:
    extra_revenue = sql.dec(row.get("extra_revenue"))
    extra_margin = sql.dec(extra_revenue * ratio)
    net_return = extra_margin - cost
    return {
        "gestures": int(row.get("gestures") or 0),
        "clients": int(row.get("clients") or 0),
        "cost": str(cost),
        "purchases_before": str(sql.dec(row.get("purchases_before"))),
        "purchases_after": str(sql.dec(row.get("purchases_after"))),
        "uplift": str(sql.dec(row.get("uplift"))),
        "expected_change": str(sql.dec(row.get("expected_change"))),
        "extra_revenue": str(extra_revenue),
        "extra_margin": str(extra_margin),
        "net_return": str(net_return),
        "return_ratio": str((extra_margin / cost).quantize(Decimal("0.01"))) if cost > 0 else None,
        "pays_for_itself": net_return >= 0,
        "unmatched": int(row.get("unmatched") or 0),
    }


def rows(as_of: datetime, p: dict | None = None) -> tuple[list[dict], dict]:
    p = {**parameters(), **(p or {})}
    w, h = p["window_days"], p["drop_horizon_days"]
    since = as_of - timedelta(days=p["lookback_days"])
    params = {
        "as_of": sql.ts(as_of),
        "since": sql.ts(since),
        "ref": sql.ts(as_of - timedelta(days=w)),
        "ref_start": sql.ts(as_of - timedelta(days=2 * w)),
        "horizon_cut": sql.ts(as_of - timedelta(days=h)),
    }
    ratio = margin_ratio(since - timedelta(days=w), as_of)
    labels = dict(GoodwillGesture.GestureKind.choices)
    figures = {row["kind"]: row for row in sql.fetch_dicts(_sql(p), params)}
    drops = {row["kind"]: row for row in sql.fetch_dicts(_drop_sql(p), params)}
    perk_costs = _perk_costs(as_of, since)
    out = []
    # one row per gesture kind (at most five) and per perk kind: the figures are aggregated in SQL; only the
    # last step is arithmetic
    for kind in sorted(k for k in figures if not k.startswith(PERK_PREFIX)):
        row = figures[kind]
        out.append(
            {
                "source": "goodwill",
                "kind": kind,
                "label": str(labels.get(kind, kind)),
                **_figures(row, sql.dec(row["cost"]), ratio),
                "drop_horizon_days": None,
                "drop_measured": None,
                "drop_matched": None,
                "recipients_bought_avg": None,
                "similar_bought_avg": None,
                "drop_candidate": None,
            }
        )
    for kind in sorted(set(perk_costs) | {k for k in figures if k.startswith(PERK_PREFIX)}):
        spent = perk_costs.get(kind, {"label": kind[len(PERK_PREFIX) :], "perks": 0, "cost": Decimal("0")})
        drop = drops.get(kind, {})
        measured = int(drop.get("measured") or 0)
        row = {
            "source": "perk",
            "kind": kind,
            "label": spent["label"],
            **_figures(figures.get(kind, {}), money(spent["cost"]), ratio),
            "drop_horizon_days": h,
            "drop_measured": measured,
            "drop_matched": int(drop.get("matched") or 0),
            "recipients_bought_avg": str(sql.dec(drop["recipients_avg"]))
            if drop.get("recipients_avg") is not None
            else None,
            "similar_bought_avg": str(sql.dec(drop["similar_avg"])) if drop.get("similar_avg") is not None else None,
            "drop_candidate": bool(drop.get("drop_candidate")) if measured else None,
        }
        row["gestures"] = spent["perks"]  # perks given (a segment perk is one), not recipients
        out.append(row)
    return out, {"margin_ratio": str(ratio), "drop_candidates": [r["label"] for r in out if r["drop_candidate"]]}
