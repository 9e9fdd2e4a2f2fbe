import io
import random

import pytest

from clients import demo
from clients.models import Client, Promise, Segment
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
    demo.seed(rng=random.Random(1), stdout=out)
    assert Client.objects.count() == 60
