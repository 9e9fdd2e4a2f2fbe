import io
import random

import pytest
from django.utils import timezone

from crm import demo as core_demo
from crm.internal_requests import demo
from crm.internal_requests.models import InternalRequest, Team

pytestmark = pytest.mark.django_db


def test_demo_seeds_teams_and_requests_open_overdue_and_done_with_ratings_once():
    core_demo.seed(rng=random.Random(1), stdout=io.StringIO())
    demo.seed(rng=random.Random(1), stdout=io.StringIO())
    assert set(Team.objects.values_list("code", flat=True)) >= {"accounting", "logistics", "it"}
    assert Team.objects.get(code="accounting").members.count() == 2
    requests = InternalRequest.objects.filter(source="")
    assert requests.filter(status="open").exists() and requests.filter(status="in_progress").exists()
    assert requests.filter(status__in=["open", "in_progress"], due_at__lt=timezone.now()).exists()  # overdue
    assert requests.filter(status="done", rating__isnull=False).count() >= 5
    assert requests.filter(status="done", on_time=False).exists() and requests.filter(on_time=True).exists()
    count = requests.count()
    demo.seed(rng=random.Random(1), stdout=io.StringIO())
    assert InternalRequest.objects.filter(source="").count() == count
