import io
import random
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from crm import demo as crm_demo
from crm import registry
from crm.standards import demo, key_clients
from crm.standards.models import KeyClientFlag, ServiceFailure
from tests.factories import ClientFactory
from tests.standards import factories as f

pytestmark = pytest.mark.django_db


def test_the_service_record_demo_runs_after_every_other_app():
    assert registry.demo_seeders()[-1] is demo.seed


def test_demo_shows_open_and_resolved_failures_key_clients_and_an_overdue_key_client():
    crm_demo.seed(rng=random.Random(1), stdout=io.StringIO())
    maria = get_user_model().objects.get(username="maria")
    clients = [ClientFactory(manager=maria) for _ in range(12)]
    for i, client in enumerate(clients):
        f.contact(client, maria, days_ago=5 + i)
        f.overdue_promise(client, maria)
    stale = clients[-1]
    f.contact(stale, maria, days_ago=0)  # the newest contact of the last client...
    stale.interactions.all().delete()
    f.contact(stale, maria, days_ago=90)  # ...replaced by an old one: overdue
    key_clients.value_ranking_replace(
        entries=[(c.pk, i, Decimal(100 - i)) for i, c in enumerate(clients[:10], start=1)], ranked_at=timezone.now()
    )
    out = io.StringIO()
    demo.seed(rng=random.Random(7), stdout=out)
    assert KeyClientFlag.objects.count() == 9  # the top 8 by value and the stale one
    assert ServiceFailure.objects.filter(resolved_at__isnull=True).exists()
    assert ServiceFailure.objects.filter(resolved_at__isnull=False).count() == 3
    assert ServiceFailure.objects.filter(kind="key_client_contact", client=stale).exists()
    assert "1 key clients overdue" in out.getvalue()
    again = io.StringIO()
    demo.seed(rng=random.Random(7), stdout=again)
    assert "already seeded" in again.getvalue()
