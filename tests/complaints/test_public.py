"""The public web form (no login, honeypot, rate limit per IP), the survey page and inbound email."""

import io

import pytest
from django.core.cache import cache
from django.core.management import CommandError, call_command
from django.urls import reverse

from complaints import services
from complaints.inbound import EmailParseError, parse_email
from complaints.models import Complaint, SatisfactionSurvey
from crm.notifications.models import Notification
from tests.factories import ClientFactory

from .factories import make_complaint

pytestmark = pytest.mark.django_db
FORM = {"name": "Ann Lee", "email": "ann@example.org", "kind": "complaint", "text": "Wrong toner delivered."}


@pytest.fixture(autouse=True)
def clear_cache():
    cache.clear()
    yield
    cache.clear()


def test_public_form_opens_without_login(client):
    response = client.get(reverse("complaints:public_form"))
    assert response.status_code == 200 and b'name="website"' in response.content


def test_public_form_records_and_shows_the_tracking_reference(client):
    response = client.post(reverse("complaints:public_form"), FORM, follow=True)
    complaint = Complaint.objects.get()
    assert complaint.channel == "web_form" and complaint.client is None and complaint.client_match == "none"
    assert complaint.reference.encode() in response.content
    ack = Notification.objects.get(event="complaint_ack")
    assert ack.client_id is None and ack.channel == "email" and ack.context["to_email"] == "ann@example.org"


def test_public_form_only_suggests_a_known_client_by_phone(client):
    known = ClientFactory(phone="+442079460123")
    client.post(reverse("complaints:public_form"), {**FORM, "email": "", "phone": "020 7946 0123"})
    complaint = Complaint.objects.get()
    assert complaint.client is None and complaint.suggested_client == known and complaint.client_match == "pending"
    # no SMS to a typed number: with no email given, nobody is sent anything
    assert not Notification.objects.filter(event="complaint_ack", status="pending").exists()


def test_honeypot_submissions_look_accepted_but_store_nothing(client):
    response = client.post(reverse("complaints:public_form"), {**FORM, "website": "http://spam"}, follow=True)
    assert response.status_code == 200 and b"We received your message" in response.content
    assert not Complaint.objects.exists()


def test_public_form_needs_a_way_to_reply(client):
    response = client.post(reverse("complaints:public_form"), {**FORM, "email": ""})
    assert response.status_code == 400 and b"Give an email address or a phone number" in response.content
    assert not Complaint.objects.exists()


def test_public_form_is_rate_limited_per_ip(client, settings):
    settings.COMPLAINTS_PUBLIC_RATE = (3, 3600)
    for _ in range(3):
        assert client.post(reverse("complaints:public_form"), FORM, REMOTE_ADDR="10.0.0.1").status_code == 302
    blocked = client.post(reverse("complaints:public_form"), FORM, REMOTE_ADDR="10.0.0.1")
    assert blocked.status_code == 429 and b"Too many messages" in blocked.content
    assert Complaint.objects.count() == 3
    # another address is not affected
    assert client.post(reverse("complaints:public_form"), FORM, REMOTE_ADDR="10.0.0.2").status_code == 302


def test_thanks_page_without_a_submission_goes_back_to_the_form(client):
    response = client.get(reverse("complaints:public_thanks"))
    assert response.status_code == 302


def _resolved_survey(sales_manager):
    complaint = make_complaint(client=ClientFactory(manager=sales_manager))
    services.complaint_transition(
        complaint=complaint, to_status="resolved", by=sales_manager, resolution_note="ok", root_cause="other"
    )
    return complaint.surveys.get()


def test_survey_page_answers_once_without_login(client, sales_manager):
    survey = _resolved_survey(sales_manager)
    url = reverse("complaints:survey", args=[survey.token])
    assert client.get(url).status_code == 200
    bad = client.post(url, {"score": "9"})
    assert bad.status_code == 400
    response = client.post(url, {"score": "5", "recommendation": "10", "comment": "Great"})
    assert response.status_code == 200 and b"Thank you for your answer" in response.content
    again = client.post(url, {"score": "1"})
    assert again.status_code == 400 and b"already been answered" in again.content
    survey.refresh_from_db()
    assert survey.score == 5 and survey.recommendation == 10
    assert b"already been answered" in client.get(url).content


