import pytest

from complaints import services
from complaints.models import Complaint, ComplaintComment, GoodwillGesture, ResponseTarget
from tests.factories import ClientFactory
from tests.querycount import assert_same_queries_at_two_sizes

from .factories import make_complaint

pytestmark = pytest.mark.django_db
URL = "/api/v1/complaints/"
S = Complaint.Status


def test_create_answers_with_reference_status_priority_and_due_times(sm_api):
    client = ClientFactory()
    response = sm_api.post(URL, {"client": client.pk, "text": "Toner leaked", "severity": "high"})
    assert response.status_code == 201, response.json()
    body = response.json()
    assert set(body) >= {"reference", "status", "priority", "first_response_due", "resolution_due"}
    assert body["reference"].startswith("C-") and body["status"] == "new" and body["priority"] == 2
    assert Complaint.objects.get().channel == "api"


def test_create_from_a_website_links_by_email_or_makes_a_lead(sm_api):
    response = sm_api.post(URL, {"text": "Nice shop", "kind": "praise", "contact_email": "new@example.net"})
    assert response.status_code == 201
    assert Complaint.objects.get().client.status == "lead"


@pytest.mark.parametrize(
    "payload, field",
    [
        ({"client": 1}, "text"),
        ({"text": "x", "client": 999999}, "client"),
        ({"text": "x"}, "contact_email"),
        ({"text": "x", "kind": "claim", "contact_email": "a@example.com"}, "claimed_amount"),
        ({"text": "x", "severity": "apocalyptic", "contact_email": "a@example.com"}, "severity"),
        ({"text": "x", "category": "nope", "contact_email": "a@example.com"}, "category"),
    ],
)
def test_create_bad_input_is_400_with_a_field_message_and_saves_nothing(sm_api, payload, field):
    response = sm_api.post(URL, payload)
    assert response.status_code == 400
    assert field in response.json(), response.json()
    assert not Complaint.objects.exists()


def test_missing_text_message_is_clear(sm_api):
    response = sm_api.post(URL, {"contact_email": "a@example.com"})
    assert response.json()["text"] == ["Describe the complaint: the text is required."]


def test_accountant_gets_no_complaint_in_the_api_as_on_the_pages(acc_api, sales_manager):
    complaint = make_complaint()
    assert acc_api.get(URL).status_code == 403
    assert acc_api.get(f"{URL}{complaint.pk}/").status_code == 403
    assert acc_api.get(f"{URL}{complaint.pk}/goodwill/").status_code == 403
    assert acc_api.get(f"{URL}{complaint.pk}/comments/").status_code == 403
    assert acc_api.post(f"{URL}{complaint.pk}/transition/", {"to_status": "triaged"}).status_code == 403
    assert acc_api.post(f"{URL}{complaint.pk}/goodwill/", {"kind": "gift", "cost": "5"}).status_code == 403
    assert acc_api.post(f"{URL}{complaint.pk}/comments/", {"body": "hi"}).status_code == 403
    assert Complaint.objects.count() == 1 and not GoodwillGesture.objects.exists()


def test_unauthenticated_and_roleless_calls_are_refused(api_client, api_client_for, no_role_user):
    assert api_client.get(URL).status_code == 401
    assert api_client.post(URL, {"text": "x"}).status_code == 401
    assert api_client_for(no_role_user).get(URL).status_code == 403
    assert api_client.get("/api/v1/service-standards/").status_code == 401


def test_list_filters(sm_api):
    for i in range(10):
        make_complaint(severity="high" if i % 2 else "low")
    response = sm_api.get(URL, {"severity": "high"})
    assert response.status_code == 200
    assert len(response.json()["results"]) == 5
    assert sm_api.get(URL, {"breached": "true"}).json()["results"] == []
    assert len(sm_api.get(URL, {"updated_since": "2000-01-01T00:00:00Z"}).json()["results"]) == 10


def test_list_costs_the_same_queries_for_2_and_20_complaints(sm_api, sales_manager):
    make_complaint(severity="low")

    def add(n):
        for i in range(n):
            complaint = make_complaint(client=ClientFactory(manager=sales_manager), severity="high")
            services.complaint_assign(complaint=complaint, to=sales_manager, by=sales_manager)
            services.comment_add(complaint=complaint, by=sales_manager, body=f"Called {i}")

    assert_same_queries_at_two_sizes(
        fetch=lambda: sm_api.get(URL, {"severity": "high"}),
        add_rows=add,
        rows=lambda r: len(r.json()["results"]),
        queries=2,
    )


