import io
import random

import pytest

from clients import messaging_demo
from clients.models import News
from crm.notifications import demo
from crm.notifications.models import MessageTemplate, Notification

pytestmark = pytest.mark.django_db

EVENTS = {"tier_upgrade", "complaint_ack", "survey_request", "invoice_issued", "promise_reminder", "news",
          "manager_reassigned"}  # fmt: skip


def test_demo_seeds_templates_news_and_outcomes_once(segment, make_client, administrator):
    for i in range(4):
        make_client(segment=segment, address=f"{i} Mill Lane")
    out = io.StringIO()
    demo.seed(rng=random.Random(1), stdout=out)
    messaging_demo.seed(rng=random.Random(1), stdout=out)
    assert set(MessageTemplate.objects.values_list("event", flat=True)) == EVENTS
    assert News.objects.get().status == "sent"
    assert Notification.objects.filter(status="sent").count() >= 4
    assert Notification.objects.filter(status="failed").count() == 1
    count = Notification.objects.count()
    demo.seed(rng=random.Random(1), stdout=out)
    messaging_demo.seed(rng=random.Random(1), stdout=out)
    assert Notification.objects.count() == count and "already seeded" in out.getvalue()
