from decimal import Decimal

import pytest

from complaints.models import Complaint, GoodwillGesture
from tests.factories import ClientFactory

pytestmark = pytest.mark.django_db


def test_goodwill_gesture_keeps_its_cost_and_client(sales_manager):
    client = ClientFactory()
    complaint = Complaint.objects.create(
        reference="C-2026-00001", kind="complaint", channel="phone", client=client, text="Late delivery"
    )
    gesture = GoodwillGesture.objects.create(
        complaint=complaint, client=client, kind="gift", cost=Decimal("12.50"), given_by=sales_manager
    )
    assert list(client.goodwill_gestures.all()) == [gesture]
    assert complaint.is_open and not complaint.is_breached


def test_one_general_target_per_kind_and_severity():
    from django.db import IntegrityError, transaction

    from complaints.models import ComplaintCategory, ResponseTarget

    ResponseTarget.objects.create(kind="claim", severity="high", first_response_hours=1, resolution_hours=2)
    with pytest.raises(IntegrityError), transaction.atomic():
        ResponseTarget.objects.create(kind="claim", severity="high", first_response_hours=3, resolution_hours=4)
    category = ComplaintCategory.objects.create(name="A", code="a")
    ResponseTarget.objects.create(
        kind="claim", severity="high", category=category, first_response_hours=1, resolution_hours=2
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        ResponseTarget.objects.create(
            kind="claim", severity="high", category=category, first_response_hours=1, resolution_hours=2
        )
