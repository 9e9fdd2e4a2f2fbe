import io
import random
from datetime import timedelta

import pytest
from django.utils import timezone

from clients.models import FollowUpTask
from clients.surveys import demo
from clients.surveys.models import Survey
from tests.factories import ClientFactory, ProductFactory

from .factories import consultation, sale

pytestmark = pytest.mark.django_db


def test_demo_sends_surveys_over_six_months_answers_most_and_follows_up_the_low_ones(
    sales_manager, other_sales_manager, administrator
):
    now = timezone.now()
    rng = random.Random(3)
    product = ProductFactory()
    for i in range(30):
        client = ClientFactory(manager=rng.choice([sales_manager, other_sales_manager]))
        when = now - timedelta(days=rng.randint(3, 170))
        if i % 2:
            sale(client, [product], by=administrator, when=when)
        else:
            consultation(client, staff=client.manager, when=when)
        if i % 5 == 0:  # a second occasion soon after: the frequency cap skips it
            consultation(client, staff=client.manager, when=when + timedelta(days=2))

    out = io.StringIO()
    demo.seed(rng=random.Random(7), stdout=out)
    assert Survey.objects.filter(status="answered").count() >= 10
    assert Survey.objects.filter(status="skipped", skip_reason__contains="days").exists()
    low = Survey.objects.filter(status="answered", is_low=True)
    assert low.exists() and all(s.follow_up_task_id for s in low)
    assert FollowUpTask.objects.filter(source__startswith="survey:").count() == low.count()
    assert len({s.answered_at.month for s in Survey.objects.filter(status="answered")}) >= 3  # a chart, not a dot
    assert "answered" in out.getvalue()

    again = io.StringIO()
    demo.seed(rng=random.Random(7), stdout=again)
    assert "already" in again.getvalue()
