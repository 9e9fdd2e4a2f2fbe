"""Long-term value per client and per segment, as of a moment (`as_of`), in two SQL statements.

Per client, from the ledger and the complaints desk (everything dated before `as_of`):

- tenure: days since first contact (or since the client was created when that is empty); tenure in months
  is days / 30.4375, at least 1;
- purchases: number of sales; revenue: sum of net totals of every ledger entry (returns and corrections
  are negative entries); discounts given: sum of the entries' discount amounts;
- gross margin = revenue - cost of goods, cost = sum(line quantity x unit cost snapshot);
- cost to serve = goodwill gestures (GoodwillGesture.cost) + complaint handling (Complaint.handling_cost);
- net contribution = gross margin - cost to serve;
- average order value = revenue / purchases; purchase frequency = purchases / tenure months;
- retained: bought at least once in the last RETENTION_WINDOW_DAYS (W). Segment retention rate r = of the
  clients who bought in the window before that one, the share who bought again in the last window.

Projected lifetime value (documented formula, also shown on the page):

    monthly contribution      m = net contribution / tenure months
    expected remaining months L = W/30.4375 x r / (1 - r)  (a geometric lifetime: each window a client stays
                                   with probability r), capped at MAX_LIFETIME_MONTHS; 0 for a client not
                                   retained, or whose segment has no previous-window cohort
    projected lifetime value    = net contribution + max(m, 0) x L

Worth more attention (per manager): a client not marked lost whose projected value is positive and at least
the average of their segment, AND who either buys less often (fewer sales in the last FREQUENCY_WINDOW_DAYS
than in the same span before) or has had no contact (no interaction, no purchase) for
ATTENTION_NO_CONTACT_DAYS. Ranking: by projected value, overall (position) and within each manager.
"""

from datetime import datetime, timedelta

from django.contrib.auth import get_user_model
from django.db import connection

from clients.models import Client, Interaction, Segment
from complaints.models import Complaint, GoodwillGesture
from purchases.models import Purchase, PurchaseLine

from . import sql
from .conf import param

DAYS_PER_MONTH = 30.4375

FORMULA = (
    "Projected lifetime value = net contribution to date + max(monthly net contribution, 0) x expected remaining "
    "months. Monthly net contribution = (revenue - cost of goods - goodwill - complaint handling) / tenure in "
    "months. Expected remaining months = W x r / (1 - r), capped at {cap} months, where W is the retention "
    "window ({window} days) in months and r the segment's retention rate (share of the clients who bought in "
    "the previous window who bought again in the last one); 0 for a client who did not buy in the last window."
)
ATTENTION = (
    "Worth more attention: not lost, projected value above zero and at least the segment average, and either "
    "fewer sales in the last {freq} days than in the {freq} days before, or no contact or purchase for {nc} days."
)

CLIENT_COLUMNS = [
    "position",
    "client_id",
    "client",
    "segment",
    "manager",
    "status",
    "tenure_days",
    "purchases",
    "revenue",
    "cost",
    "gross_margin",
    "discounts",
    "goodwill",
    "complaint_handling",
    "cost_to_serve",
    "net_contribution",
    "average_order_value",
    "purchases_per_month",
    "retained",
    "retention_rate",
    "expected_remaining_months",
    "projected_value",
    "manager_rank",
    "recent_sales",
    "prior_sales",
    "last_touch_at",
    "falling_frequency",
    "no_recent_contact",
    "attention",
]
MONEY_COLUMNS = {
    "revenue",
    "cost",
    "gross_margin",
    "discounts",
    "goodwill",
    "complaint_handling",
    "cost_to_serve",
    "net_contribution",
    "average_order_value",
    "projected_value",
    "average_projected_value",
}
SEGMENT_COLUMNS = [
    "segment",
    "clients",
    "purchases",
    "revenue",
    "gross_margin",
    "discounts",
    "cost_to_serve",
    "net_contribution",
    "average_order_value",
    "purchases_per_month",
    "retention_rate",
    "average_projected_value",
    "projected_value",
    "attention_clients",
]


def parameters() -> dict:
    return {
        "retention_window_days": param("RETENTION_WINDOW_DAYS"),
        "max_lifetime_months": param("MAX_LIFETIME_MONTHS"),
        "frequency_window_days": param("FREQUENCY_WINDOW_DAYS"),
        "attention_no_contact_days": param("ATTENTION_NO_CONTACT_DAYS"),
    }


