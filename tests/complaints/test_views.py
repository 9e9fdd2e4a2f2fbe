from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from complaints import services, standards
from complaints.models import Complaint, ComplaintCategory, GoodwillGesture, ResponseTarget
from crm.standards import services as standard_services
from crm.standards.models import Holiday, StandardDocument
from tests.factories import ClientFactory, ProductFactory
from tests.querycount import assert_same_queries_at_two_sizes

from .factories import make_complaint

pytestmark = pytest.mark.django_db
S = Complaint.Status

HANDLER_PAGES = ["complaints:board", "complaints:list", "complaints:intake", "complaints:systematization"]
ADMIN_POSTS = [
    (
        "complaints:target_save",
        {"kind": "complaint", "severity": "high", "first_response_hours": "2", "resolution_hours": "8"},
    ),
    ("complaints:calendar_save", {"working_weekdays": ["1", "2"], "day_start": "08:00", "day_end": "16:00"}),
    ("complaints:holiday_add", {"date": "2026-12-25", "name": "Christmas"}),
    ("complaints:category_save", {"name": "Delivery", "code": "delivery"}),
    ("complaints:document_create", {"kind": "memo", "title": "Memo", "body": "Be kind"}),
    (
        "complaints:service_targets_save",
        {
            "invoice_issue_hours": "3",
            "key_client_max_days_without_contact": "20",
            "complaint_handling_cost": "30.00",
            "escalation_warning_hours": "2",
        },
    ),
]


@pytest.mark.parametrize("name", HANDLER_PAGES)
def test_handler_pages_open_for_sales_managers(sm_client, name):
    make_complaint()
    assert sm_client.get(reverse(name)).status_code == 200


# Every role records a complaint on the intake page (tests/complaints/test_intake_by_anyone.py).
@pytest.mark.parametrize("name", [name for name in HANDLER_PAGES if name != "complaints:intake"])
def test_accountants_are_denied_complaint_pages(acc_client, name):
    assert acc_client.get(reverse(name)).status_code == 403


@pytest.mark.parametrize("name", HANDLER_PAGES + ["complaints:standards", "complaints:compliance"])
def test_users_without_a_role_are_denied(client, no_role_user, name):
    client.force_login(no_role_user)
    assert client.get(reverse(name)).status_code == 403


