"""Sending surveys after purchases and consultations (consent, delay, frequency cap) and the answer (once; a
low one opens a follow-up task for the client's manager)."""

from datetime import timedelta

import pytest
from django.test import override_settings
from django.utils import timezone

from clients.models import ChannelConsent, FollowUpTask
from clients.surveys import services
from clients.surveys.models import Survey, SurveyProduct
from crm.exceptions import ApplicationError, ConflictError
from crm.notifications.models import Notification
from tests.factories import ClientFactory, ProductFactory

from .factories import answered, at, consultation, sale, send_due_after

pytestmark = pytest.mark.django_db

WHEN = at(2026, 3, 2)


def opt_out(client, channel, purpose="service"):
    ChannelConsent.objects.update_or_create(
        client=client,
        channel=channel,
        purpose=purpose,
        defaults={"status": "opt_out", "given_at": timezone.now(), "source": "test"},
    )


def test_purchase_survey_goes_after_the_delay_with_a_link_through_the_outbox(sales_manager, administrator):
    client = ClientFactory(manager=sales_manager)
    paper, ink = ProductFactory(), ProductFactory()
    purchase = sale(client, [paper, ink, paper], by=administrator, when=WHEN)

    assert services.survey_send_due(now=WHEN + timedelta(hours=47)) == {"sent": 0, "skipped": 0}  # too early
    assert send_due_after(WHEN) == {"sent": 1, "skipped": 0}
    assert send_due_after(WHEN) == {"sent": 0, "skipped": 0}  # once per occasion

    survey = Survey.objects.get()
    assert (survey.kind, survey.object_id, survey.status) == ("purchase", purchase.pk, "sent")
    assert survey.manager == sales_manager and survey.channel == "email" and survey.token
    assert sorted(SurveyProduct.objects.values_list("product_id", flat=True)) == sorted([paper.pk, ink.pk])
    message = Notification.objects.get(event="survey_request")
    assert (message.client_id, message.channel, message.purpose, message.status) == (
        client.pk,
        "email",
        "service",
        "pending",
    )
    assert f"/surveys/{survey.token}/" in message.body and message.context["survey_url"].endswith(
        f"/surveys/{survey.token}/"
    )


def test_consultation_survey_is_attributed_to_the_consultant(sales_manager, other_sales_manager):
    client = ClientFactory(manager=sales_manager)
    talk = consultation(client, staff=other_sales_manager, when=WHEN)
    consultation(ClientFactory(), staff=sales_manager, when=WHEN - timedelta(days=30))  # long past: not surveyed
    assert send_due_after(WHEN) == {"sent": 1, "skipped": 0}
    survey = Survey.objects.get()
    assert (survey.kind, survey.object_id, survey.manager) == ("consultation", talk.pk, other_sales_manager)


def test_client_who_opted_out_of_service_messages_gets_no_survey(sales_manager):
    client = ClientFactory(manager=sales_manager, preferred_channels=["email", "sms"])
    opt_out(client, "email")
    opt_out(client, "sms")
    consultation(client, staff=sales_manager, when=WHEN)
    assert send_due_after(WHEN) == {"sent": 0, "skipped": 1}
    survey = Survey.objects.get()
    assert survey.status == "skipped" and survey.token is None
    assert "consent" in survey.skip_reason
    assert not Notification.objects.filter(event="survey_request").exists()


def test_opt_out_of_email_only_sends_the_survey_by_sms(sales_manager):
    client = ClientFactory(manager=sales_manager, preferred_channels=["email", "sms"])
    opt_out(client, "email")
    consultation(client, staff=sales_manager, when=WHEN)
    send_due_after(WHEN)
    assert Survey.objects.get().channel == "sms"
    assert Notification.objects.get(event="survey_request").channel == "sms"


@override_settings(SURVEYS_PURPOSE="marketing")
def test_with_the_marketing_purpose_a_survey_needs_an_opt_in(sales_manager):
    asked = ClientFactory(manager=sales_manager, consent=["email"])  # opted in (marketing) by email
    never_asked = ClientFactory(manager=sales_manager, consent=[])
    consultation(asked, staff=sales_manager, when=WHEN)
    consultation(never_asked, staff=sales_manager, when=WHEN)
    assert send_due_after(WHEN) == {"sent": 1, "skipped": 1}
    assert Survey.objects.get(client=asked).status == "sent"
    assert Survey.objects.get(client=never_asked).status == "skipped"
    assert Notification.objects.get(event="survey_request").purpose == "marketing"


