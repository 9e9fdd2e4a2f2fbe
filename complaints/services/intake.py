"""Intake: a complaint (or claim, objection, suggestion, praise) from any channel becomes a case with a
yearly reference, an assignee and running clocks, and the sender is told its reference.

Whose complaint it is: staff recording it give the client, or the client is found by email/phone, or a new
lead is created (no consent is recorded: the reply is a service message, which needs none). An anonymous
complaint (no client given, and recorded by nobody or on a channel whose details the sender typed: the public
web form, inbound email, also when relayed through the API) creates no trust: it keeps the contact
details as typed, creates no client and records no consent; a client whose details match is only a
suggestion (client_match PENDING) until staff confirm it (triage.py); the acknowledgement is a service email
to the address typed, never an SMS."""

from datetime import datetime
from decimal import Decimal

from django.db import transaction
from django.utils import formats, timezone
from django.utils.translation import gettext
from django.utils.translation import gettext as _

from clients import messaging as client_messaging
from clients import selectors as client_selectors
from clients import services as client_services
from clients.models import Client
from crm.exceptions import ApplicationError
from crm.money import money
from crm.notifications import services as notification_services
from crm.notifications.webhooks import event_emit

from ..models import Complaint, ComplaintCategory, ComplaintEvent, ReferenceCounter
from .access import require_hand_over, require_intake
from .clocks import set_due_times
from .events import complaint_event_data, log_event
from .routing import default_assignee, handling_cost_for, priority_for

S = Complaint.Status
# Contact details on these channels are whatever the sender wrote (a form anybody can fill in, a From header
# anybody can set), even when a member of staff or an integration relays them: they never pick a client.
SELF_DECLARED_CHANNELS = (Complaint.Channel.WEB_FORM, Complaint.Channel.INBOUND_EMAIL)


def next_reference(at: datetime) -> str:
    year = timezone.localtime(at).year
    ReferenceCounter.objects.get_or_create(year=year)
    counter = ReferenceCounter.objects.select_for_update().get(year=year)
    counter.last += 1
    counter.save(update_fields=["last"])
    return f"C-{year}-{counter.last:05d}"


def _claimed_amount(value: Decimal | None) -> Decimal | None:
    if value is None:
        return None
    amount = money(value)
    if amount < 0:
        raise ApplicationError(gettext("The claimed amount cannot be negative."), field="claimed_amount")
    return amount


def _require_contact(contact_email: str, contact_phone: str) -> None:
    if not (contact_email or contact_phone):
        raise ApplicationError(gettext("Give an email address or phone number so we can reply."), field="contact_email")


def _resolve_client(*, client, contact_name: str, contact_email: str, contact_phone: str, channel: str, text: str, by):
    """Staff intake: the client given, else the one these details match, else a new lead."""
    if client is not None:
        return client
    match = client_selectors.client_match_by_contact(email=contact_email, phone=contact_phone).first()
    if match is not None:
        return match
    _require_contact(contact_email, contact_phone)
    first_contact = {
        Complaint.Channel.PHONE: Client.FirstContactChannel.PHONE,
        Complaint.Channel.WALK_IN: Client.FirstContactChannel.WALK_IN,
        Complaint.Channel.WEB_FORM: Client.FirstContactChannel.WEB_FORM,
        Complaint.Channel.EMAIL: Client.FirstContactChannel.EMAIL,
        Complaint.Channel.INBOUND_EMAIL: Client.FirstContactChannel.EMAIL,
    }.get(channel, Client.FirstContactChannel.OTHER)
    name = (contact_name or contact_email or contact_phone).strip()
    # The person asked for an answer: replying is a service message, which needs no consent; none is
    # recorded (asking for a reply is no opt-in to news).
    preferred = ["email"] if contact_email else ["phone"]
    return client_services.client_create(
        name=name,
        by=by,
        kind=Client.Kind.PERSON,
        email=contact_email,
        phone=contact_phone,
        status=Client.Status.LEAD,
        first_contact_channel=first_contact,
        first_contact_request=text[:500],
        preferred_channels=preferred,
    )


