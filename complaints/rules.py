"""Pure rules of complaint handling: who handles complaints, priority, the transition table, default targets.

Priority rule (documented here and tested in tests/complaints/test_rules.py):

1. Severity gives the base priority: critical -> P1, high -> P2, medium -> P3, low -> P4.
2. The client's value lifts it: a client who has reached a discount tier (cumulative purchases past the first
   tier threshold) is lifted one step; a client whose tier gives HIGH_VALUE_PERCENT or more is lifted two
   steps. Never above P1.
3. Suggestions and praise need no urgency: they are never above P3.
"""

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


def compute_priority(*, severity: str, kind: str, tier_percent: Decimal | None) -> int:
    priority = SEVERITY_BASE.get(severity, 3)
    if tier_percent is not None:
        priority -= 2 if tier_percent >= HIGH_VALUE_PERCENT else 1
    if kind in (Kind.SUGGESTION, Kind.PRAISE):
        priority = max(priority, 3)
    return max(1, min(4, priority))