def _params(as_of: datetime, p: dict) -> dict:
    window_months = p["retention_window_days"] / DAYS_PER_MONTH
    cap = p["max_lifetime_months"]
    return {
        "as_of": sql.ts(as_of),
        "freq_start": sql.ts(as_of - timedelta(days=p["frequency_window_days"])),
        "freq_prev_start": sql.ts(as_of - timedelta(days=2 * p["frequency_window_days"])),
        "ret_start": sql.ts(as_of - timedelta(days=p["retention_window_days"])),
        "ret_prev_start": sql.ts(as_of - timedelta(days=2 * p["retention_window_days"])),
        "touch_limit": sql.ts(as_of - timedelta(days=p["attention_no_contact_days"])),
        "window_months": window_months,
        "cap_months": cap,
        # retention rate from which the geometric lifetime reaches the cap (avoids dividing by 1 - 1)
        "cap_rate": cap / (cap + window_months),
    }


def _ctes(*, wide: bool = True) -> str:
    """The CTE chain ending in `r`, one row per client. `wide` keeps every client column (the per-client
    report); without it `r` holds only what the per-segment figures need. The per-client figures are
    computed once, in `base`, which is materialized: read twice (the segment retention, then the projected
    values), its arithmetic would otherwise be inlined and recomputed in every expression using it."""
    t = {
        "purchase": Purchase._meta.db_table,
        "line": PurchaseLine._meta.db_table,
        "gesture": GoodwillGesture._meta.db_table,
        "complaint": Complaint._meta.db_table,
        "interaction": Interaction._meta.db_table,
        "client": Client._meta.db_table,
    }
    tenure_days = sql.days_between("COALESCE(c.first_contact_at, c.created_at)", "%(as_of)s")
    revenue, cost = "COALESCE(p.revenue, 0)", "COALESCE(lc.cost, 0)"
    goodwill, handling = "COALESCE(gw.goodwill, 0)", "COALESCE(cp.handling, 0)"
    last_touch = sql.greatest(
        "COALESCE(ia.last_contact_at, p.last_sale_at)", "COALESCE(p.last_sale_at, ia.last_contact_at)"
    )
    falling = "COALESCE(p.recent_sales, 0) < COALESCE(p.prior_sales, 0)"
    no_contact = f"({last_touch} IS NULL OR {last_touch} < %(touch_limit)s)"
    client_columns = f"""c.name AS client, c.status, c.manager_id, {tenure_days} AS tenure_days,
    {cost} AS cost, {goodwill} AS goodwill, {handling} AS complaint_handling,
    COALESCE(p.recent_sales, 0) AS recent_sales, COALESCE(p.prior_sales, 0) AS prior_sales,
    {last_touch} AS last_touch_at,
    CASE WHEN {falling} THEN 1 ELSE 0 END AS falling_frequency,
    CASE WHEN {no_contact} THEN 1 ELSE 0 END AS no_recent_contact,"""
    return f"""
WITH p AS (
  -- a client's ledger is its lineage's: a merge leaves entries on the loser, COALESCE(merged_into_id, id) is
  -- the client they count for (merged_into is kept flat)
  SELECT COALESCE(pc.merged_into_id, pu.client_id) AS client_id,
    SUM(CASE WHEN pu.kind = 'sale' THEN 1 ELSE 0 END) AS sales,
    SUM(pu.net_total) AS revenue,
    SUM(pu.discount_amount) AS discounts,
    MAX(CASE WHEN pu.kind = 'sale' THEN pu.purchased_at END) AS last_sale_at,
    SUM(CASE WHEN pu.kind = 'sale' AND pu.purchased_at >= %(freq_start)s THEN 1 ELSE 0 END) AS recent_sales,
    SUM(CASE WHEN pu.kind = 'sale' AND pu.purchased_at >= %(freq_prev_start)s AND pu.purchased_at < %(freq_start)s
        THEN 1 ELSE 0 END) AS prior_sales,
    SUM(CASE WHEN pu.kind = 'sale' AND pu.purchased_at >= %(ret_start)s THEN 1 ELSE 0 END) AS window_sales,
    SUM(CASE WHEN pu.kind = 'sale' AND pu.purchased_at >= %(ret_prev_start)s AND pu.purchased_at < %(ret_start)s
        THEN 1 ELSE 0 END) AS prev_window_sales
  FROM {t["purchase"]} pu JOIN {t["client"]} pc ON pc.id = pu.client_id
  WHERE pu.purchased_at < %(as_of)s GROUP BY COALESCE(pc.merged_into_id, pu.client_id)
),
lc AS (
  SELECT COALESCE(pc.merged_into_id, pu.client_id) AS client_id, SUM(l.quantity * l.unit_cost) AS cost
  FROM {t["line"]} l JOIN {t["purchase"]} pu ON pu.id = l.purchase_id JOIN {t["client"]} pc ON pc.id = pu.client_id
  WHERE pu.purchased_at < %(as_of)s GROUP BY COALESCE(pc.merged_into_id, pu.client_id)
),
gw AS (SELECT client_id, SUM(cost) AS goodwill FROM {t["gesture"]} WHERE given_at < %(as_of)s GROUP BY client_id),
cp AS (
  SELECT client_id, SUM(handling_cost) AS handling FROM {t["complaint"]}
  WHERE created_at < %(as_of)s GROUP BY client_id
),
ia AS (
  -- the segment figures only ask whether the last contact is recent: only recent contacts are read
  SELECT client_id, MAX(occurred_at) AS last_contact_at FROM {t["interaction"]}
  WHERE occurred_at < %(as_of)s {"" if wide else "AND occurred_at >= %(touch_limit)s"} GROUP BY client_id
),
base AS MATERIALIZED (
  SELECT c.segment_id, {f"c.id AS client_id, {client_columns}" if wide else ""}
    COALESCE(p.sales, 0) AS purchases, {revenue} AS revenue, COALESCE(p.discounts, 0) AS discounts,
    {revenue} - {cost} AS gross_margin, {goodwill} + {handling} AS cost_to_serve,
    {revenue} - {cost} - {goodwill} - {handling} AS net_contribution,
    {sql.as_float(f"{revenue} - {cost} - {goodwill} - {handling}")} AS net_float,
    {sql.greatest(f"{tenure_days} / {DAYS_PER_MONTH}", "1.0")} AS tenure_months,
    CASE WHEN c.status <> 'lost' AND ({falling} OR {no_contact}) THEN 1 ELSE 0 END AS watch,
    CASE WHEN COALESCE(p.window_sales, 0) > 0 THEN 1 ELSE 0 END AS retained,
    CASE WHEN COALESCE(p.prev_window_sales, 0) > 0 THEN 1 ELSE 0 END AS was_active
  FROM {t["client"]} c
  LEFT JOIN p ON p.client_id = c.id
  LEFT JOIN lc ON lc.client_id = c.id
  LEFT JOIN gw ON gw.client_id = c.id
  LEFT JOIN cp ON cp.client_id = c.id
  LEFT JOIN ia ON ia.client_id = c.id
  WHERE c.merged_into_id IS NULL AND COALESCE(c.first_contact_at, c.created_at) < %(as_of)s
),
seg AS MATERIALIZED (
  -- per segment: the retention rate, and the expected remaining months of its retained clients (12 rows,
  -- inlined, this arithmetic would be redone for every client row joined to it)
  SELECT seg, retention_rate, retained_months, {sql.as_float("retained_months")} AS retained_months_f
  FROM (
    SELECT seg, retention_rate,
      CASE WHEN retention_rate IS NULL THEN 0
           WHEN retention_rate >= %(cap_rate)s THEN %(cap_months)s
           ELSE %(window_months)s * retention_rate / (1 - retention_rate) END AS retained_months
    FROM (
      SELECT seg, CASE WHEN cohort > 0 THEN kept * 1.0 / cohort END AS retention_rate
      FROM (
        SELECT COALESCE(segment_id, 0) AS seg, SUM(was_active) AS cohort, SUM(was_active * retained) AS kept
        FROM base GROUP BY COALESCE(segment_id, 0)
      ) counts
    ) rates
  ) months
),
w AS NOT MATERIALIZED (
  SELECT b.*, seg.retention_rate,
    CASE WHEN b.retained = 0 THEN 0 ELSE seg.retained_months END AS expected_remaining_months,
    b.net_float + {sql.greatest("b.net_float / b.tenure_months", "0")}
      * CASE WHEN b.retained = 0 THEN 0 ELSE seg.retained_months_f END AS projected_value
  FROM base b JOIN seg ON seg.seg = COALESCE(b.segment_id, 0)
)"""


