"""Pure rules of complaint handling: who handles complaints, priority, the transition table, default targets.

Priority rule (documented here and tested in tests/complaints/test_rules.py):

1. Severity gives the base priority: critical -> P1, high -> P2, medium -> P3, low -> P4.
2. The client's value lifts it, never above P1. Value is the client's place in the long-term-value ranking
   (projected lifetime value, computed by the value report in crm.reports, which writes the ranking to
   crm.standards.ClientValueRank for the layers below it to read):
   - in the top VALUE_TWO_STEPS_PERCENT of the ranking: lifted two steps;
   - in the top VALUE_ONE_STEP_PERCENT: lifted one step;
   - a band covers ceil(ranked clients x percent / 100) positions (the top 5% of 30 clients is positions 1-2;
     position 2 is in, position 3 is out), so a non-empty ranking always has a top client;
   - a client whose projected value is zero or less (no purchases, or costs above margin) is never lifted by
     rank, wherever the ranking puts them; a ranked client below the bands is not lifted.
   Fallback, before the first value report exists or for a client the ranking does not hold yet (new since
   the last report): the discount tier. A tier that gives more than 0% lifts one step, HIGH_VALUE_PERCENT or
   more two steps; a 0% tier is no discount and lifts nothing, like having no tier.
3. Suggestions and praise need no urgency: they are never above P3.
"""

import math
from decimal import Decimal

from crm.roles import Role

from .models import Complaint, Kind, Severity

# Sales managers and administrators handle complaints (intake, triage, assignment, moves, comments, goodwill);
# the pages, the API and the services all ask this one tuple.
HANDLER_ROLES = (Role.SALES_MANAGER, Role.ADMINISTRATOR)
# Everyone on the team may take a complaint a client brings them and pass it to the right handler (intake
# only): an accountant on the phone with an unhappy client records it and names who handles it. What they
# see afterwards is narrowed in services/access.py.
INTAKE_ROLES = (Role.SALES_MANAGER, Role.ACCOUNTANT, Role.ADMINISTRATOR)

HIGH_VALUE_PERCENT = Decimal("10")
VALUE_TWO_STEPS_PERCENT = Decimal("5")
VALUE_ONE_STEP_PERCENT = Decimal("20")

SEVERITY_BASE = {Severity.CRITICAL: 1, Severity.HIGH: 2, Severity.MEDIUM: 3, Severity.LOW: 4}

# Working hours (first response, resolution) when no ResponseTarget row is configured.
DEFAULT_TARGET_HOURS = {
    Severity.CRITICAL: (Decimal("1"), Decimal("8")),
    Severity.HIGH: (Decimal("2"), Decimal("16")),
    Severity.MEDIUM: (Decimal("4"), Decimal("24")),
    Severity.LOW: (Decimal("8"), Decimal("40")),
}

S = Complaint.Status
TRANSITIONS: dict[str, tuple[str, ...]] = {
    S.NEW: (S.TRIAGED, S.IN_PROGRESS, S.WAITING, S.RESOLVED),
    S.TRIAGED: (S.IN_PROGRESS, S.WAITING, S.RESOLVED),
    S.IN_PROGRESS: (S.WAITING, S.RESOLVED),
    S.WAITING: (S.IN_PROGRESS, S.RESOLVED),
    S.RESOLVED: (S.CLOSED, S.REOPENED),
    S.CLOSED: (S.REOPENED,),
    S.REOPENED: (S.TRIAGED, S.IN_PROGRESS, S.WAITING, S.RESOLVED),
}
# Moving into these counts as the first response to the client (a reply comment does too).
RESPONDING_STATES = (S.IN_PROGRESS, S.WAITING, S.RESOLVED)
OPEN_STATES = (S.NEW, S.TRIAGED, S.IN_PROGRESS, S.WAITING, S.REOPENED)


def allowed_transitions(status: str) -> tuple[str, ...]:
    return TRANSITIONS.get(status, ())


def _band(ranked_clients: int, percent: Decimal) -> int:
    return math.ceil(Decimal(ranked_clients) * percent / Decimal(100)) if ranked_clients > 0 else 0


def rank_lift(*, position: int, ranked_clients: int, projected_value: Decimal) -> int:
    """Steps the client's place in the value ranking lifts a complaint (rule 2)."""
    if projected_value <= 0:
        return 0
    if position <= _band(ranked_clients, VALUE_TWO_STEPS_PERCENT):
        return 2
    if position <= _band(ranked_clients, VALUE_ONE_STEP_PERCENT):
        return 1
    return 0


def tier_lift(tier_percent: Decimal | None) -> int:
    """Steps the discount tier lifts a complaint when there is no ranking for the client (rule 2, fallback).
    The tier lookup answers 0 for a tier that gives no discount: that is no lift, not "has a tier"."""
    if tier_percent is None or tier_percent <= 0:
        return 0
    return 2 if tier_percent >= HIGH_VALUE_PERCENT else 1


def compute_priority(*, severity: str, kind: str, tier_percent: Decimal | None = None, lift: int | None = None) -> int:
    """`lift`: the steps the client's value gives (rank_lift, or tier_lift as the fallback); without it the
    tier decides."""
    priority = SEVERITY_BASE.get(severity, 3)
    priority -= tier_lift(tier_percent) if lift is None else lift
    if kind in (Kind.SUGGESTION, Kind.PRAISE):
        priority = max(priority, 3)
    return max(1, min(4, priority))