@transaction.atomic
def complaint_create(
    *,
    text: str,
    channel: str,
    kind: str = Complaint.Kind.COMPLAINT,
    client: Client | None = None,
    by=None,
    subject: str = "",
    contact_name: str = "",
    contact_email: str = "",
    contact_phone: str = "",
    severity: str = Complaint.Severity.MEDIUM,
    category: ComplaintCategory | None = None,
    purchase=None,
    product=None,
    claimed_amount: Decimal | None = None,
    external_id: str | None = None,
    created_at: datetime | None = None,
    hand_to=None,
) -> Complaint:
    """Record a complaint (or claim, objection, suggestion, praise) from any channel, link it to the client,
    assign it, start its clocks and acknowledge it. `by` is the member of staff who recorded it (the client
    is given, found by email/phone, or a new lead); None for the public web form and inbound email, whose
    complaint stays without a client until staff confirm the suggested match (see the module's note).
    `hand_to`: the handler the person who took it passes it to (instead of the routing rule)."""
    require_intake(by)
    text = (text or "").strip()
    if not text:
        raise ApplicationError(gettext("Describe the complaint: the text is required."), field="text")
    if kind not in Complaint.Kind.values:
        raise ApplicationError(gettext("Unknown kind %(kind)r.") % {"kind": kind}, field="kind")
    if channel not in Complaint.Channel.values:
        raise ApplicationError(gettext("Unknown channel %(channel)r.") % {"channel": channel}, field="channel")
    if severity not in Complaint.Severity.values:
        raise ApplicationError(gettext("Unknown severity %(severity)r.") % {"severity": severity}, field="severity")
    amount = _claimed_amount(claimed_amount)
    if kind == Complaint.Kind.CLAIM and not amount:
        raise ApplicationError(gettext("A claim needs the amount claimed."), field="claimed_amount")
    if external_id and Complaint.objects.filter(external_id=external_id).exists():
        raise ApplicationError(gettext("A complaint with this external id already exists."), field="external_id")
    anonymous = client is None and (by is None or channel in SELF_DECLARED_CHANNELS)
    suggestion, client_match = None, ""
    if anonymous:
        _require_contact(contact_email, contact_phone)
        suggestion = client_selectors.client_match_by_contact(email=contact_email, phone=contact_phone).first()
        client_match = Complaint.ClientMatch.PENDING if suggestion else Complaint.ClientMatch.NONE
        if purchase is not None:
            raise ApplicationError(gettext("An anonymous complaint cannot name a purchase."), field="purchase")
    else:
        client = _resolve_client(
            client=client,
            contact_name=contact_name,
            contact_email=contact_email,
            contact_phone=contact_phone,
            channel=channel,
            text=text,
            by=by,
        )
    if purchase is not None and purchase.client_id not in client_selectors.client_lineage_ids(client=client):
        raise ApplicationError(gettext("That purchase belongs to another client."), field="purchase")
    if hand_to is not None:
        require_hand_over(hand_to, client)
    now = created_at or timezone.now()
    complaint = Complaint(
        reference=next_reference(now),
        kind=kind,
        channel=channel,
        client=client,
        client_match=client_match,
        suggested_client=suggestion,
        purchase=purchase,
        product=product,
        category=category,
        severity=severity,
        priority=priority_for(client=client, severity=severity, kind=kind),
        status=S.NEW,
        assigned_to=hand_to or default_assignee(client, category),
        subject=subject.strip()[:200],
        text=text,
        claimed_amount=amount if kind == Complaint.Kind.CLAIM else None,
        contact_name=contact_name[:200],
        contact_email=contact_email[:254],
        contact_phone=contact_phone[:30],
        handling_cost=handling_cost_for(category),
        created_by=by,
        external_id=external_id or None,
        created_at=now,
    )
    set_due_times(complaint)
    complaint.save(force_insert=True)
    log_event(complaint, ComplaintEvent.EventKind.CREATED, by=by, to_status=S.NEW, note=f"via {channel}", at=now)
    if complaint.assigned_to_id:
        event = log_event(
            complaint,
            ComplaintEvent.EventKind.ASSIGNED,
            by=by,
            to_user=complaint.assigned_to,
            note="handed over at intake" if hand_to is not None else "default",
            at=now,
        )
        if complaint.assigned_to != by:
            with notification_services.in_user_language(complaint.assigned_to):
                notification_services.notification_enqueue_for_user(
                    user=complaint.assigned_to,
                    event="complaint_assigned",
                    dedup_key=f"complaint_assigned:{event.pk}",
                    subject=(
                        gettext("New %(get_kind_display)s %(reference)s from %(requester_name)s")
                        % {
                            "get_kind_display": complaint.get_kind_display().lower(),
                            "reference": complaint.reference,
                            "requester_name": complaint.requester_name,
                        }
                    ),
                    body=f"Reply by {timezone.localtime(complaint.first_response_due):%Y-%m-%d %H:%M}. {text[:300]}",
                    context={"complaint_id": complaint.pk},
                )
    acknowledge(complaint)
    event_emit("complaint.opened", entity=f"complaint:{complaint.pk}", data=complaint_event_data(complaint))
    return complaint


def acknowledge(complaint: Complaint) -> None:
    """Tell the sender the reference: a service message to the client, or (anonymous) a service email to
    the address typed, never an SMS to a typed number."""
    with client_messaging.in_client_language(complaint.client if complaint.client_id else None):
        subject = _("We received your message — reference %(reference)s") % {"reference": complaint.reference}
        body = _("Thank you for contacting us. Your reference is %(reference)s. We will reply by %(due)s.") % {
            "reference": complaint.reference,
            "due": formats.date_format(timezone.localtime(complaint.first_response_due), "SHORT_DATETIME_FORMAT"),
        }
    context = {
        "reference": complaint.reference,
        "complaint_id": complaint.pk,
        "first_response_due": complaint.first_response_due.isoformat(),
    }
    key = f"complaint_ack:{complaint.pk}"
    if complaint.client_id is None:
        client_messaging.notification_enqueue_to_address(
            email=complaint.contact_email,
            event="complaint_ack",
            dedup_key=key,
            subject=subject,
            body=body,
            context=context,
        )
    else:
        client_messaging.notification_enqueue_for_client(
            client=complaint.client,
            event="complaint_ack",
            dedup_key=key,
            purpose=client_messaging.SERVICE,
            subject=subject,
            body=body,
            context=context,
        )
