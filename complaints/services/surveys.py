"""The satisfaction survey sent when a complaint is resolved: a one-time token, the link, the message."""

import secrets
from datetime import datetime

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext as _

from clients import messaging as client_messaging

from ..models import Complaint, SatisfactionSurvey


def survey_link(survey: SatisfactionSurvey) -> str:
    """The public link to the survey, on the one base URL of links in messages (settings.SITE_URL): never
    the Host of whichever request resolved the complaint, which a client can set to anything."""
    return settings.SITE_URL.rstrip("/") + reverse("complaints:survey", args=[survey.token])


def survey_send(complaint: Complaint, now: datetime) -> SatisfactionSurvey:
    survey = SatisfactionSurvey.objects.create(complaint=complaint, token=secrets.token_urlsafe(24), sent_at=now)
    link = survey_link(survey)
    with client_messaging.in_client_language(complaint.client if complaint.client_id else None):
        subject = _("How did we do? (%(reference)s)") % {"reference": complaint.reference}
        body = _("Your case %(reference)s is resolved. Please tell us how we did: %(link)s") % {
            "reference": complaint.reference,
            "link": link,
        }
    message = {
        "event": "survey_request",
        "dedup_key": f"survey_request:{survey.pk}",
        "subject": subject,
        "body": body,
        "context": {"reference": complaint.reference, "survey_url": link, "complaint_id": complaint.pk},
    }
    if complaint.client_id is None:  # an anonymous complaint nobody attached: the address typed, email only
        client_messaging.notification_enqueue_to_address(email=complaint.contact_email, **message)
    else:
        client_messaging.notification_enqueue_for_client(
            client=complaint.client, purpose=client_messaging.SERVICE, **message
        )
    return survey
