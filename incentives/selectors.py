"""Reads for incentives.

Agreed exception to "another app only through its selectors": the scoring aggregate below is read-only SQL
over the purchases app's tables (purchases_purchase, purchases_purchaseline, purchases_product) and the
client's manager (clients_client). A score must be one aggregate in the database — 1,000,000 ledger lines
cannot go through Python — and no selector of the purchases app could express the credit rules (splits,
the credit setting, late entries of closed periods) without knowing about incentives. Nothing here writes.

Scoring rules, all in the one query:
- score = SUM(line.net_amount * line.incentive_weight), the weight snapshotted on the line when it was
  recorded (the weight in force on the purchase date; weights cannot be backdated);
- returns and corrections are negative lines dated by their own purchased_at, so they deduct in the period
  they happen, and are credited like their original sale (same recorder, same split);
- credit goes to the CreditSplit shares of the (original) purchase if any, else to the recorder or to the
  client's manager (IncentiveSettings.credit_to);
- an entry recorded after its period was closed counts in the period it was recorded in (never earlier than
  the one after the closed period), so a closed period's snapshot never moves.
"""

from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import Avg, Q
from django.utils import timezone

from clients.models import Client
from crm.internal_requests import selectors as internal_request_selectors
from crm.money import ZERO, money
from crm.roles import Role, has_role
from purchases.models import Product, Purchase, PurchaseLine

from . import periods
from .models import (
    Award,
    AwardRule,
    AwardType,
    CreditSplit,
    IncentiveSettings,
    PeriodClose,
    SalesPlan,
    ScoreSnapshot,
)
from .periods import Period


def incentive_settings_get() -> IncentiveSettings:
    return IncentiveSettings.objects.filter(pk=1).first() or IncentiveSettings(pk=1)


def _dec(value) -> Decimal:
    if value is None:
        return ZERO
    return money(value if isinstance(value, Decimal | int) else str(value))


def _credited_lines_sql(period: Period, credit_to: str, as_of=None) -> tuple[str, list]:
    """CTEs `entries` (the lines of the ledger entries scored in the period, with the instant they score at)
    and `credit` (each such line with its credited user and share percent). `as_of` keeps only entries
    recorded by then (a closed period as it was when it closed).

    The lines are joined to their purchase inside each branch of the UNION ALL (entries of the period, late
    entries of closed periods): joined only after the union, PostgreSQL hashes the whole line table and
    probes it with the period's few purchases, instead of hashing those and scanning the lines once."""
    purchase = Purchase._meta.db_table
    line = PurchaseLine._meta.db_table
    closes = PeriodClose._meta.db_table
    splits = CreditSplit._meta.db_table
    clients = Client._meta.db_table
    adapt = connection.ops.adapt_datetimefield_value
    start, end = adapt(period.starts_at), adapt(period.ends_at)
    late_at = "CASE WHEN p.created_at > pc.ends_at THEN p.created_at ELSE pc.ends_at END"
    recorded = "AND p.created_at <= %s" if as_of is not None else ""
    as_of_params = [adapt(as_of)] if as_of is not None else []
    fallback = ""
    if credit_to == IncentiveSettings.CreditTo.MANAGER:
        # A client without a manager falls back to whoever recorded the original sale. Only the originals of
        # those clients' returns are looked up: a join to every purchase would hash the whole purchase table
        # for a rare fallback.
        default_user = "COALESCE(c.manager_id, o.recorded_by_id, e.recorded_by_id)"
        # The manager of the client the entry counts for: a merge leaves entries on the client merged away, and
        # they count for the client it was merged into (merged_into is kept flat).
        joins = f"""LEFT JOIN {clients} c0 ON c0.id = e.client_id
        LEFT JOIN {clients} c ON c.id = COALESCE(c0.merged_into_id, c0.id)
        LEFT JOIN unmanaged_originals o ON o.id = e.original_id"""
        fallback = f""",
    unmanaged_originals AS (
        SELECT o.id, o.recorded_by_id FROM {purchase} o
        WHERE o.id IN (
            SELECT r.original_id FROM {purchase} r JOIN {clients} rc0 ON rc0.id = r.client_id
            JOIN {clients} rc ON rc.id = COALESCE(rc0.merged_into_id, rc0.id)
            WHERE rc.manager_id IS NULL AND r.original_id IS NOT NULL
        )
    )"""
    else:
        default_user = "COALESCE(o.recorded_by_id, e.recorded_by_id)"
        joins = f"LEFT JOIN {purchase} o ON o.id = e.original_id"
    columns = "p.id, p.original_id, p.recorded_by_id, p.client_id, l.product_id, l.net_amount, l.incentive_weight"
    sql = f"""
    WITH entries AS (
        SELECT {columns}, p.purchased_at AS scored_at
        FROM {purchase} p
        JOIN {line} l ON l.purchase_id = p.id
        WHERE p.purchased_at >= %s AND p.purchased_at < %s {recorded}
        UNION ALL
        SELECT {columns}, {late_at} AS scored_at
        FROM {closes} pc
        JOIN {purchase} p ON p.purchased_at >= pc.starts_at AND p.purchased_at < pc.ends_at
             AND p.created_at > pc.closed_at
        JOIN {line} l ON l.purchase_id = p.id
        WHERE pc.kind = %s AND pc.starts_at < %s AND {late_at} >= %s AND {late_at} < %s {recorded}
    ){fallback},
    credit AS (
        SELECT e.scored_at, e.product_id, e.net_amount, e.incentive_weight,
               COALESCE(s.user_id, {default_user}) AS user_id, COALESCE(s.share_percent, 100) AS share
        FROM entries e
        {joins}
        LEFT JOIN {splits} s ON s.purchase_id = COALESCE(e.original_id, e.id)
    )"""
    return sql, [start, end, *as_of_params, period.kind, start, start, end, *as_of_params]