@override_settings(SURVEYS_MIN_DAYS_BETWEEN=30)
def test_at_most_one_survey_per_client_in_the_frequency_window(sales_manager, administrator):
    client = ClientFactory(manager=sales_manager)
    product = ProductFactory()
    sale(client, [product], by=administrator, when=WHEN)
    assert send_due_after(WHEN) == {"sent": 1, "skipped": 0}
    consultation(client, staff=sales_manager, when=WHEN + timedelta(days=10))
    assert send_due_after(WHEN + timedelta(days=10)) == {"sent": 0, "skipped": 1}
    capped = Survey.objects.get(kind="consultation")
    assert capped.status == "skipped" and "30 days" in capped.skip_reason
    # 31 days after the first survey went out, the client may be asked again
    sale(client, [product], by=administrator, when=WHEN + timedelta(days=31))
    assert send_due_after(WHEN + timedelta(days=31)) == {"sent": 1, "skipped": 0}
    assert Notification.objects.filter(event="survey_request").count() == 2


def test_returns_are_not_surveyed(sales_manager, administrator):
    from purchases import services as purchase_services

    client = ClientFactory(manager=sales_manager)
    original = sale(client, [ProductFactory()], by=administrator, when=WHEN - timedelta(days=20))
    returned, _ = purchase_services.purchase_return(original=original, by=administrator, returned_at=WHEN)
    assert returned.kind == "return"
    assert send_due_after(WHEN) == {"sent": 0, "skipped": 0}
    assert not Survey.objects.exists()


def _sent(sales_manager):
    client = ClientFactory(manager=sales_manager, name="Acme Print")
    consultation(client, staff=sales_manager, when=WHEN)
    send_due_after(WHEN)
    return Survey.objects.get()


def test_a_good_answer_is_recorded_and_opens_no_task(sales_manager):
    survey = answered(_sent(sales_manager), 5, 9)
    assert (survey.status, survey.satisfaction, survey.recommendation, survey.is_low) == ("answered", 5, 9, False)
    assert not FollowUpTask.objects.exists()


@pytest.mark.parametrize(("satisfaction", "recommendation"), [(2, 9), (4, 6), (1, 0)])
def test_a_low_answer_opens_a_follow_up_task_for_the_clients_manager(sales_manager, satisfaction, recommendation):
    survey = services.survey_answer(
        token=_sent(sales_manager).token,
        satisfaction=satisfaction,
        recommendation=recommendation,
        comment="Late delivery",
    )
    task = FollowUpTask.objects.get()
    assert survey.is_low and survey.follow_up_task == task
    assert (task.assignee, task.client, task.status, task.source) == (
        sales_manager,
        survey.client,
        "open",
        f"survey:{survey.pk}",
    )
    assert f"{satisfaction}/5" in task.title and "Acme Print" in task.title and "Late delivery" in task.details
    assert task.due_date == (survey.answered_at + timedelta(days=1)).date()


def test_the_answer_is_taken_once(sales_manager):
    survey = answered(_sent(sales_manager), 1, 2)
    with pytest.raises(ConflictError):
        answered(survey, 5, 10)
    survey.refresh_from_db()
    assert (survey.satisfaction, survey.recommendation) == (1, 2)
    assert FollowUpTask.objects.count() == 1


def test_a_bad_token_or_score_is_refused(sales_manager):
    survey = _sent(sales_manager)
    with pytest.raises(ApplicationError) as bad_token:
        services.survey_answer(token="nope", satisfaction=5, recommendation=10)
    assert bad_token.value.field == "token"
    for sat, rec, field in ((0, 5, "satisfaction"), (6, 5, "satisfaction"), (3, 11, "recommendation")):
        with pytest.raises(ApplicationError) as bad:
            services.survey_answer(token=survey.token, satisfaction=sat, recommendation=rec)
        assert bad.value.field == field
    survey.refresh_from_db()
    assert survey.status == "sent" and survey.answered_at is None


def test_erasing_the_person_removes_their_comments_and_link_and_keeps_the_scores(sales_manager):
    from clients.hooks import Erasure
    from clients.surveys import personal_data

    survey = services.survey_answer(
        token=_sent(sales_manager).token, satisfaction=4, recommendation=8, comment="Ask Jane at +44 20 7946 0000"
    )
    exported = personal_data.export(client_ids=[survey.client_id])["client_surveys"]
    assert exported[0]["comment"].startswith("Ask Jane") and exported[0]["satisfaction"] == 4
    erasure = Erasure(client_ids=[survey.client_id], placeholder="Erased client")
    assert personal_data.erase(erasure=erasure) == {"surveys.Survey": 1}
    survey.refresh_from_db()
    assert (survey.comment, survey.token, survey.satisfaction, survey.recommendation) == ("", None, 4, 8)
