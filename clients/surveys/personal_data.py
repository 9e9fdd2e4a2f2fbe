"""The surveys' part of a person's data export and erasure (clients.hooks.personal_data_parts). Erased: the
client's free-text comments; the link token (nobody answers for an erased person). Kept: the kind, dates and
scores, which the satisfaction figures count."""

from clients.hooks import PersonalDataPart

from .models import Survey

FIELDS = [
    "id",
    "kind",
    "object_id",
    "occurred_at",
    "status",
    "channel",
    "sent_at",
    "satisfaction",
    "recommendation",
    "comment",
    "answered_at",
]


def export(*, client_ids: list[int]) -> dict[str, list[dict]]:
    return {"client_surveys": list(Survey.objects.filter(client_id__in=client_ids).order_by("id").values(*FIELDS))}


def erase(*, erasure) -> dict[str, int]:
    surveys = Survey.objects.filter(client_id__in=erasure.client_ids)
    surveys.filter(token__isnull=False).update(token=None)
    return {"surveys.Survey": surveys.exclude(comment="").update(comment="")}


PART = PersonalDataPart(label="client surveys", export=export, erase=erase)