def score_totals(period: Period, *, credit_to: str | None = None) -> dict[int, dict]:
    """{user id: {"weighted_score", "locomotive_score", "revenue"}} for an open period, in one query."""
    credit_to = credit_to or incentive_settings_get().credit_to
    cte, params = _credited_lines_sql(period, credit_to)
    product = Product._meta.db_table
    sql = f"""{cte}
    SELECT cr.user_id,
           SUM(cr.net_amount * cr.incentive_weight * cr.share) / 100,
           SUM(CASE WHEN pr.is_locomotive THEN cr.net_amount * cr.incentive_weight * cr.share ELSE 0 END) / 100,
           SUM(cr.net_amount * cr.share) / 100
    FROM credit cr
    JOIN {product} pr ON pr.id = cr.product_id
    GROUP BY cr.user_id"""
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    return {
        user_id: {"weighted_score": _dec(score), "locomotive_score": _dec(loco), "revenue": _dec(revenue)}
        for user_id, score, loco, revenue in rows
        if user_id is not None
    }


def daily_scores(period: Period, *, credit_to: str | None = None, as_of=None) -> dict[int, dict[str, Decimal]]:
    """{user id: {"YYYY-MM-DD": weighted score that day}} for the chart of score over the period (one query);
    for a closed period pass as_of=closed_at to leave out entries recorded after the close."""
    credit_to = credit_to or incentive_settings_get().credit_to
    cte, params = _credited_lines_sql(period, credit_to, as_of)
    day_sql, day_params = connection.ops.datetime_cast_date_sql(
        "cr.scored_at", (), timezone.get_current_timezone_name()
    )
    sql = f"""{cte}
    SELECT cr.user_id, {day_sql} AS day, SUM(cr.net_amount * cr.incentive_weight * cr.share) / 100
    FROM credit cr
    GROUP BY cr.user_id, {day_sql}"""
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, *day_params, *day_params])
        rows = cursor.fetchall()
    result: dict[int, dict[str, Decimal]] = {}
    for user_id, day, score in rows:
        if user_id is not None:
            result.setdefault(user_id, {})[str(day)[:10]] = _dec(score)
    return result


@dataclass
class Standing:
    user: object
    rank: int
    weighted_score: Decimal
    locomotive_score: Decimal
    revenue: Decimal
    plan_target: Decimal | None
    revenue_target: Decimal | None
    fulfilment_percent: Decimal | None
    revenue_fulfilment_percent: Decimal | None
    contribution_percent: Decimal | None

    @property
    def other_score(self) -> Decimal:
        return self.weighted_score - self.locomotive_score


@dataclass
class Leaderboard:
    period: Period
    closed: PeriodClose | None
    rows: list[Standing] = field(default_factory=list)
    company_score: Decimal = ZERO
    company_revenue: Decimal = ZERO
    company_plan: SalesPlan | None = None

    @property
    def company_fulfilment_percent(self) -> Decimal | None:
        if self.company_plan and self.company_plan.target_points > 0:
            return percent(self.company_score, self.company_plan.target_points)
        return None

    def standing_of(self, user) -> Standing | None:
        return next((row for row in self.rows if row.user.pk == user.pk), None)


def percent(part: Decimal, whole: Decimal | None) -> Decimal | None:
    if not whole or whole <= 0:
        return None
    return money(Decimal(part) * 100 / Decimal(whole))


def period_close_get(period: Period) -> PeriodClose | None:
    return PeriodClose.objects.filter(period=str(period)).first()


def sales_plans_for(period: Period) -> tuple[SalesPlan | None, dict[int, SalesPlan]]:
    company, personal = None, {}
    for plan in SalesPlan.objects.filter(period=str(period)):
        if plan.user_id is None:
            company = plan
        else:
            personal[plan.user_id] = plan
    return company, personal


