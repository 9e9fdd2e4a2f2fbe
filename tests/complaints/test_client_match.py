"""The public form creates no trust (complaints/services/intake.py, triage.py): an anonymous complaint keeps
the details as typed, creates no client and no consent, and is attached to the client its details match only
when staff confirm; confirming re-evaluates the client-based rules."""

from decimal import Decimal

import pytest
from django.core.cache import cache
from django.urls import reverse

from clients.models import ChannelConsent, Client
from complaints import services
from complaints.models import Complaint, ComplaintEvent
from crm.exceptions import ApplicationError
from crm.notifications.models import Notification
from purchases.models import ClientAccount, DiscountTier
from tests.factories import ClientFactory
from tests.querycount import assert_same_queries_at_two_sizes

pytestmark = pytest.mark.django_db
API = "/api/v1/complaints/"
FORM = {"name": "Ann Lee", "kind": "complaint", "text": "Wrong toner delivered."}


@pytest.fixture(autouse=True)
def clear_cache():
    cache.clear()
    yield
    cache.clear()


def _top_client(manager) -> Client:
    client = ClientFactory(manager=manager, email="boss@topclient.example", phone="+442079460999")
    tier = DiscountTier.objects.create(threshold=Decimal("10000"), percent=Decimal("10"), name="Gold")
    ClientAccount.objects.create(client=client, cumulative_total=Decimal("12000"), tier=tier)
    return client


def _anonymous(**details) -> Complaint:
    return services.complaint_create(text="Late again.", channel="web_form", contact_name="Who knows", **details)


# --- the form and intake ----------------------------------------------------------------------------------


def test_public_form_creates_no_client_and_no_consent(client):
    clients, consents = Client.objects.count(), ChannelConsent.objects.count()
    response = client.post(reverse("complaints:public_form"), {**FORM, "email": "new@example.net"})
    assert response.status_code == 302
    complaint = Complaint.objects.get()
    assert complaint.client is None and complaint.contact_email == "new@example.net"
    assert (Client.objects.count(), ChannelConsent.objects.count()) == (clients, consents)


def test_public_form_with_a_top_clients_details_attaches_to_no_client_and_lifts_no_priority(client, sales_manager):
    top = _top_client(sales_manager)
    client.post(reverse("complaints:public_form"), {**FORM, "email": top.email, "phone": "020 7946 0999"})
    complaint = Complaint.objects.get()
    assert complaint.client is None and complaint.suggested_client == top and complaint.client_match == "pending"
    assert complaint.priority == 3  # medium, no value lift from a client nobody confirmed
    assert complaint.assigned_to is None  # not routed to the top client's manager on the sender's word
    # nothing goes to the client on record; the acknowledgement is one service email to the address typed
    assert not Notification.objects.filter(client=top).exists()
    ack = Notification.objects.get(event="complaint_ack")
    assert (ack.client_id, ack.channel, ack.purpose) == (None, "email", "service")
    assert ack.context["to_email"] == top.email
    assert not Notification.objects.filter(channel="sms").exists()


def test_acknowledgement_to_the_typed_address_is_delivered(client, mailoutbox):
    from crm.notifications import delivery

    client.post(reverse("complaints:public_form"), {**FORM, "email": "ann@example.org"})
    delivery.relay_pending()
    assert len(mailoutbox) == 1 and mailoutbox[0].to == ["ann@example.org"]
    assert Complaint.objects.get().reference in mailoutbox[0].subject


def test_a_typed_phone_number_gets_no_sms():
    complaint = _anonymous(contact_phone="+442079460123")
    assert complaint.client is None
    assert not Notification.objects.exclude(status="skipped").exists()


def test_inbound_email_is_anonymous_too(sales_manager):
    top = _top_client(sales_manager)
    raw = f"From: Boss <{top.email}>\r\nSubject: Broken printer\r\nMessage-ID: <m1@x>\r\n\r\nIt broke.".encode()
    complaint, created = services.complaint_create_from_email(raw=raw)
    assert created and complaint.client is None and complaint.suggested_client == top


def test_self_declared_details_relayed_through_the_api_pick_no_client_either(sm_api, sales_manager):
    top = _top_client(sales_manager)
    raw = f"From: <{top.email}>\r\nSubject: Hi\r\nMessage-ID: <m2@x>\r\n\r\nHello.".encode()
    assert sm_api.generic("POST", f"{API}inbound-email/", raw, content_type="message/rfc822").status_code == 201
    body = {"text": "Typed on our website", "channel": "web_form", "contact_email": top.email}
    assert sm_api.post(API, body, format="json").status_code == 201
    assert list(Complaint.objects.values_list("client", "suggested_client")) == [(None, top.pk), (None, top.pk)]
    assert not top.complaints.exists()


