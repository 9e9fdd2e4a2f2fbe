"""Helpers to make complaints through the service, as the app does."""

from datetime import datetime
from zoneinfo import ZoneInfo

from complaints import services
from complaints.models import Complaint
from tests.factories import ClientFactory

UTC = ZoneInfo("UTC")


def at(y, m, d, h=0, minute=0) -> datetime:
    return datetime(y, m, d, h, minute, tzinfo=UTC)


def make_complaint(*, client=None, by=None, channel=Complaint.Channel.PHONE, text="The paper arrived wet.", **kwargs):
    client = client or ClientFactory()
    return services.complaint_create(client=client, by=by, channel=channel, text=text, **kwargs)
