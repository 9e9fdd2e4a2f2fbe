import io
import random

import pytest

from clients import demo
from clients.models import Client, PersonalDataAudit, Promise, Segment
from crm import demo as crm_demo

pytestmark = pytest.mark.django_db


def test_demo_seed_creates_a_realistic_base_once(monkeypatch):
    monkeypatch.setattr(demo, "COUNT", 60)  # the real run makes 300; the shape is the same
    out = io.StringIO()
    crm_demo.seed(rng=random.Random(1), stdout=out)
    demo.seed(rng=random.Random(1), stdout=out)
    assert Client.objects.count() == 60
    assert Segment.objects.filter(code__in=["wholesale", "print-shop", "retail", "office"]).count() == 4
    assert Client.objects.filter(manager__username="maria").exists()
    assert Promise.objects.filter(status="open").exists()
    erased = Client.objects.get(erased_at__isnull=False)
    assert erased.name == f"Erased client #{erased.pk}"
    assert set(PersonalDataAudit.objects.values_list("action", flat=True)) == {"export", "erase"}
    demo.seed(rng=random.Random(1), stdout=out)
    assert PersonalDataAudit.objects.count() == 2
    assert Client.objects.count() == 60