def test_transition_valid_and_invalid(sm_api):
    complaint = make_complaint()
    response = sm_api.post(f"{URL}{complaint.pk}/transition/", {"to_status": "triaged"})
    assert response.status_code == 200 and response.json()["status"] == "triaged"
    response = sm_api.post(f"{URL}{complaint.pk}/transition/", {"to_status": "closed"})
    assert response.status_code == 400
    assert "Cannot move from triaged to closed" in response.json()["to_status"][0]
    response = sm_api.post(f"{URL}{complaint.pk}/transition/", {"to_status": "resolved"})
    assert response.status_code == 400 and "resolution_note" in response.json()
    complaint.refresh_from_db()
    assert complaint.status == S.TRIAGED
    assert sm_api.post(f"{URL}999999/transition/", {"to_status": "triaged"}).status_code == 404


def test_comments_and_goodwill(sm_api):
    complaint = make_complaint()
    assert sm_api.post(f"{URL}{complaint.pk}/comments/", {"body": ""}).status_code == 400
    assert sm_api.post(f"{URL}{complaint.pk}/comments/", {"body": "Called", "is_response": True}).status_code == 201
    assert ComplaintComment.objects.count() == 1
    assert sm_api.post(f"{URL}{complaint.pk}/goodwill/", {"kind": "gift", "cost": "-1"}).status_code == 400
    assert sm_api.post(f"{URL}{complaint.pk}/goodwill/", {"kind": "teleport", "cost": "1"}).status_code == 400
    for _ in range(3):
        assert sm_api.post(f"{URL}{complaint.pk}/goodwill/", {"kind": "refund", "cost": "9.99"}).status_code == 201
    body = sm_api.get(f"{URL}{complaint.pk}/goodwill/").json()["results"]
    assert len(body) == 3 and body[0]["cost"] == "9.99"
    assert len(sm_api.get(f"{URL}{complaint.pk}/comments/").json()["results"]) == 1


@pytest.mark.parametrize("listing", ["comments", "goodwill"])
def test_comments_and_goodwill_lists_cost_the_same_queries_for_2_and_20(sm_api, sales_manager, administrator, listing):
    complaint = make_complaint()

    def add(n):
        for i in range(n):
            by = sales_manager if i % 2 else administrator
            if listing == "comments":
                services.comment_add(complaint=complaint, by=by, body=f"Called {i}")
            else:
                services.goodwill_add(complaint=complaint, kind="refund", cost="9.99", by=by)

    assert_same_queries_at_two_sizes(
        fetch=lambda: sm_api.get(f"{URL}{complaint.pk}/{listing}/"),
        add_rows=add,
        rows=lambda r: len(r.json()["results"]),
        queries=2,
    )


def test_service_standards_read_by_all_written_by_admins(sm_api, acc_api, admin_api):
    assert acc_api.get("/api/v1/service-standards/").status_code == 200
    body = sm_api.get("/api/v1/service-standards/").json()
    assert body["calendar"]["working_weekdays"] == [1, 2, 3, 4, 5]
    payload = {"kind": "claim", "severity": "high", "first_response_hours": "2", "resolution_hours": "16"}
    assert sm_api.post("/api/v1/service-standards/", payload).status_code == 403
    assert acc_api.post("/api/v1/service-standards/", payload).status_code == 403
    bad = admin_api.post("/api/v1/service-standards/", {**payload, "resolution_hours": "1"})
    assert bad.status_code == 400 and "resolution_hours" in bad.json()
    assert admin_api.post("/api/v1/service-standards/", payload).status_code == 201
    assert ResponseTarget.objects.count() == 1


def test_public_survey_answer_once(api_client, sales_manager):
    complaint = make_complaint(client=ClientFactory(manager=sales_manager))
    services.complaint_transition(
        complaint=complaint, to_status=S.RESOLVED, by=sales_manager, resolution_note="ok", root_cause="other"
    )
    token = complaint.surveys.get().token
    url = f"/api/v1/surveys/{token}/"
    assert api_client.get(url).json() == {"reference": complaint.reference, "answered": False}
    assert api_client.post(url, {"score": 9}).status_code == 400
    response = api_client.post(url, {"score": 1, "comment": "Bad", "recommendation": 2})
    assert response.status_code == 201
    again = api_client.post(url, {"score": 5})
    assert again.status_code == 400 and "already been answered" in again.json()["detail"]
    complaint.refresh_from_db()
    assert complaint.status == S.REOPENED
    assert api_client.post("/api/v1/surveys/not-a-token/", {"score": 5}).status_code == 404


