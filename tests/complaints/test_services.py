from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from complaints import services
from complaints.models import Breach, Complaint, ComplaintCategory, ComplaintEvent, ResponseTarget, SatisfactionSurvey
from crm.exceptions import ApplicationError
from crm.notifications.models import Notification
from crm.standards.models import BusinessCalendar, Holiday, ServiceTargets
from tests.factories import ClientFactory

from .factories import at, make_complaint

pytestmark = pytest.mark.django_db
S = Complaint.Status


@pytest.fixture(autouse=True)
def week_calendar():
    BusinessCalendar.objects.create(working_weekdays=[1, 2, 3, 4, 5])


def test_create_gives_a_yearly_reference_and_acknowledges_in_the_same_transaction(sales_manager):
    client = ClientFactory(manager=sales_manager)
    complaint = make_complaint(client=client, by=sales_manager, created_at=at(2026, 11, 23, 10))
    second = make_complaint(client=client, by=sales_manager, created_at=at(2026, 11, 23, 11))
    assert complaint.reference == "C-2026-00001"
    assert second.reference == "C-2026-00002"
    ack = Notification.objects.get(event="complaint_ack", client=client, context__complaint_id=complaint.pk)
    assert complaint.reference in ack.body and ack.channel == "email"
    assert complaint.assigned_to == sales_manager
    assert complaint.events.filter(kind=ComplaintEvent.EventKind.CREATED).exists()


def test_due_times_follow_the_default_targets_on_the_business_calendar(sales_manager):
    # Medium: 4h first response, 24h resolution. Friday 15:00 -> first response Monday 11:00; resolution
    # 2h Friday + 8 Mon + 8 Tue + 6 Wed -> Wednesday 15:00.
    complaint = make_complaint(created_at=at(2026, 11, 27, 15))
    assert complaint.first_response_due == at(2026, 11, 30, 11)
    assert complaint.resolution_due == at(2026, 12, 2, 15)


def test_due_times_skip_holidays(sales_manager):
    Holiday.objects.create(date=date(2026, 11, 30), name="Founders' day")
    complaint = make_complaint(created_at=at(2026, 11, 27, 15))
    assert complaint.first_response_due == at(2026, 12, 1, 11)


def test_a_category_target_overrides_the_general_one(sales_manager):
    category = ComplaintCategory.objects.create(name="Delivery", code="delivery")
    ResponseTarget.objects.create(
        kind="complaint", severity="high", first_response_hours=Decimal("3"), resolution_hours=Decimal("10")
    )
    ResponseTarget.objects.create(
        kind="complaint", severity="high", category=category, first_response_hours=1, resolution_hours=5
    )
    general = make_complaint(severity="high", created_at=at(2026, 11, 23, 9))
    special = make_complaint(severity="high", category=category, created_at=at(2026, 11, 23, 9))
    assert general.first_response_due == at(2026, 11, 23, 12)
    assert special.first_response_due == at(2026, 11, 23, 10)
    assert special.resolution_due == at(2026, 11, 23, 14)


def test_waiting_for_the_client_pauses_the_clock_and_moves_due_times(sales_manager):
    complaint = make_complaint(created_at=at(2026, 11, 23, 9))  # first response 13:00, resolution Wed 17:00
    services.complaint_transition(
        complaint=complaint, to_status=S.IN_PROGRESS, by=sales_manager, now=at(2026, 11, 23, 10)
    )
    services.complaint_transition(complaint=complaint, to_status=S.WAITING, by=sales_manager, now=at(2026, 11, 23, 16))
    # The client answers next day at 11:00: paused 1h Monday + 2h Tuesday = 3 working hours.
    complaint = services.complaint_transition(
        complaint=complaint, to_status=S.IN_PROGRESS, by=sales_manager, now=at(2026, 11, 24, 11)
    )
    assert complaint.paused_total == timedelta(hours=3)
    assert complaint.paused_at is None
    assert complaint.resolution_due == at(2026, 11, 26, 12)  # Wed 17:00 + 3 working hours -> Thu 12:00
    assert complaint.first_responded_at == at(2026, 11, 23, 10)