def _client_ctes() -> str:
    return (
        _ctes()
        + """,
sa AS (
  SELECT COALESCE(segment_id, 0) AS seg, AVG(projected_value) AS segment_average
  FROM w GROUP BY COALESCE(segment_id, 0)
),
r AS (
  -- a join to the segment averages: a window AVG would sort every client row by segment
  SELECT w.*,
    CASE WHEN w.watch = 1 AND w.projected_value > 0 AND w.projected_value >= sa.segment_average THEN 1 ELSE 0 END
      AS attention
  FROM w JOIN sa ON sa.seg = COALESCE(w.segment_id, 0)
)"""
    )


def client_select(source: str) -> str:
    """The per-client rows, ranked, read from `source`: the CTE `r`, or the work table holding it. Money and
    ratios come out as fixed-point text."""
    user_table = get_user_model()._meta.db_table
    m = {c: f"{sql.fixed(f'r.{c}')} AS {c}" for c in MONEY_COLUMNS if c != "average_order_value"}
    return f"""
SELECT r.client_id, r.client, r.status, r.segment_id, s.name AS segment, r.manager_id, u.username AS manager,
  {sql.fixed("r.tenure_days")} AS tenure_days, r.purchases, {m["revenue"]}, {m["cost"]}, {m["gross_margin"]},
  {m["discounts"]}, {m["goodwill"]}, {m["complaint_handling"]}, {m["cost_to_serve"]}, {m["net_contribution"]},
  {sql.fixed("r.revenue * 1.0 / NULLIF(r.purchases, 0)")} AS average_order_value,
  {sql.fixed("r.purchases * 1.0 / r.tenure_months")} AS purchases_per_month,
  r.retained, {sql.fixed("r.retention_rate", 4, null_as_zero=False)} AS retention_rate,
  {sql.fixed("r.expected_remaining_months")} AS expected_remaining_months, {m["projected_value"]},
  ROW_NUMBER() OVER (PARTITION BY r.manager_id ORDER BY r.projected_value DESC, r.client_id) AS manager_rank,
  r.recent_sales, r.prior_sales, r.last_touch_at, r.falling_frequency, r.no_recent_contact, r.attention
FROM {source} r
LEFT JOIN {Segment._meta.db_table} s ON s.id = r.segment_id
LEFT JOIN {user_table} u ON u.id = r.manager_id
ORDER BY r.projected_value DESC, r.client_id"""


