"""Whose complaint is it? An anonymous complaint (web form, inbound email) suggests the client whose email or
phone it gave, but anybody can type anybody's address: it is attached to a client only when staff confirm.
Then the client-based rules apply and are evaluated again (priority by the client's value, the default
assignee)."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from clients.models import Client
from crm.exceptions import ApplicationError

from ..models import Complaint, ComplaintEvent
from .access import require_handler
from .events import log_event
from .handling import complaint_assign
from .routing import default_assignee, priority_for

M = Complaint.ClientMatch


def _locked_unattached(complaint: Complaint) -> Complaint:
    complaint = Complaint.objects.select_for_update().get(pk=complaint.pk)
    if complaint.client_id is not None:
        raise ApplicationError(
            gettext("This complaint is already attached to a client."), field="client", code="attached"
        )
    return complaint


@transaction.atomic
def complaint_match_confirm(*, complaint: Complaint, by, client: Client | None = None, note: str = "") -> Complaint:
    """Staff confirm whose complaint this is: the suggested client (default) or another `client` they
    found. The complaint is attached, its priority is computed again with the client's value, and an
    unassigned complaint goes to the client's default assignee."""
    if by is None:
        raise ApplicationError(gettext("A member of staff confirms whose complaint this is."), code="forbidden")
    require_handler(by)
    complaint = _locked_unattached(complaint)
    client = client or complaint.suggested_client
    if client is None:
        raise ApplicationError(gettext("Choose the client this complaint is from."), field="client")
    client = Client.objects.filter(pk=client.pk, merged_into__isnull=True).first()
    if client is None:
        raise ApplicationError(
            gettext("That client was merged into another; choose the surviving one."), field="client"
        )
    previous_priority = complaint.priority
    now = timezone.now()
    complaint.client = client
    complaint.client_match = M.CONFIRMED
    complaint.match_decided_by = by
    complaint.match_decided_at = now
    complaint.priority = priority_for(client=client, severity=complaint.severity, kind=complaint.kind)
    complaint.save(
        update_fields=["client", "client_match", "match_decided_by", "match_decided_at", "priority", "updated_at"]
    )
    log_event(
        complaint,
        ComplaintEvent.EventKind.CLIENT_MATCH,
        by=by,
        note=f"attached to client {client.pk} ({client.name}); priority P{previous_priority} -> P{complaint.priority}"
        + (f". {note}" if note else ""),
        at=now,
    )
    if complaint.assigned_to_id is None:
        assignee = default_assignee(client, complaint.category)
        if assignee is not None:
            # The routing rule picks the assignee, not the person who confirmed (who may not give work to a
            # colleague): it runs as the system; the decision itself is logged under their name above.
            complaint = complaint_assign(complaint=complaint, to=assignee, by=None, note="client confirmed")
    return complaint


@transaction.atomic
def complaint_match_reject(*, complaint: Complaint, by, note: str = "") -> Complaint:
    """Staff say the suggested client is not the sender: the complaint stays without a client (handled on
    the contact details typed) and leaves the queue; staff may still attach it to a client later."""
    if by is None:
        raise ApplicationError(gettext("A member of staff decides whose complaint this is."), code="forbidden")
    require_handler(by)
    complaint = _locked_unattached(complaint)
    if complaint.client_match != M.PENDING:
        raise ApplicationError(gettext("No suggested client is waiting for a decision."), field="client_match")
    now = timezone.now()
    complaint.client_match = M.REJECTED
    complaint.match_decided_by = by
    complaint.match_decided_at = now
    complaint.save(update_fields=["client_match", "match_decided_by", "match_decided_at", "updated_at"])
    log_event(
        complaint,
        ComplaintEvent.EventKind.CLIENT_MATCH,
        by=by,
        note=f"suggested client {complaint.suggested_client_id} rejected" + (f". {note}" if note else ""),
        at=now,
    )
    return complaint
