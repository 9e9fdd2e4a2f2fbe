"""The complaints' part of a person's data export and erasure (clients.hooks.personal_data_parts).

Erased: the contact details given with a complaint, its subject (the person's strings replaced), text,
resolution note, comments (the client's own messages and the replies to them), event notes, survey comments,
goodwill notes, and the staff messages about the complaint. Kept: the complaint's reference, kind, category,
status, dates, clocks, breaches, costs and scores, which the service standards and reports count."""

from django.utils.translation import gettext_lazy

from clients.hooks import ERASED_TEXT, Erasure, PersonalDataPart
from crm.notifications import services as outbox
from crm.notifications.models import Notification

from .models import Complaint, ComplaintComment, ComplaintEvent, GoodwillGesture, SatisfactionSurvey


def values(*, client_ids: list[int]) -> list[str]:
    rows = Complaint.objects.filter(client_id__in=client_ids).values_list(
        "contact_name", "contact_email", "contact_phone"
    )
    return [v for row in rows for v in row if v]


def export(*, client_ids: list[int]) -> dict[str, list[dict]]:
    complaints = Complaint.objects.filter(client_id__in=client_ids)
    ids = list(complaints.values_list("pk", flat=True))
    return {
        "complaints": list(complaints.order_by("id").values()),
        "complaint_comments": list(ComplaintComment.objects.filter(complaint_id__in=ids).order_by("id").values()),
        "complaint_events": list(ComplaintEvent.objects.filter(complaint_id__in=ids).order_by("id").values()),
        "satisfaction_surveys": list(
            SatisfactionSurvey.objects.filter(complaint_id__in=ids)
            .order_by("id")
            .values("id", "complaint_id", "sent_at", "answered_at", "score", "recommendation", "comment")
        ),
        "goodwill_gestures": list(GoodwillGesture.objects.filter(client_id__in=client_ids).order_by("id").values()),
    }


def erase(*, erasure: Erasure) -> dict[str, int]:
    complaints = Complaint.objects.filter(client_id__in=erasure.client_ids)
    ids = list(complaints.values_list("pk", flat=True))
    counts = {
        "complaints.Complaint": erasure.scrub_rows(complaints, ["subject"])
        + complaints.update(contact_name="", contact_email="", contact_phone="", text=ERASED_TEXT),
    }
    complaints.exclude(resolution_note="").update(resolution_note=ERASED_TEXT)
    counts["complaints.ComplaintComment"] = ComplaintComment.objects.filter(complaint_id__in=ids).update(
        body=ERASED_TEXT
    )
    counts["complaints.ComplaintEvent"] = erasure.scrub_rows(
        ComplaintEvent.objects.filter(complaint_id__in=ids), ["note"]
    )
    counts["complaints.SatisfactionSurvey"] = (
        SatisfactionSurvey.objects.filter(complaint_id__in=ids).exclude(comment="").update(comment="")
    )
    counts["complaints.GoodwillGesture"] = erasure.scrub_rows(
        GoodwillGesture.objects.filter(client_id__in=erasure.client_ids), ["note"]
    )
    # Staff messages about the complaints carry the complaint's text: it goes, the rest is scrubbed.
    about = Notification.objects.filter(client__isnull=True, context__complaint_id__in=ids)
    counts["notifications.Notification (complaints)"] = outbox.notifications_redact(
        rows=about, scrub=erasure.scrub, blank_body=True
    )
    return counts


PART = PersonalDataPart(label=gettext_lazy("complaints"), export=export, erase=erase, values=values)