# --- staff confirm or reject -----------------------------------------------------------------------------


def test_confirmation_attaches_and_reevaluates_priority_and_assignee(sales_manager, administrator):
    top = _top_client(sales_manager)
    complaint = _anonymous(contact_email=top.email)
    assert complaint.priority == 3 and complaint.client is None
    complaint = services.complaint_match_confirm(complaint=complaint, by=administrator, note="called back")
    complaint.refresh_from_db()
    assert complaint.client == top and complaint.client_match == "confirmed"
    assert complaint.priority == 1  # medium lifted two steps by the client's value
    assert complaint.assigned_to == sales_manager  # the client's manager
    assert complaint.match_decided_by == administrator
    event = complaint.events.get(kind=ComplaintEvent.EventKind.CLIENT_MATCH)
    assert "P3 -> P1" in event.note and "called back" in event.note


def test_staff_may_confirm_another_client_than_the_suggestion(sales_manager):
    suggested, real = ClientFactory(email="a@example.org"), ClientFactory(manager=sales_manager)
    complaint = _anonymous(contact_email="a@example.org")
    complaint = services.complaint_match_confirm(complaint=complaint, by=sales_manager, client=real)
    assert complaint.client == real and suggested.complaints.count() == 0


def test_rejecting_leaves_the_complaint_without_a_client_and_out_of_the_queue(sales_manager):
    top = _top_client(sales_manager)
    complaint = _anonymous(contact_email=top.email)
    services.complaint_match_reject(complaint=complaint, by=sales_manager, note="different person")
    complaint.refresh_from_db()
    assert complaint.client is None and complaint.client_match == "rejected" and complaint.priority == 3
    assert not services_queue()


def services_queue():
    from complaints import selectors

    return list(selectors.client_match_queue())


def test_a_decision_needs_a_handler_and_an_unattached_complaint(sales_manager, accountant):
    complaint = _anonymous(contact_email=ClientFactory().email)
    with pytest.raises(ApplicationError) as exc:
        services.complaint_match_confirm(complaint=complaint, by=accountant)
    assert exc.value.code == "forbidden"
    with pytest.raises(ApplicationError) as exc:
        services.complaint_match_confirm(complaint=complaint, by=None)
    assert exc.value.code == "forbidden"
    services.complaint_match_confirm(complaint=complaint, by=sales_manager)
    with pytest.raises(ApplicationError):
        services.complaint_match_confirm(complaint=complaint, by=sales_manager)
    with pytest.raises(ApplicationError):
        services.complaint_match_reject(complaint=complaint, by=sales_manager)
    stranger = _anonymous(contact_email="nobody@example.net")
    with pytest.raises(ApplicationError) as exc:
        services.complaint_match_confirm(complaint=stranger, by=sales_manager)
    assert exc.value.field == "client"


def test_an_unattached_complaint_is_handled_on_the_typed_details(sales_manager):
    complaint = _anonymous(contact_email="ann@example.org")
    services.complaint_triage(complaint=complaint, by=sales_manager, severity="high")
    with pytest.raises(ApplicationError):
        services.goodwill_add(complaint=complaint, kind="gift", cost=Decimal("5"), by=sales_manager)
    services.complaint_transition(
        complaint=complaint, to_status="resolved", by=sales_manager, resolution_note="ok", root_cause="other"
    )
    survey = Notification.objects.get(event="survey_request")
    assert survey.client_id is None and survey.context["to_email"] == "ann@example.org"


# --- the API ----------------------------------------------------------------------------------------------


def test_api_lists_unmatched_public_complaints_with_the_suggested_client(sm_api, sales_manager):
    top = _top_client(sales_manager)
    complaint = _anonymous(contact_email=top.email)
    _anonymous(contact_email="stranger@example.net")  # no match: not in the queue
    response = sm_api.get(f"{API}client-matches/")
    assert response.status_code == 200
    rows = response.json()["results"]
    assert [r["id"] for r in rows] == [complaint.pk]
    assert rows[0]["contact_email"] == top.email and rows[0]["suggested_client"]["id"] == top.pk
    detail = sm_api.get(f"{API}{complaint.pk}/").json()
    assert detail["client"] is None and detail["client_match"] == "pending" and detail["client_name"] == "Who knows"


def test_api_queue_costs_the_same_queries_for_2_and_20_rows(sm_api, sales_manager):
    def add(n):
        for _ in range(n):
            _anonymous(contact_email=ClientFactory(manager=sales_manager).email)

    assert_same_queries_at_two_sizes(
        fetch=lambda: sm_api.get(f"{API}client-matches/"),
        add_rows=add,
        rows=lambda r: len(r.json()["results"]),
        queries=2,
    )


