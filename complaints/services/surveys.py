"""The satisfaction survey sent when a complaint is resolved: a one-time token, the link, the message."""

import secrets
from datetime import datetime

from django.conf import settings
from django.urls import reverse

from clients import messaging as client_messaging

from ..models import Complaint, SatisfactionSurvey


def absolute_url(path: str, base_url: str = "") -> str:
    base = (base_url or getattr(settings, "SITE_URL", "") or "http://localhost:8000").rstrip("/")
    return f"{base}{path}"


def survey_send(complaint: Complaint, now: datetime, base_url: str) -> SatisfactionSurvey:
    survey = SatisfactionSurvey.objects.create(complaint=complaint, token=secrets.token_urlsafe(24), sent_at=now)
    link = absolute_url(reverse("complaints:survey", args=[survey.token]), base_url)
    client_messaging.notification_enqueue_for_client(
        client=complaint.client,
        event="survey_request",
        dedup_key=f"survey_request:{survey.pk}",
        subject=f"How did we do? ({complaint.reference})",
        body=f"Your case {complaint.reference} is resolved. Please tell us how we did: {link}",
        context={"reference": complaint.reference, "survey_url": link, "complaint_id": complaint.pk},
    )
    return survey