def test_the_pause_over_a_weekend_costs_no_working_time(sales_manager):
    complaint = make_complaint(created_at=at(2026, 11, 27, 9))
    due = complaint.resolution_due
    services.complaint_transition(complaint=complaint, to_status=S.WAITING, by=sales_manager, now=at(2026, 11, 27, 17))
    complaint = services.complaint_transition(
        complaint=complaint, to_status=S.IN_PROGRESS, by=sales_manager, now=at(2026, 11, 30, 9)
    )
    assert complaint.resolution_due == due


def test_an_invalid_transition_is_refused_with_the_allowed_ones(sales_manager):
    complaint = make_complaint()
    with pytest.raises(ApplicationError) as exc:
        services.complaint_transition(complaint=complaint, to_status=S.CLOSED, by=sales_manager)
    assert exc.value.field == "to_status"
    assert "allowed" in exc.value.message
    complaint.refresh_from_db()
    assert complaint.status == S.NEW


def test_resolving_needs_a_note_and_root_cause_and_sends_a_survey(sales_manager, settings):
    settings.SITE_URL = "https://crm.example.com/"
    client = ClientFactory()
    complaint = make_complaint(client=client)
    with pytest.raises(ApplicationError) as exc:
        services.complaint_transition(complaint=complaint, to_status=S.RESOLVED, by=sales_manager)
    assert exc.value.field == "resolution_note"
    with pytest.raises(ApplicationError) as exc:
        services.complaint_transition(
            complaint=complaint, to_status=S.RESOLVED, by=sales_manager, resolution_note="Replaced"
        )
    assert exc.value.field == "root_cause"
    complaint = services.complaint_transition(
        complaint=complaint,
        to_status=S.RESOLVED,
        by=sales_manager,
        resolution_note="Replaced the box",
        root_cause="delivery",
    )
    survey = SatisfactionSurvey.objects.get(complaint=complaint)
    note = Notification.objects.get(event="survey_request", client=client)
    assert f"https://crm.example.com/complaints/survey/{survey.token}/" in note.body
    assert note.context["survey_url"].endswith(f"/survey/{survey.token}/")
    assert complaint.first_responded_at is not None and complaint.resolved_at is not None


def test_a_low_survey_score_reopens_the_case_and_tells_the_manager(sales_manager):
    complaint = make_complaint(client=ClientFactory(manager=sales_manager))
    services.complaint_transition(
        complaint=complaint, to_status=S.RESOLVED, by=sales_manager, resolution_note="Done", root_cause="other"
    )
    survey = complaint.surveys.get()
    services.survey_answer(token=survey.token, score=2, comment="Still broken")
    complaint.refresh_from_db()
    assert complaint.status == S.REOPENED
    assert complaint.reopen_count == 1 and complaint.resolved_at is None
    alert = Notification.objects.get(event="complaint_reopened")
    assert alert.user == sales_manager and "2/5" in alert.subject


def test_a_good_score_leaves_the_case_resolved(sales_manager):
    complaint = make_complaint(client=ClientFactory(manager=sales_manager))
    services.complaint_transition(
        complaint=complaint, to_status=S.RESOLVED, by=sales_manager, resolution_note="Done", root_cause="other"
    )
    services.survey_answer(token=complaint.surveys.get().token, score=4, recommendation=9)
    complaint.refresh_from_db()
    assert complaint.status == S.RESOLVED


def test_a_survey_cannot_be_answered_twice_or_out_of_range(sales_manager):
    complaint = make_complaint()
    services.complaint_transition(
        complaint=complaint, to_status=S.RESOLVED, by=sales_manager, resolution_note="Done", root_cause="other"
    )
    token = complaint.surveys.get().token
    with pytest.raises(ApplicationError) as exc:
        services.survey_answer(token=token, score=7)
    assert exc.value.field == "score"
    services.survey_answer(token=token, score=5)
    with pytest.raises(ApplicationError) as exc:
        services.survey_answer(token=token, score=1)
    assert "already been answered" in exc.value.message
    assert SatisfactionSurvey.objects.get(token=token).score == 5