def segment_select(source: str) -> str:
    f = sql.fixed
    return f"""
SELECT r.segment_id, s.name AS segment, COUNT(*) AS clients, SUM(r.purchases) AS purchases,
  {f("SUM(r.revenue)")} AS revenue, {f("SUM(r.gross_margin)")} AS gross_margin,
  {f("SUM(r.discounts)")} AS discounts, {f("SUM(r.cost_to_serve)")} AS cost_to_serve,
  {f("SUM(r.net_contribution)")} AS net_contribution,
  {f("SUM(r.revenue) * 1.0 / NULLIF(SUM(r.purchases), 0)")} AS average_order_value,
  {f("AVG(r.purchases * 1.0 / r.tenure_months)")} AS purchases_per_month,
  {f("MAX(r.retention_rate)", 4, null_as_zero=False)} AS retention_rate,
  {f("AVG(r.projected_value)")} AS average_projected_value, {f("SUM(r.projected_value)")} AS projected_value,
  SUM(r.attention) AS attention_clients
FROM {source} r LEFT JOIN {Segment._meta.db_table} s ON s.id = r.segment_id
GROUP BY r.segment_id, s.name
ORDER BY SUM(r.projected_value) DESC"""


def client_sql() -> str:
    return _client_ctes() + client_select("r")


