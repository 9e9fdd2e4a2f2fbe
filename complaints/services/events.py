"""The complaint's event log: every service that changes a complaint records what happened here."""

from ..models import Complaint, ComplaintEvent


def log_event(complaint: Complaint, kind: str, *, by=None, note: str = "", **fields) -> ComplaintEvent:
    return ComplaintEvent.objects.create(complaint=complaint, kind=kind, by=by, note=note, **fields)