RAW = (
    b"From: Jane Roe <Jane.Roe@Example.org>\r\n"
    b"To: complaints@example.com\r\n"
    b"Subject: Damaged delivery\r\n"
    b"Message-ID: <abc123@mail.example.org>\r\n"
    b"Content-Type: text/plain; charset=utf-8\r\n\r\n"
    b"The box of A4 paper was soaked.\r\n"
)


def test_inbound_email_endpoint_is_idempotent(sm_api):
    response = sm_api.generic("POST", f"{URL}inbound-email/", RAW, content_type="message/rfc822")
    assert response.status_code == 201, response.content
    complaint = Complaint.objects.get()
    assert complaint.channel == "inbound_email" and complaint.subject == "Damaged delivery"
    # the From header is the sender's word: no client is created or attached (see test_client_match.py)
    assert complaint.client is None and complaint.contact_email == "jane.roe@example.org"
    again = sm_api.generic("POST", f"{URL}inbound-email/", RAW, content_type="message/rfc822")
    assert again.status_code == 200 and Complaint.objects.count() == 1


def test_inbound_email_bad_message_and_denied_roles(sm_api, acc_api, api_client):
    response = sm_api.generic("POST", f"{URL}inbound-email/", b"not an email", content_type="message/rfc822")
    assert response.status_code == 400 and "message" in response.json()
    assert acc_api.generic("POST", f"{URL}inbound-email/", RAW, content_type="message/rfc822").status_code == 403
    assert api_client.generic("POST", f"{URL}inbound-email/", RAW, content_type="message/rfc822").status_code == 401
    assert not Complaint.objects.exists()


def test_public_survey_endpoint_is_throttled(api_client, monkeypatch):
    from django.core.cache import cache

    from complaints.api import SurveyThrottle

    cache.clear()
    monkeypatch.setattr(SurveyThrottle, "rate", "2/min")
    codes = [api_client.get("/api/v1/surveys/nope/").status_code for _ in range(3)]
    assert codes == [404, 404, 429]
    cache.clear()


def test_api_survey_link_uses_site_url_whatever_the_request_host(sm_api, settings):
    settings.ALLOWED_HOSTS = ["*"]
    settings.SITE_URL = "https://crm.example.com"
    from crm.notifications.models import Notification

    complaint = make_complaint()
    response = sm_api.post(
        f"{URL}{complaint.pk}/transition/",
        {"to_status": "resolved", "resolution_note": "Replaced", "root_cause": "delivery"},
        HTTP_HOST="attacker.example",
    )
    assert response.status_code == 200, response.json()
    survey = complaint.surveys.get()
    note = Notification.objects.get(event="survey_request", client=complaint.client)
    assert note.context["survey_url"] == f"https://crm.example.com/complaints/survey/{survey.token}/"
    assert "attacker.example" not in note.body


def test_a_service_refusing_the_actor_answers_403(sm_api, monkeypatch):
    from crm.exceptions import ApplicationError

    def refuse(**kwargs):
        raise ApplicationError("Only sales managers and administrators handle complaints.", code="forbidden")

    monkeypatch.setattr(services, "complaint_transition", refuse)
    complaint = make_complaint()
    response = sm_api.post(f"{URL}{complaint.pk}/transition/", {"to_status": "triaged"})
    assert response.status_code == 403
    assert response.json() == {"detail": "Only sales managers and administrators handle complaints."}
    complaint.refresh_from_db()
    assert complaint.status == S.NEW


def test_amounts_that_are_not_numbers_are_refused_by_the_serializer(sm_api):
    complaint = make_complaint()
    response = sm_api.post(f"{URL}{complaint.pk}/goodwill/", {"kind": "gift", "cost": "lots"})
    assert response.status_code == 400 and "cost" in response.json()
    response = sm_api.post(
        URL, {"text": "Pay me", "kind": "claim", "client": complaint.client_id, "claimed_amount": "x"}
    )
    assert response.status_code == 400 and "claimed_amount" in response.json()
    assert not GoodwillGesture.objects.exists() and Complaint.objects.count() == 1
