"""Inbound email: a raw message becomes a complaint from its sender, once per Message-ID; a message quoting
the reference of the sender's complaint is a reply on it, recorded once, and resumes a waiting case."""

import re

from django.db import transaction
from django.utils.translation import gettext

from crm.exceptions import ApplicationError
from crm.notifications import services as notification_services

from ..inbound import EmailParseError, ParsedEmail, parse_email
from ..models import Complaint, ComplaintComment
from .access import require_handler
from .handling import complaint_transition
from .intake import complaint_create

S = Complaint.Status
REFERENCE = re.compile(r"\bC-\d{4}-\d{5}\b")


def complaint_create_from_email(*, raw: bytes, by=None) -> tuple[Complaint, bool]:
    """Ingest a raw RFC 822 message as a complaint from its sender. The Message-ID makes it idempotent:
    the same message again returns the complaint made the first time. Returns (complaint, created)."""
    require_handler(by)
    try:
        parsed = parse_email(raw)
    except EmailParseError as exc:
        raise ApplicationError(str(exc), field="message")
    external_id = f"email:{parsed.message_id}" if parsed.message_id else None
    reply_to = _replied_complaint(parsed)
    if reply_to is not None:
        client_reply_add(complaint=reply_to, body=parsed.text, message_id=parsed.message_id)
        return Complaint.objects.get(pk=reply_to.pk), False
    if external_id:
        existing = Complaint.objects.filter(external_id=external_id).first()
        if existing:
            return existing, False
    complaint = complaint_create(
        text=parsed.text,
        channel=Complaint.Channel.INBOUND_EMAIL,
        subject=parsed.subject,
        contact_name=parsed.from_name,
        contact_email=parsed.from_email,
        by=by,
        external_id=external_id,
    )
    return complaint, True


def _replied_complaint(parsed: ParsedEmail) -> Complaint | None:
    """An email whose subject quotes the reference of an open or recent complaint of the same sender is a
    reply on that complaint, not a new one."""
    match = REFERENCE.search(parsed.subject or "")
    if not match:
        return None
    complaint = Complaint.objects.select_related("client").filter(reference=match.group(0)).first()
    if complaint is None:
        return None
    senders = {(complaint.contact_email or "").lower()}
    if complaint.client_id is not None:
        senders.add(complaint.client.email.lower())
    senders.discard("")
    return complaint if parsed.from_email in senders else None


@transaction.atomic
def client_reply_add(*, complaint: Complaint, body: str, message_id: str = "") -> tuple[ComplaintComment, bool]:
    """The client wrote back. Recorded once per message: returns (comment, created), the comment recorded
    the first time when the same message comes again. A complaint waiting for the client resumes (its clocks
    restart) and the assignee is told."""
    complaint = Complaint.objects.select_for_update().get(pk=complaint.pk)
    if message_id:
        existing = ComplaintComment.objects.filter(complaint=complaint, message_id=message_id).first()
        if existing is not None:
            return existing, False
    comment = ComplaintComment.objects.create(
        complaint=complaint,
        author=None,
        body=(body or "").strip() or "(empty message)",
        from_client=True,
        message_id=message_id[:100],
    )
    if complaint.status == S.WAITING:
        complaint = complaint_transition(
            complaint=complaint, to_status=S.IN_PROGRESS, by=None, note="The client replied by email."
        )
    if complaint.assigned_to_id:
        with notification_services.in_user_language(complaint.assigned_to):
            notification_services.notification_enqueue_for_user(
                user=complaint.assigned_to,
                event="complaint_client_reply",
                dedup_key=f"complaint_client_reply:{comment.pk}",
                subject=gettext("%(reference)s: the client replied") % {"reference": complaint.reference},
                body=comment.body[:500],
                context={"complaint_id": complaint.pk},
            )
    return comment, True
