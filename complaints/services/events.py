"""The complaint's event log: every service that changes a complaint records what happened here."""

from ..models import Complaint, ComplaintEvent


def complaint_event_data(complaint: Complaint) -> dict:
    """What a webhook says about a complaint: ids and states; the receiver reads the rest through the API."""
    return {
        "id": complaint.pk,
        "reference": complaint.reference,
        "client": complaint.client_id,
        "kind": complaint.kind,
        "status": complaint.status,
        "external_id": complaint.external_id,
    }


def log_event(complaint: Complaint, kind: str, *, by=None, note: str = "", **fields) -> ComplaintEvent:
    return ComplaintEvent.objects.create(complaint=complaint, kind=kind, by=by, note=note, **fields)