def segment_sql() -> str:
    """Per segment from the narrow chain, in two passes over `w`: the sums and averages, then the clients
    worth attention (those at or above their segment's average projected value)."""
    f = sql.fixed
    return (
        _ctes(wide=False)
        + f""",
sums AS (
  SELECT COALESCE(segment_id, 0) AS seg, MAX(segment_id) AS segment_id, COUNT(*) AS clients,
    SUM(purchases) AS purchases, SUM(revenue) AS revenue, SUM(gross_margin) AS gross_margin,
    SUM(discounts) AS discounts, SUM(cost_to_serve) AS cost_to_serve, SUM(net_contribution) AS net_contribution,
    AVG(purchases * 1.0 / tenure_months) AS purchases_per_month, MAX(retention_rate) AS retention_rate,
    AVG(projected_value) AS average_projected_value, SUM(projected_value) AS projected_value
  FROM w GROUP BY COALESCE(segment_id, 0)
),
att AS (
  SELECT COALESCE(w.segment_id, 0) AS seg, COUNT(*) AS attention_clients
  FROM w JOIN sums ON sums.seg = COALESCE(w.segment_id, 0)
  WHERE w.watch = 1 AND w.projected_value > 0 AND w.projected_value >= sums.average_projected_value
  GROUP BY COALESCE(w.segment_id, 0)
)
SELECT r.segment_id, s.name AS segment, r.clients, r.purchases,
  {f("r.revenue")} AS revenue, {f("r.gross_margin")} AS gross_margin,
  {f("r.discounts")} AS discounts, {f("r.cost_to_serve")} AS cost_to_serve,
  {f("r.net_contribution")} AS net_contribution,
  {f("r.revenue * 1.0 / NULLIF(r.purchases, 0)")} AS average_order_value,
  {f("r.purchases_per_month")} AS purchases_per_month,
  {f("r.retention_rate", 4, null_as_zero=False)} AS retention_rate,
  {f("r.average_projected_value")} AS average_projected_value, {f("r.projected_value")} AS projected_value,
  COALESCE(att.attention_clients, 0) AS attention_clients
FROM sums r LEFT JOIN att ON att.seg = r.seg LEFT JOIN {Segment._meta.db_table} s ON s.id = r.segment_id
ORDER BY r.projected_value DESC"""
    )


def _int_or_none(value):
    return None if value is None else int(value)


def _moment(value):
    return None if value is None else str(value)[:19]


# Money and ratios arrive as text from SQL; what is left to convert is looked up once per column (a value
# report can have 100,000 rows). Columns not listed pass through.
CONVERT = {
    **dict.fromkeys(("retained", "falling_frequency", "no_recent_contact", "attention"), bool),
    "last_touch_at": _moment,
    **dict.fromkeys(
        ("segment_id", "manager_id", "client_id", "purchases", "manager_rank", "clients", "attention_clients"),
        _int_or_none,
    ),
    **dict.fromkeys(("recent_sales", "prior_sales"), lambda v: int(v or 0)),
}


def _clean(row: dict) -> dict:
    return {key: CONVERT[key](value) if key in CONVERT else value for key, value in row.items()}


def client_rows(as_of: datetime, p: dict | None = None) -> list[dict]:
    p = p or parameters()
    return [_clean(row) for row in sql.fetch_dicts(client_sql(), _params(as_of, p))]


def segment_rows(as_of: datetime, p: dict | None = None) -> list[dict]:
    p = p or parameters()
    return [_clean(row) for row in sql.fetch_dicts(segment_sql(), _params(as_of, p))]


WORK_TABLE = "reports_value_work"


def compute(as_of: datetime, p: dict | None = None) -> tuple[list[dict], list[dict]]:
    """Client rows and segment rows from one pass over the ledger: the per-client figures go to a temporary
    table (per connection, dropped at the end), which both selects then read.

    Always on the primary, even inside crm.db.replica_reads(): a hot-standby replica refuses to create a table,
    even a temporary one, and the two selects must run on the connection that holds it."""
    p = p or parameters()
    params = _params(as_of, p)
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {WORK_TABLE}")
        cursor.execute(f"CREATE TEMPORARY TABLE {WORK_TABLE} AS {_client_ctes()} SELECT * FROM r", params)
    try:
        # the selects use no parameter, but pass them so "%%" in them is formatted like everywhere else
        clients = [_clean(row) for row in sql.fetch_dicts(client_select(WORK_TABLE), params, using=connection)]
        segments = [_clean(row) for row in sql.fetch_dicts(segment_select(WORK_TABLE), params, using=connection)]
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {WORK_TABLE}")
    return clients, segments


def texts(p: dict) -> dict:
    return {
        "formula": FORMULA.format(cap=p["max_lifetime_months"], window=p["retention_window_days"]),
        "attention_rule": ATTENTION.format(freq=p["frequency_window_days"], nc=p["attention_no_contact_days"]),
    }
