"""The priority rule (see complaints/rules.py) and the transition table."""

from decimal import Decimal

import pytest

from complaints.models import Complaint
from complaints.rules import TRANSITIONS, allowed_transitions, compute_priority
from complaints.services import complaint_create
from purchases.models import ClientAccount, DiscountTier
from tests.factories import ClientFactory

S = Complaint.Status


@pytest.mark.parametrize(
    "severity, tier_percent, kind, expected",
    [
        ("critical", None, "complaint", 1),
        ("high", None, "complaint", 2),
        ("medium", None, "complaint", 3),
        ("low", None, "complaint", 4),
        ("medium", Decimal("5"), "complaint", 2),  # tier reached: one step up
        ("medium", Decimal("10"), "complaint", 1),  # high-value tier: two steps up
        ("low", Decimal("15"), "claim", 2),
        ("critical", Decimal("15"), "complaint", 1),  # never above P1
        ("critical", None, "praise", 3),  # praise and suggestions are never urgent
        ("high", Decimal("10"), "suggestion", 3),
        ("low", None, "suggestion", 4),
    ],
)
def test_priority_rule(severity, tier_percent, kind, expected):
    assert compute_priority(severity=severity, kind=kind, tier_percent=tier_percent) == expected


@pytest.mark.django_db
def test_priority_uses_the_clients_cumulative_purchase_tier():
    vip = ClientFactory()
    tier = DiscountTier.objects.create(threshold=Decimal("10000"), percent=Decimal("10"), name="Gold")
    ClientAccount.objects.create(client=vip, cumulative_total=Decimal("12000"), tier=tier)
    plain = ClientFactory()
    assert complaint_create(client=vip, text="x", channel="phone", severity="medium").priority == 1
    assert complaint_create(client=plain, text="x", channel="phone", severity="medium").priority == 3


def test_closed_complaints_can_only_be_reopened():
    assert allowed_transitions(S.CLOSED) == (S.REOPENED,)
    assert S.CLOSED not in allowed_transitions(S.NEW)
    assert S.WAITING in allowed_transitions(S.IN_PROGRESS)
    assert set(TRANSITIONS) == set(S.values)