def test_escalation_records_breaches_once_and_tells_the_supervisor(sales_manager, administrator):
    complaint = make_complaint(client=ClientFactory(manager=sales_manager), created_at=at(2026, 11, 23, 9))
    # first response due 13:00
    # 12:30: within the 1h warning window
    assert services.escalate_breaches(now=at(2026, 11, 23, 12, 30)) == 1
    warning = Breach.objects.get()
    assert warning.stage == "warning" and warning.clock == "first_response"
    assert services.escalate_breaches(now=at(2026, 11, 23, 12, 40)) == 0
    # 14:00: breached, recorded once, flag set, supervisor and assignee told
    assert services.escalate_breaches(now=at(2026, 11, 23, 14)) == 1
    assert services.escalate_breaches(now=at(2026, 11, 23, 15)) == 0
    complaint.refresh_from_db()
    assert complaint.first_response_breached
    told = set(Notification.objects.filter(event="complaint_breach").values_list("user__username", flat=True))
    assert told == {"adm", "sm"}
    assert list(Breach.objects.get(stage="breached").escalated_to.all()) == [administrator]


def test_escalation_goes_to_the_configured_supervisor(sales_manager, other_sales_manager, administrator):
    ServiceTargets.objects.create(supervisor=other_sales_manager)
    make_complaint(created_at=at(2026, 11, 23, 9))
    services.escalate_breaches(now=at(2026, 11, 23, 14))
    assert set(Notification.objects.filter(event="complaint_breach").values_list("user__username", flat=True)) == {
        "sm2"
    }


def test_a_paused_complaint_is_not_escalated(sales_manager):
    complaint = make_complaint(created_at=at(2026, 11, 23, 9))
    services.complaint_transition(
        complaint=complaint, to_status=S.WAITING, by=sales_manager, now=at(2026, 11, 23, 9, 30)
    )
    assert services.escalate_breaches(now=at(2026, 11, 25, 9)) == 0


def test_answering_in_time_is_not_a_breach(sales_manager):
    complaint = make_complaint()
    services.comment_add(complaint=complaint, by=sales_manager, body="Called the client", is_response=True)
    complaint.refresh_from_db()
    assert complaint.first_responded_at is not None and not complaint.first_response_breached


def test_unknown_contact_recorded_by_staff_becomes_a_lead_without_consent(sales_manager):
    complaint = services.complaint_create(
        text="Wrong toner", channel="phone", contact_name="Ann Lee", contact_email="ann@example.org", by=sales_manager
    )
    assert complaint.client.status == "lead"
    assert complaint.client.email == "ann@example.org"
    assert complaint.client.first_contact_channel == "phone"
    assert not complaint.client.consents.exists()  # asking for a reply is no opt-in to news
    ack = Notification.objects.get(event="complaint_ack", client=complaint.client)
    # the acknowledgement is a service message: it needs no consent
    assert ack.channel == "email" and ack.status == "pending" and ack.purpose == "service"


def test_known_email_recorded_by_staff_links_to_the_existing_client(sales_manager):
    client = ClientFactory(email="known@example.com")
    complaint = services.complaint_create(
        text="Late", channel="api", contact_email="KNOWN@example.com", by=sales_manager
    )
    assert complaint.client == client


def test_missing_text_or_contact_is_refused_and_nothing_is_saved(sales_manager):
    with pytest.raises(ApplicationError) as exc:
        services.complaint_create(text="  ", channel="api", contact_email="a@example.com")
    assert exc.value.field == "text"
    with pytest.raises(ApplicationError) as exc:
        services.complaint_create(text="Hello", channel="api")
    assert exc.value.field == "contact_email"
    with pytest.raises(ApplicationError) as exc:
        services.complaint_create(text="Hello", channel="api", by=sales_manager)
    assert exc.value.field == "contact_email"
    with pytest.raises(ApplicationError) as exc:
        services.complaint_create(text="Pay me", channel="api", kind="claim", client=ClientFactory())
    assert exc.value.field == "claimed_amount"
    assert Complaint.objects.count() == 0