def test_anonymous_users_are_sent_to_login(client):
    response = client.get(reverse("complaints:board"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_detail_and_its_actions_are_denied_to_accountants(acc_client, sales_manager):
    complaint = make_complaint()
    assert acc_client.get(reverse("complaints:detail", args=[complaint.pk])).status_code == 403
    for name in ("transition", "triage", "assign", "comment", "goodwill"):
        response = acc_client.post(reverse(f"complaints:{name}", args=[complaint.pk]), {"to_status": "triaged"})
        assert response.status_code == 403, name
    complaint.refresh_from_db()
    assert complaint.status == S.NEW


@pytest.mark.parametrize("name, data", ADMIN_POSTS)
def test_only_administrators_configure_standards(client, sales_manager, accountant, name, data):
    for user in (sales_manager, accountant):
        client.force_login(user)
        assert client.post(reverse(name), data).status_code == 403
    assert not ResponseTarget.objects.exists() and not Holiday.objects.exists()
    assert not ComplaintCategory.objects.exists() and not StandardDocument.objects.exists()


@pytest.mark.parametrize("name, data", ADMIN_POSTS)
def test_administrators_configure_standards(admin_client_role, name, data):
    response = admin_client_role.post(reverse(name), data)
    assert response.status_code == 302, response.content.decode()[:500]


def test_bad_standards_input_shows_a_form_error(admin_client_role):
    response = admin_client_role.post(
        reverse("complaints:target_save"),
        {"kind": "complaint", "severity": "high", "first_response_hours": "8", "resolution_hours": "2"},
    )
    assert response.status_code == 400
    assert b"Resolution cannot be due before the first response" in response.content
    assert not ResponseTarget.objects.exists()
    response = admin_client_role.post(
        reverse("complaints:calendar_save"), {"working_weekdays": ["1"], "day_start": "17:00", "day_end": "09:00"}
    )
    assert response.status_code == 400


def test_standards_and_compliance_are_readable_by_every_role(acc_client, administrator):
    standard_services.document_create(kind="dress_code", title="Dress code", body="Smart casual", by=administrator)
    assert acc_client.get(reverse("complaints:standards")).status_code == 200
    assert acc_client.get(reverse("complaints:compliance")).status_code == 200


def test_staff_acknowledge_the_current_version_and_a_new_version_asks_again(sm_client, sales_manager, administrator):
    document = standard_services.document_create(kind="code_of_conduct", title="Conduct", body="v1", by=administrator)
    url = reverse("complaints:document_acknowledge", args=[document.pk])
    assert sm_client.post(url).status_code == 302
    assert b"You acknowledged this version" in sm_client.get(reverse("complaints:document", args=[document.pk])).content
    standard_services.document_publish(document=document, body="v2", by=administrator)
    page = sm_client.get(reverse("complaints:document", args=[document.pk]))
    assert b"I have read and will follow version 2" in page.content


def test_list_filters(sm_client):
    category = ComplaintCategory.objects.create(name="Billing", code="billing")
    for i in range(12):
        make_complaint(severity="high" if i % 2 else "low", category=category if i % 3 else None)
    response = sm_client.get(reverse("complaints:list"), {"severity": "high"})
    assert response.status_code == 200
    assert response.content.count(b'id="row-C-') == 6
    response = sm_client.get(reverse("complaints:list"), {"breached": "yes"})
    assert response.content.count(b'id="row-C-') == 0


@pytest.mark.parametrize(
    "filters, shown_before",  # the low-severity complaint shows unless the filter is by severity
    [({}, 1), ({"severity": "high"}, 0), ({"breached": "no"}, 1)],
)
def test_list_costs_the_same_queries_for_2_and_20_complaints(sm_client, sales_manager, filters, shown_before):
    category = ComplaintCategory.objects.create(name="Billing", code="billing")
    make_complaint(severity="low")  # filtered out by severity

    def add(n):
        for i in range(n):
            complaint = make_complaint(
                client=ClientFactory(manager=sales_manager), severity="high", category=category if i % 2 else None
            )
            services.complaint_assign(complaint=complaint, to=sales_manager, by=sales_manager)

    assert_same_queries_at_two_sizes(
        fetch=lambda: sm_client.get(reverse("complaints:list"), filters),
        add_rows=add,
        rows=lambda r: r.content.count(b'id="row-C-') - shown_before,
        queries=6,
    )


def test_board_costs_the_same_queries_for_2_and_20_cards(sm_client, sales_manager):
    def add(n):
        for i in range(n):
            complaint = make_complaint(client=ClientFactory(manager=sales_manager))
            if i % 3 == 0:
                services.complaint_triage(complaint=complaint, by=None, severity="high")
            if i % 2:
                services.complaint_assign(complaint=complaint, to=sales_manager, by=sales_manager)

    response = assert_same_queries_at_two_sizes(
        fetch=lambda: sm_client.get(reverse("complaints:board")),
        add_rows=add,
        rows=lambda r: r.content.count(b'id="card-C-'),
        queries=10,  # a fixed number: one per column, not one per card
    )
    assert response.content.count(b'class="card complaint-card') == 20


def test_htmx_list_request_returns_the_fragment(sm_client):
    make_complaint()
    response = sm_client.get(reverse("complaints:list"), HTTP_HX_REQUEST="true")
    assert b"<html" not in response.content and b"row-C-" in response.content


def test_staff_intake_records_and_redirects(sm_client, sales_manager):
    client = ClientFactory()
    product = ProductFactory(sku="A4-500")
    response = sm_client.post(
        reverse("complaints:intake"),
        {
            "channel": "phone",
            "kind": "complaint",
            "client_id": client.pk,
            "text": "Rude driver",
            "severity": "high",
            "product_sku": "a4-500",
        },
    )
    complaint = Complaint.objects.get()
    assert complaint.product == product
    assert response.status_code == 302 and response["Location"] == reverse("complaints:detail", args=[complaint.pk])
    assert complaint.client == client and complaint.created_by == sales_manager


def test_staff_intake_bad_input_shows_errors_and_saves_nothing(sm_client):
    response = sm_client.post(
        reverse("complaints:intake"), {"channel": "phone", "kind": "claim", "text": "x", "severity": "low"}
    )
    assert response.status_code == 400 and b"A claim needs the amount claimed." in response.content
    response = sm_client.post(
        reverse("complaints:intake"), {"channel": "phone", "kind": "complaint", "text": "x", "severity": "low"}
    )
    assert response.status_code == 400
    assert b"Give an email address or phone number so we can reply." in response.content
    response = sm_client.post(
        reverse("complaints:intake"),
        {"channel": "phone", "kind": "complaint", "client_id": 999999, "text": "x", "severity": "low"},
    )
    assert response.status_code == 400 and b"No client has this id" in response.content
    response = sm_client.post(
        reverse("complaints:intake"),
        {
            "channel": "phone",
            "kind": "complaint",
            "client_id": ClientFactory().pk,
            "text": "x",
            "severity": "low",
            "product_sku": "NOPE",
        },
    )
    assert response.status_code == 400 and b"No product has this SKU" in response.content
    assert not Complaint.objects.exists()


def test_detail_transition_triage_comment_goodwill(sm_client, sales_manager):
    complaint = make_complaint()
    category = ComplaintCategory.objects.create(name="Quality", code="quality")
    url = lambda name: reverse(f"complaints:{name}", args=[complaint.pk])  # noqa: E731
    assert sm_client.get(url("detail")).status_code == 200
    r = sm_client.post(url("triage"), {"category": category.pk, "severity": "high", "kind": "complaint"})
    assert r.status_code == 302
    r = sm_client.post(url("transition"), {"to_status": "closed"})
    assert r.status_code == 400 and b"Cannot move from triaged to closed" in r.content
    r = sm_client.post(url("comment"), {"body": "Called", "is_response": "on"})
    assert r.status_code == 302
    r = sm_client.post(url("goodwill"), {"kind": "gift", "cost": "15.00", "note": "Mug"})
    assert r.status_code == 302
    r = sm_client.post(url("goodwill"), {"kind": "gift", "cost": "-3"})
    assert r.status_code == 400
    r = sm_client.post(
        url("transition"),
        {"to_status": "resolved", "resolution_note": "Sent new paper", "root_cause": "product_defect"},
        HTTP_HX_REQUEST="true",
    )
    assert r.status_code == 200 and b"<html" not in r.content and b"Sent new paper" in r.content
    complaint.refresh_from_db()
    assert complaint.status == S.RESOLVED and complaint.category == category
    assert GoodwillGesture.objects.filter(complaint=complaint).count() == 1


def test_client_tab_shows_complaints_and_survey_answers(sm_client, accountant, sales_manager):
    from django.test import Client

    client = ClientFactory()
    for _ in range(4):
        complaint = make_complaint(client=client)
        services.goodwill_add(complaint=complaint, kind="gift", cost=Decimal("5"), by=sales_manager)
    services.complaint_transition(
        complaint=complaint, to_status=S.RESOLVED, by=sales_manager, resolution_note="ok", root_cause="other"
    )
    services.survey_answer(token=complaint.surveys.get().token, score=4, comment="Quick and kind")
    url = reverse("complaints:client_tab", args=[client.pk])
    response = sm_client.get(url)
    assert response.status_code == 200 and b"<html" not in response.content
    assert b"Quick and kind" in response.content and response.content.count(b'id="ctab-C-') == 4
    assert f"/complaints/{complaint.pk}/".encode() in response.content  # handlers get links
    # accountants see no complaint on any page (their client card is the billing page), nor in the API
    acc_client = Client()
    acc_client.force_login(accountant)
    assert acc_client.get(url).status_code == 403


def test_client_tab_costs_the_same_queries_for_2_and_20_complaints(sm_client, sales_manager):
    client = ClientFactory()

    def add(n):
        for _ in range(n):
            complaint = make_complaint(client=client)
            services.goodwill_add(complaint=complaint, kind="gift", cost="5", by=sales_manager)
            services.complaint_transition(
                complaint=complaint, to_status=S.RESOLVED, by=sales_manager, resolution_note="ok", root_cause="other"
            )
            services.survey_answer(token=complaint.surveys.get().token, score=4, comment="Quick and kind")

    response = assert_same_queries_at_two_sizes(
        fetch=lambda: sm_client.get(reverse("complaints:client_tab", args=[client.pk])),
        add_rows=add,
        rows=lambda r: r.content.count(b'id="ctab-C-'),
        queries=6,
    )
    assert response.content.count(b"Quick and kind") == 20


def test_client_tab_denied_without_a_role(client, no_role_user):
    client.force_login(no_role_user)
    assert client.get(reverse("complaints:client_tab", args=[ClientFactory().pk])).status_code == 403


def test_systematization_and_compliance_pages_show_aggregates(admin_client_role, sales_manager):
    for _ in range(3):
        c = make_complaint(client=ClientFactory(manager=sales_manager))
        services.complaint_transition(
            complaint=c, to_status=S.RESOLVED, by=sales_manager, resolution_note="ok", root_cause="delivery"
        )
    response = admin_client_role.get(reverse("complaints:systematization"))
    assert response.status_code == 200 and b"Delivery / logistics" in response.content
    response = admin_client_role.get(reverse("complaints:compliance"), {"period": "week"})
    assert response.status_code == 200 and b"100.0%" in response.content


def test_dashboard_shows_my_complaints_and_unacknowledged_documents(sm_client, sales_manager, administrator):
    make_complaint(client=ClientFactory(manager=sales_manager))
    standard_services.document_create(kind="memo", title="Winter memo", body="Salt the steps", by=administrator)
    response = sm_client.get("/")
    assert b'id="panel-complaints-mine"' in response.content
    assert b"Winter memo" in response.content


def test_administrators_edit_company_wide_targets_used_by_purchases(admin_client_role, sales_manager):
    from crm.standards.selectors import service_targets

    data = {
        "invoice_issue_hours": "3.5",
        "key_client_max_days_without_contact": "21",
        "complaint_handling_cost": "30.00",
        "escalation_warning_hours": "2",
        "supervisor": sales_manager.pk,
    }
    assert admin_client_role.post(reverse("complaints:service_targets_save"), data).status_code == 302
    targets = service_targets()
    assert str(targets.invoice_issue_hours) == "3.50" and targets.key_client_max_days_without_contact == 21
    assert targets.supervisor == sales_manager
    bad = admin_client_role.post(reverse("complaints:service_targets_save"), {**data, "invoice_issue_hours": "0"})
    assert bad.status_code == 400 and b"more than zero hours" in bad.content


def test_publishing_and_removing_holidays_are_for_administrators_only(client, sales_manager, accountant, administrator):
    document = standard_services.document_create(kind="memo", title="Memo", body="v1", by=administrator)
    holiday = standard_services.holiday_add(day=date(2026, 12, 25), name="Christmas")
    for user in (sales_manager, accountant):
        client.force_login(user)
        assert (
            client.post(reverse("complaints:document_publish", args=[document.pk]), {"body": "v2"}).status_code == 403
        )
        assert client.post(reverse("complaints:holiday_delete", args=[holiday.pk])).status_code == 403
    assert document.versions.count() == 1 and Holiday.objects.count() == 1


def test_dashboard_breach_panel_and_accountant_panels(sm_client, accountant, sales_manager, administrator):
    from django.test import Client

    from crm.standards.models import BusinessCalendar

    from .factories import at

    BusinessCalendar.objects.create(working_weekdays=[1, 2, 3, 4, 5, 6, 7])
    complaint = make_complaint(client=ClientFactory(manager=sales_manager), created_at=at(2020, 1, 6, 9))
    services.escalate_breaches()
    response = sm_client.get("/")
    assert b'id="panel-complaints-breaches"' in response.content and complaint.reference.encode() in response.content
    standard_services.document_create(kind="dress_code", title="Dress code", body="Smart", by=administrator)
    acc_client = Client()
    acc_client.force_login(accountant)
    response = acc_client.get("/")
    assert b"panel-complaints-mine" not in response.content and b"Dress code" in response.content


def test_detail_shows_the_script_and_standards_of_the_category(sm_client, administrator):
    script = standard_services.document_create(
        kind="sales_script", title="Delivery script", body="Thank", by=administrator
    )
    quality = standard_services.document_create(kind="quality_standard", title="Quality", body="Fast", by=administrator)
    category = standards.category_save(name="Delivery", code="delivery", script=script, standards=[quality])
    complaint = make_complaint(category=category)
    response = sm_client.get(reverse("complaints:detail", args=[complaint.pk]))
    assert b"Delivery script" in response.content and b"Quality" in response.content


def test_detail_costs_the_same_queries_for_2_and_20_comments_and_gestures(sm_client, sales_manager, administrator):
    script = standard_services.document_create(
        kind="sales_script", title="Delivery script", body="Thank", by=administrator
    )
    quality = standard_services.document_create(kind="quality_standard", title="Quality", body="Fast", by=administrator)
    category = standards.category_save(name="Delivery", code="delivery", script=script, standards=[quality])
    complaint = make_complaint(category=category)
    services.complaint_assign(complaint=complaint, to=sales_manager, by=administrator)

    def add(n):
        for i in range(n):
            author = sales_manager if i % 2 else administrator
            services.comment_add(complaint=complaint, by=author, body=f"Called {i}")
            services.goodwill_add(complaint=complaint, kind="gift", cost="5", by=author)

    response = assert_same_queries_at_two_sizes(
        fetch=lambda: sm_client.get(reverse("complaints:detail", args=[complaint.pk])),
        add_rows=add,
        rows=lambda r: r.content.split(b'id="comments"')[1].split(b"</article>")[0].count(b"<p><small"),
        queries=12,
    )
    goodwill = response.content.split(b'id="goodwill"')[1].split(b"</ul>")[0]
    assert goodwill.count(b"<li>") == 20


def test_htmx_action_with_an_error_answers_the_fragment_with_the_message(sm_client):
    complaint = make_complaint()
    response = sm_client.post(
        reverse("complaints:transition", args=[complaint.pk]), {"to_status": "resolved"}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200  # htmx swaps only 2xx answers
    assert b"<html" not in response.content and b"Write how the complaint was resolved" in response.content
    complaint.refresh_from_db()
    assert complaint.status == S.NEW


def test_survey_link_uses_site_url_whatever_the_request_host(sm_client, settings):
    settings.ALLOWED_HOSTS = ["*"]
    settings.SITE_URL = "https://crm.example.com"
    from crm.notifications.models import Notification

    complaint = make_complaint()
    response = sm_client.post(
        reverse("complaints:transition", args=[complaint.pk]),
        {"to_status": "resolved", "resolution_note": "Replaced", "root_cause": "delivery"},
        HTTP_HOST="attacker.example",
    )
    assert response.status_code == 302
    survey = complaint.surveys.get()
    note = Notification.objects.get(event="survey_request", client=complaint.client)
    assert note.context["survey_url"] == f"https://crm.example.com/complaints/survey/{survey.token}/"
    assert f"https://crm.example.com/complaints/survey/{survey.token}/" in note.body
    assert "attacker.example" not in note.body


def test_a_service_refusing_the_actor_is_a_403_page(sm_client, monkeypatch):
    from crm.exceptions import ApplicationError

    def refuse(**kwargs):
        raise ApplicationError("Only sales managers and administrators handle complaints.", code="forbidden")

    monkeypatch.setattr(services, "goodwill_add", refuse)
    complaint = make_complaint()
    response = sm_client.post(reverse("complaints:goodwill", args=[complaint.pk]), {"kind": "gift", "cost": "5"})
    assert response.status_code == 403
    response = sm_client.post(
        reverse("complaints:goodwill", args=[complaint.pk]), {"kind": "gift", "cost": "5"}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 403
    assert not GoodwillGesture.objects.exists()


def test_amounts_that_are_not_numbers_are_refused_by_the_form(sm_client):
    complaint = make_complaint()
    response = sm_client.post(reverse("complaints:goodwill", args=[complaint.pk]), {"kind": "gift", "cost": "lots"})
    assert response.status_code == 400
    response = sm_client.post(
        reverse("complaints:intake"),
        {
            "channel": "phone",
            "kind": "claim",
            "client_id": complaint.client_id,
            "text": "x",
            "severity": "low",
            "claimed_amount": "x",
        },
    )
    assert response.status_code == 400
    assert not GoodwillGesture.objects.exists() and Complaint.objects.count() == 1


def test_detail_page_offers_actions_only_to_who_may_act_on_the_complaint(sm_client, sales_manager, other_sales_manager):
    theirs = make_complaint(client=ClientFactory(manager=other_sales_manager))
    own = make_complaint(client=ClientFactory(manager=sales_manager))
    for form_id in (b'id="transition-form"', b'id="triage-form"', b'id="goodwill-form"'):
        assert form_id not in sm_client.get(f"/complaints/{theirs.pk}/").content
        assert form_id in sm_client.get(f"/complaints/{own.pk}/").content
