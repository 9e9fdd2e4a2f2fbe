import io
import random
from decimal import Decimal

import pytest

from complaints import demo
from complaints.models import Complaint, GoodwillGesture, SatisfactionSurvey
from crm import demo as crm_demo
from crm.standards.models import Acknowledgement
from tests.factories import ClientFactory

pytestmark = pytest.mark.django_db


def test_demo_seed_creates_a_lived_in_complaints_desk_once():
    crm_demo.seed(rng=random.Random(1), stdout=io.StringIO())
    for _ in range(20):
        ClientFactory()
    demo.seed(rng=random.Random(7), stdout=io.StringIO())
    assert Complaint.objects.count() == 77  # 60 from staff, 5 from the public form, 12 against a versioned target
    public = Complaint.objects.filter(external_id__startswith="DEMO-P-")
    assert public.filter(client=None, client_match="pending").count() >= 2  # waiting in triage
    assert public.filter(client=None, client_match="none").exists()
    statuses = set(Complaint.objects.values_list("status", flat=True))
    assert {"new", "resolved"} <= statuses and len(statuses) >= 4
    assert len(set(Complaint.objects.values_list("kind", flat=True))) == 5
    assert GoodwillGesture.objects.exists() and SatisfactionSurvey.objects.filter(score__isnull=False).exists()
    assert Acknowledgement.objects.exists()
    out = io.StringIO()
    demo.seed(rng=random.Random(7), stdout=out)
    assert "already seeded" in out.getvalue() and Complaint.objects.count() == 77


def test_demo_seed_shows_a_target_with_two_versions_and_a_proposal():
    from crm.standards import targets

    crm_demo.seed(rng=random.Random(1), stdout=io.StringIO())
    for _ in range(20):
        ClientFactory()
    demo.seed(rng=random.Random(7), stdout=io.StringIO())
    quick = [t for t in targets.overview() if "Quick questions" in t["label"] and "first response" in t["label"]]
    assert len(quick) == 1
    row = quick[0]
    assert [v.hours for v in row["versions"]] == [Decimal("6.00"), Decimal("8.00")]
    assert row["quarter"]["measured"] == 12 and row["quarter"]["share_met"] == Decimal("1.0000")
    assert row["proposal"] == Decimal("2")