def test_triage_recomputes_priority_costs_and_due_times_and_logs_reassignment(
    sales_manager, other_sales_manager, administrator
):
    category = ComplaintCategory.objects.create(name="Billing", code="billing", handling_cost=Decimal("40"))
    complaint = make_complaint(client=ClientFactory(manager=sales_manager), created_at=at(2026, 11, 23, 9))
    assert complaint.handling_cost == Decimal("25.00")
    complaint = services.complaint_triage(
        complaint=complaint, by=administrator, category=category, severity="critical", assigned_to=other_sales_manager
    )
    assert complaint.status == S.TRIAGED
    assert complaint.priority == 1
    assert complaint.handling_cost == Decimal("40.00")
    assert complaint.first_response_due == at(2026, 11, 23, 10)
    assigned = complaint.events.filter(kind=ComplaintEvent.EventKind.ASSIGNED).last()
    assert assigned.from_user == sales_manager and assigned.to_user == other_sales_manager


def test_category_owner_gets_complaints_of_clients_without_a_manager(sales_manager, other_sales_manager):
    category = ComplaintCategory.objects.create(name="Quality", code="quality", owner=other_sales_manager)
    assert make_complaint(category=category).assigned_to == other_sales_manager
    assert make_complaint(category=category, client=ClientFactory(manager=sales_manager)).assigned_to == sales_manager
    category.prefer_owner = True
    category.save()
    assert make_complaint(category=category, client=ClientFactory(manager=sales_manager)).assigned_to == (
        other_sales_manager
    )


def test_assigning_to_an_accountant_is_refused(administrator, accountant):
    complaint = make_complaint()
    with pytest.raises(ApplicationError, match="Assign to a sales manager or an administrator."):
        services.complaint_assign(complaint=complaint, to=accountant, by=administrator)
    complaint.refresh_from_db()
    assert complaint.assigned_to is None


def test_goodwill_is_recorded_with_its_cost_for_the_client(sales_manager):
    complaint = make_complaint()
    gesture = services.goodwill_add(complaint=complaint, kind="refund", cost=Decimal("12.345"), by=sales_manager)
    assert gesture.cost == Decimal("12.35") and gesture.client_id == complaint.client_id
    with pytest.raises(ApplicationError):
        services.goodwill_add(complaint=complaint, kind="refund", cost=Decimal("-1"), by=sales_manager)
    with pytest.raises(ApplicationError):
        services.goodwill_add(complaint=complaint, kind="cash", cost=Decimal("1"), by=sales_manager)


def test_reopening_restarts_the_resolution_clock(sales_manager):
    complaint = make_complaint(created_at=at(2026, 11, 23, 9))
    services.complaint_transition(
        complaint=complaint,
        to_status=S.RESOLVED,
        by=sales_manager,
        resolution_note="ok",
        root_cause="other",
        now=at(2026, 11, 23, 10),
    )
    complaint = services.complaint_transition(
        complaint=complaint, to_status=S.REOPENED, by=sales_manager, now=at(2026, 11, 24, 9)
    )
    assert complaint.resolution_due == at(2026, 11, 26, 17)
    assert timezone.is_aware(complaint.resolution_due)


def test_due_times_keep_local_office_hours_across_the_clock_change(settings):
    settings.TIME_ZONE = "Europe/London"
    from datetime import datetime
    from zoneinfo import ZoneInfo

    london = ZoneInfo("Europe/London")
    # Friday 23 Oct 2026 15:00 BST; medium complaint: 4 working hours -> Monday 26 Oct 11:00 GMT (after the change)
    complaint = make_complaint(created_at=datetime(2026, 10, 23, 15, tzinfo=london))
    assert complaint.first_response_due == datetime(2026, 10, 26, 11, tzinfo=london)
    assert complaint.first_response_due.utcoffset() == timedelta(0)