def leaderboard(period: Period, *, live: bool = False) -> Leaderboard:
    """The period's standings: frozen snapshot rows once closed, else computed live in one aggregate.
    A constant number of queries whatever the number of staff or ledger lines."""
    closed = None if live else period_close_get(period)
    company_plan, plans = sales_plans_for(period)
    board = Leaderboard(period=period, closed=closed, company_plan=company_plan)
    if closed:
        board.company_score, board.company_revenue = closed.company_score, closed.company_revenue
        for snap in closed.snapshots.select_related("user").order_by("rank"):
            board.rows.append(
                Standing(
                    user=snap.user,
                    rank=snap.rank,
                    weighted_score=snap.weighted_score,
                    locomotive_score=snap.locomotive_score,
                    revenue=snap.revenue,
                    plan_target=snap.plan_target,
                    revenue_target=snap.revenue_target,
                    fulfilment_percent=snap.fulfilment_percent,
                    revenue_fulfilment_percent=percent(snap.revenue, snap.revenue_target),
                    contribution_percent=snap.contribution_percent,
                )
            )
        return board
    totals = score_totals(period)
    board.company_score = money(sum((t["weighted_score"] for t in totals.values()), ZERO))
    board.company_revenue = money(sum((t["revenue"] for t in totals.values()), ZERO))
    User = get_user_model()
    people = User.objects.filter(
        Q(pk__in=list(totals)) | Q(pk__in=list(plans)) | Q(is_active=True, groups__name=Role.SALES_MANAGER)
    ).distinct()
    empty = {"weighted_score": ZERO, "locomotive_score": ZERO, "revenue": ZERO}
    rows = []
    for user in people:
        figures = totals.get(user.pk, empty)
        plan = plans.get(user.pk)
        rows.append(
            Standing(
                user=user,
                rank=0,
                weighted_score=figures["weighted_score"],
                locomotive_score=figures["locomotive_score"],
                revenue=figures["revenue"],
                plan_target=plan.target_points if plan else None,
                revenue_target=plan.target_revenue if plan else None,
                fulfilment_percent=percent(figures["weighted_score"], plan.target_points if plan else None),
                revenue_fulfilment_percent=percent(figures["revenue"], plan.target_revenue if plan else None),
                contribution_percent=percent(figures["weighted_score"], board.company_score),
            )
        )
    rows.sort(key=lambda r: (-r.weighted_score, r.user.get_full_name() or r.user.username))
    for rank, row in enumerate(rows, start=1):
        row.rank = rank
    board.rows = rows
    return board


def locomotive_multiplier() -> Decimal | None:
    """How many times a locomotive product counts compared with the others: the average weight in force
    today of active locomotive products over that of the other active products."""
    figures = Product.objects.filter(is_active=True).aggregate(
        loco=Avg("incentive_weight", filter=Q(is_locomotive=True)),
        other=Avg("incentive_weight", filter=Q(is_locomotive=False)),
    )
    loco, other = figures["loco"], figures["other"]
    if loco is None or not other:
        return None
    value = Decimal(str(loco)) / Decimal(str(other))
    return value.quantize(Decimal("0.1")).normalize()


def my_panel(user) -> dict:
    """A sales manager's own standing this month: "84% of plan, 6 days left; locomotive products count x3"."""
    period = periods.current(periods.MONTH)
    board = leaderboard(period)
    mine = board.standing_of(user)
    return {
        "period": period,
        "standing": mine,
        "days_left": period.days_left(),
        "multiplier": locomotive_multiplier(),
        "closed": board.closed is not None,
        "staff_count": len(board.rows),
    }


def award_type_list(*, active_only: bool = False):
    qs = AwardType.objects.all()
    return qs.filter(is_active=True) if active_only else qs


def award_rule_list():
    return AwardRule.objects.select_related("award_type")


def can_see_cash_amount(user, award: Award) -> bool:
    """An award's cash amount is pay: the person awarded sees theirs, administrators (who approve it) and
    accountants (who pay it: the payroll CSV) see every one; other colleagues see the award, not the sum."""
    return award.user_id == user.pk or has_role(user, Role.ADMINISTRATOR, Role.ACCOUNTANT)


def award_list(*, status: str | None = None, period: str | None = None):
    qs = Award.objects.select_related("award_type", "user", "rule", "decided_by")
    if status:
        qs = qs.filter(status=status)
    if period:
        qs = qs.filter(period=period)
    return qs


def award_get(pk: int) -> Award:
    return Award.objects.select_related("award_type", "user").get(pk=pk)


def payroll_cash_awards():
    """Approved awards with a cash amount, for the payroll export."""
    return award_list(status=Award.Status.APPROVED).filter(cash_amount__gt=0).order_by("period", "user__username")


def sales_plan_list(*, period: str | None = None):
    qs = SalesPlan.objects.select_related("user")
    return qs.filter(period=period) if period else qs


def period_close_list():
    return PeriodClose.objects.select_related("closed_by")


def snapshot_list(close: PeriodClose):
    return ScoreSnapshot.objects.filter(close=close).select_related("user")


def service_leaderboard(period: Period) -> list:
    """The people who serve colleagues, ranked by their internal-request score over the period (requests
    completed inside it): see crm/internal_requests/selectors.py for the score. Not frozen at close: a
    request is completed once, so a past period's figures do not move."""
    return internal_request_selectors.service_scores(starts_at=period.starts_at, ends_at=period.ends_at)
