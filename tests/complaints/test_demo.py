import io
import random

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
    assert Complaint.objects.count() == 65  # 60 from staff, 5 from the public form
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
    assert "already seeded" in out.getvalue() and Complaint.objects.count() == 65