RAW_EMAIL = (
    b"From: Jane Roe <jane@example.org>\r\nSubject: Wet paper\r\nMessage-ID: <denied@example.org>\r\n"
    b"Content-Type: text/plain\r\n\r\nThe paper arrived wet.\r\n"
)


def _handling_actions(complaint, to):
    return {
        "complaint_create": lambda by: services.complaint_create(
            text="x", channel="phone", client=complaint.client, by=by
        ),
        "complaint_create_from_email": lambda by: services.complaint_create_from_email(raw=RAW_EMAIL, by=by),
        "complaint_triage": lambda by: services.complaint_triage(complaint=complaint, by=by, severity="high"),
        "complaint_assign": lambda by: services.complaint_assign(complaint=complaint, to=to, by=by),
        "complaint_transition": lambda by: services.complaint_transition(
            complaint=complaint, to_status=S.IN_PROGRESS, by=by
        ),
        "comment_add": lambda by: services.comment_add(complaint=complaint, by=by, body="Hello", is_response=True),
        "goodwill_add": lambda by: services.goodwill_add(complaint=complaint, kind="gift", cost=Decimal("5"), by=by),
    }


HANDLING_ACTIONS = [
    "complaint_create",
    "complaint_create_from_email",
    "complaint_triage",
    "complaint_assign",
    "complaint_transition",
    "comment_add",
    "goodwill_add",
]


# An accountant may record a complaint a client brings (intake: tests/complaints/test_intake_by_anyone.py).
@pytest.mark.parametrize(
    ("actor", "action"),
    [
        (actor, action)
        for actor in ("accountant", "no_role_user")
        for action in HANDLING_ACTIONS
        if (actor, action) != ("accountant", "complaint_create")
    ],
)
def test_handling_services_refuse_a_person_who_may_not_handle_complaints(
    request, actor, action, sales_manager, other_sales_manager
):
    complaint = make_complaint(client=ClientFactory(manager=sales_manager))
    events = complaint.events.count()
    with pytest.raises(ApplicationError) as exc:
        _handling_actions(complaint, other_sales_manager)[action](request.getfixturevalue(actor))
    assert exc.value.code == "forbidden"
    complaint.refresh_from_db()
    assert Complaint.objects.count() == 1
    assert complaint.status == S.NEW and complaint.severity == "medium" and complaint.assigned_to == sales_manager
    assert complaint.events.count() == events
    assert not complaint.comments.exists() and not complaint.goodwill.exists()


@pytest.mark.parametrize("actor", ["sales_manager", "administrator"])
def test_handling_services_accept_sales_managers_and_administrators(request, actor, other_sales_manager):
    complaint = make_complaint()
    by = request.getfixturevalue(actor)
    # an administrator gives the complaint to a colleague; a sales manager takes it themself
    to = other_sales_manager if actor == "administrator" else by
    for act in _handling_actions(complaint, to).values():
        act(by)
    complaint.refresh_from_db()
    assert complaint.status == S.IN_PROGRESS and complaint.assigned_to == to
    assert complaint.comments.count() == 1 and complaint.goodwill.count() == 1
    assert Complaint.objects.count() == 3  # one by hand, one from the email


def test_standards_services_take_decimals_and_refuse_what_is_out_of_range():
    from complaints import standards

    target = standards.target_set(
        kind="claim", severity="high", first_response_hours=Decimal("1.5"), resolution_hours=Decimal("12")
    )
    assert target.first_response_hours == Decimal("1.5")
    with pytest.raises(ApplicationError) as exc:
        standards.target_set(kind="claim", severity="high", first_response_hours=Decimal("0"), resolution_hours=1)
    assert exc.value.field == "first_response_hours"
    category = standards.category_save(name="Billing", code="billing", handling_cost=Decimal("40"))
    assert category.handling_cost == Decimal("40")
    with pytest.raises(ApplicationError) as exc:
        standards.category_save(name="Refunds", code="refunds", handling_cost=Decimal("-1"))
    assert exc.value.field == "handling_cost"
    assert not ComplaintCategory.objects.filter(code="refunds").exists()