def test_api_confirm_attaches_and_reject_does_not(sm_api, sales_manager):
    top = _top_client(sales_manager)
    first, second = _anonymous(contact_email=top.email), _anonymous(contact_email=top.email)
    response = sm_api.post(f"{API}{first.pk}/client-match/confirm/", {"note": "ok"}, format="json")
    assert response.status_code == 200 and response.json()["client"] == top.pk and response.json()["priority"] == 1
    response = sm_api.post(f"{API}{second.pk}/client-match/reject/", {}, format="json")
    assert response.status_code == 200 and response.json()["client"] is None
    assert response.json()["client_match"] == "rejected"


def test_api_confirm_bad_input_is_400(sm_api):
    complaint = _anonymous(contact_email=ClientFactory().email)
    response = sm_api.post(f"{API}{complaint.pk}/client-match/confirm/", {"client": 999999}, format="json")
    assert response.status_code == 400 and "client" in response.json()
    complaint.refresh_from_db()
    assert complaint.client is None


def test_api_match_endpoints_are_denied_to_accountants_and_strangers(acc_api, api_client):
    complaint = _anonymous(contact_email=ClientFactory().email)
    for api, denied in ((acc_api, (403,)), (api_client, (401, 403))):
        assert api.get(f"{API}client-matches/").status_code in denied
        assert api.post(f"{API}{complaint.pk}/client-match/confirm/", {}, format="json").status_code in denied
        assert api.post(f"{API}{complaint.pk}/client-match/reject/", {}, format="json").status_code in denied
    complaint.refresh_from_db()
    assert complaint.client is None and complaint.client_match == "pending"


# --- the page ---------------------------------------------------------------------------------------------


def test_triage_queue_page_shows_the_typed_details_and_the_suggestion(sm_client, sales_manager):
    top = _top_client(sales_manager)
    complaint = _anonymous(contact_email=top.email)
    page = sm_client.get(reverse("complaints:triage_queue")).content.decode()
    assert complaint.reference in page and top.name in page and f'id="match-{complaint.pk}"' in page


def test_triage_queue_page_costs_the_same_queries_for_2_and_20_rows(sm_client, sales_manager):
    def add(n):
        for _ in range(n):
            _anonymous(contact_email=ClientFactory(manager=sales_manager).email)

    assert_same_queries_at_two_sizes(
        fetch=lambda: sm_client.get(reverse("complaints:triage_queue"), HTTP_HX_REQUEST="true"),
        add_rows=add,
        rows=lambda r: r.content.decode().count('<tr id="match-'),
        queries=3,
    )


def test_any_handler_confirms_a_match_to_a_colleagues_client(sales_manager, other_sales_manager):
    """The routing rule gives the complaint to the client's manager: the confirming colleague does not need
    the right to give work to others."""
    top = _top_client(other_sales_manager)
    complaint = _anonymous(contact_email=top.email)
    complaint = services.complaint_match_confirm(complaint=complaint, by=sales_manager)
    complaint.refresh_from_db()
    assert complaint.client == top and complaint.assigned_to == other_sales_manager
    assert complaint.match_decided_by == sales_manager


def test_confirming_on_the_page_attaches(sm_client, sales_manager):
    top = _top_client(sales_manager)
    complaint = _anonymous(contact_email=top.email)
    response = sm_client.post(reverse("complaints:match_decide", args=[complaint.pk]), {"decision": "confirm"})
    assert response.status_code == 302
    complaint.refresh_from_db()
    assert complaint.client == top and complaint.priority == 1


def test_a_refused_decision_on_the_page_is_shown(sm_client, sales_manager):
    complaint = _anonymous(contact_email="nobody@example.net")
    response = sm_client.post(reverse("complaints:match_decide", args=[complaint.pk]), {"decision": "reject"})
    assert response.status_code == 400 and b"No suggested client" in response.content


def test_triage_queue_page_is_denied_to_accountants(acc_client):
    complaint = _anonymous(contact_email=ClientFactory().email)
    assert acc_client.get(reverse("complaints:triage_queue")).status_code == 403
    response = acc_client.post(reverse("complaints:match_decide", args=[complaint.pk]), {"decision": "confirm"})
    assert response.status_code == 403
    complaint.refresh_from_db()
    assert complaint.client is None


def test_triage_queue_page_needs_a_login(client):
    response = client.get(reverse("complaints:triage_queue"))
    assert response.status_code == 302 and "login" in response["Location"]


def test_unattached_complaint_shows_on_the_board_list_and_detail(sm_client, sales_manager):
    complaint = _anonymous(contact_email=ClientFactory().email)
    for url in (
        reverse("complaints:board"),
        reverse("complaints:list"),
        reverse("complaints:detail", args=[complaint.pk]),
    ):
        response = sm_client.get(url)
        assert response.status_code == 200 and b"Who knows" in response.content