def test_unknown_survey_token_is_404(client):
    assert client.get(reverse("complaints:survey", args=["nope"])).status_code == 404
    assert not SatisfactionSurvey.objects.exists()


MULTIPART = b"""From: "Bob Stone" <bob@example.com>
Subject: =?utf-8?q?Invoice_=E2=82=AC_wrong?=
Message-ID: <m1@example.com>
MIME-Version: 1.0
Content-Type: multipart/alternative; boundary="XX"

--XX
Content-Type: text/html; charset=utf-8

<p>Hello,<br>the invoice is <b>wrong</b>.</p>
--XX--
"""


def test_parse_email_handles_html_only_multipart_and_encoded_subjects():
    parsed = parse_email(MULTIPART)
    assert parsed.from_email == "bob@example.com" and parsed.from_name == "Bob Stone"
    assert parsed.subject == "Invoice € wrong"
    assert "the invoice is wrong." in parsed.text and "<b>" not in parsed.text
    assert parsed.message_id == "m1@example.com"


@pytest.mark.parametrize("raw", [b"", b"Subject: hi\n\nno sender"])
def test_parse_email_refuses_messages_without_a_sender(raw):
    with pytest.raises(EmailParseError):
        parse_email(raw)


def test_ingest_email_command_reads_a_file_and_stdin(tmp_path, monkeypatch):
    path = tmp_path / "m.eml"
    path.write_bytes(MULTIPART)
    out = io.StringIO()
    call_command("ingest_email", str(path), stdout=out)
    assert "Created C-" in out.getvalue()
    complaint = Complaint.objects.get()
    assert complaint.channel == "inbound_email" and complaint.contact_email == "bob@example.com"

    class FakeStdin:
        buffer = io.BytesIO(MULTIPART)

    monkeypatch.setattr("sys.stdin", FakeStdin)
    out = io.StringIO()
    call_command("ingest_email", "-", stdout=out)
    assert "Already ingested" in out.getvalue() and Complaint.objects.count() == 1
    with pytest.raises(CommandError):
        call_command("ingest_email", str(tmp_path / "missing.eml"))


def test_an_email_reply_quoting_the_reference_resumes_a_waiting_complaint(sales_manager):
    client = ClientFactory(email="bob@example.com", manager=sales_manager)
    complaint = make_complaint(client=client)
    services.complaint_transition(complaint=complaint, to_status="waiting_for_client", by=sales_manager)
    reply = (
        f"From: Bob <bob@example.com>\r\nSubject: Re: We received your message - reference {complaint.reference}\r\n"
        "Message-ID: <reply1@example.com>\r\nContent-Type: text/plain\r\n\r\nHere are the photos you asked for.\r\n"
    ).encode()
    result, created = services.complaint_create_from_email(raw=reply)
    assert not created and result.pk == complaint.pk
    complaint.refresh_from_db()
    assert complaint.status == "in_progress" and complaint.paused_at is None
    comment = complaint.comments.get()
    assert comment.from_client and comment.author is None and "photos" in comment.body
    assert Notification.objects.filter(event="complaint_client_reply", user=sales_manager).exists()
    services.complaint_create_from_email(raw=reply)  # the same message again counts once
    assert complaint.comments.count() == 1 and Complaint.objects.count() == 1


def test_a_reference_quoted_by_someone_else_makes_a_new_complaint(sales_manager):
    complaint = make_complaint(client=ClientFactory(email="owner@example.com"))
    raw = (f"From: stranger@example.net\r\nSubject: About {complaint.reference}\r\n\r\nI saw this too.\r\n").encode()
    result, created = services.complaint_create_from_email(raw=raw)
    assert created and result.pk != complaint.pk