def test_a_client_reply_is_recorded_once_per_message_and_says_whether_it_was_new(sales_manager):
    complaint = make_complaint(client=ClientFactory(manager=sales_manager))
    comment, created = services.client_reply_add(complaint=complaint, body="Photos attached", message_id="m1@x")
    assert created and comment.from_client and comment.complaint_id == complaint.pk
    again, created = services.client_reply_add(complaint=complaint, body="Photos attached", message_id="m1@x")
    assert not created and again.pk == comment.pk
    assert complaint.comments.count() == 1


def test_acknowledging_a_document_twice_keeps_one_acknowledgement(sales_manager, administrator):
    from crm.standards import services as standard_services

    document = standard_services.document_create(kind="memo", title="Memo", body="Be kind", by=administrator)
    ack, created = standard_services.acknowledge(version=document.current_version, user=sales_manager)
    assert created and ack.user == sales_manager
    again, created = standard_services.acknowledge(version=document.current_version, user=sales_manager)
    assert not created and again.pk == ack.pk


# --- which complaint a handler may act on (services/access.py) ------------------------------------------


@pytest.mark.parametrize(
    "action", ["complaint_triage", "complaint_assign", "complaint_transition", "comment_add", "goodwill_add"]
)
def test_sales_manager_may_not_act_on_a_complaint_about_a_colleagues_client(action, sales_manager, other_sales_manager):
    complaint = make_complaint(client=ClientFactory(manager=other_sales_manager))
    assert complaint.assigned_to == other_sales_manager
    with pytest.raises(ApplicationError) as exc:
        _handling_actions(complaint, sales_manager)[action](sales_manager)
    assert exc.value.code == "forbidden"
    complaint.refresh_from_db()
    assert complaint.status == S.NEW and complaint.assigned_to == other_sales_manager
    assert not complaint.comments.exists() and not complaint.goodwill.exists()


def test_the_assignee_acts_on_a_complaint_about_a_colleagues_client(sales_manager, other_sales_manager):
    owner_category = ComplaintCategory.objects.create(name="Quality", code="q", owner=sales_manager, prefer_owner=True)
    complaint = make_complaint(client=ClientFactory(manager=other_sales_manager), category=owner_category)
    assert complaint.assigned_to == sales_manager
    services.comment_add(complaint=complaint, by=sales_manager, body="On it", is_response=True)
    services.complaint_transition(complaint=complaint, to_status=S.IN_PROGRESS, by=sales_manager)
    assert services.can_act_on(sales_manager, complaint) and services.can_act_on(other_sales_manager, complaint)


def test_only_an_administrator_gives_a_complaint_to_a_colleague(sales_manager, other_sales_manager, administrator):
    complaint = make_complaint(client=ClientFactory(manager=sales_manager))
    with pytest.raises(ApplicationError) as exc:
        services.complaint_assign(complaint=complaint, to=other_sales_manager, by=sales_manager)
    assert (exc.value.code, exc.value.field) == ("forbidden", "assigned_to")
    with pytest.raises(ApplicationError):
        services.complaint_triage(complaint=complaint, by=sales_manager, assigned_to=other_sales_manager)
    complaint.refresh_from_db()
    assert complaint.assigned_to == sales_manager and complaint.status == S.NEW
    services.complaint_assign(complaint=complaint, to=other_sales_manager, by=administrator)
    complaint.refresh_from_db()
    assert complaint.assigned_to == other_sales_manager


def test_triage_by_a_sales_manager_routes_an_unassigned_complaint_by_the_rule(sales_manager, other_sales_manager):
    """The routing rule's choice is not the person's: triage may hand the case to the category owner."""
    category = ComplaintCategory.objects.create(name="Quality", code="q", owner=other_sales_manager)
    complaint = make_complaint(client=ClientFactory(manager=None))
    complaint = services.complaint_triage(complaint=complaint, by=sales_manager, category=category)
    assert complaint.assigned_to == other_sales_manager
