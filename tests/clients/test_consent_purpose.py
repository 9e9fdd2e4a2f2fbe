"""Consent per channel and purpose, with evidence and history (clients/services/contacts.py, messaging.py):
an opt-out survives the ERP upsert, an import and an edit; only an explicit opt-in with evidence reverses it;
service messages need no marketing opt-in but respect a service opt-out."""

import pytest
from django.urls import reverse

from clients import importing, messaging, services
from clients.models import ChannelConsent, Client
from crm.exceptions import ApplicationError
from crm.notifications import delivery
from tests.factories import ClientFactory

pytestmark = pytest.mark.django_db
API = "/api/v1/clients/"


def _status(client, channel="email", purpose="marketing"):
    consent = ChannelConsent.objects.filter(client=client, channel=channel, purpose=purpose).first()
    return consent.status if consent else None


def _opted_out(sales_manager, **kwargs) -> Client:
    client = ClientFactory(manager=sales_manager, **kwargs)  # opted in to email by the factory
    messaging.unsubscribe(token=messaging.unsubscribe_token(client_id=client.pk, channel="email"))
    assert _status(client) == "opt_out"
    return client


# --- an opt-out is never resurrected ----------------------------------------------------------------------


def test_opt_out_survives_an_erp_upsert(sm_api, sales_manager):
    client = _opted_out(sales_manager, external_id="ERP-7")
    response = sm_api.put(
        f"{API}by-external-id/ERP-7/", {"name": client.name, "consents": {"email": "opt_in"}}, format="json"
    )
    assert response.status_code == 200
    assert _status(client) == "opt_out"
    assert {"channel": "email", "purpose": "marketing"}.items() <= response.json()["consents"][0].items()
    assert response.json()["consents"][0]["status"] == "opt_out"


def test_erp_upsert_creates_no_opt_in_but_records_its_opt_outs(sm_api):
    body = {"name": "New Co", "consents": {"email": "opt_in", "sms": "opt_out"}}
    assert sm_api.put(f"{API}by-external-id/ERP-NEW/", body, format="json").status_code == 201
    client = Client.objects.get(external_id="ERP-NEW")
    assert _status(client, "email") is None and _status(client, "sms") == "opt_out"


def test_opt_out_survives_an_edit_by_the_manager(sales_manager, sm_api):
    client = _opted_out(sales_manager)
    services.client_update(client=client, consents={"email": "opt_in"}, by=sales_manager)
    assert _status(client) == "opt_out"
    response = sm_api.patch(f"{API}{client.pk}/", {"consents": {"email": "opt_in"}}, format="json")
    assert response.status_code == 200 and _status(client) == "opt_out"


def test_edit_form_of_the_card_leaves_consent_alone(sm_client, sales_manager):
    client = _opted_out(sales_manager)
    data = {"kind": client.kind, "name": "Renamed", "email": client.email, "phone": client.phone, "status": "active"}
    sm_client.post(reverse("clients:edit", args=[client.pk]), {**data, "preferred_channels": ["email"]})
    client.refresh_from_db()
    assert client.name == "Renamed" and _status(client) == "opt_out"


def test_opt_out_survives_an_import_of_the_same_client(sales_manager, django_capture_on_commit_callbacks):
    client = _opted_out(sales_manager, email="known@example.org")
    content = f"name,kind,email\n{client.name},company,known@example.org\nFresh Co,company,fresh@example.org\n"
    job = importing.import_job_create(filename="c.csv", content=content.encode(), by=sales_manager)
    with django_capture_on_commit_callbacks(execute=True):
        importing.import_job_confirm(job=job, skip_bad_rows=True, by=sales_manager)
    assert _status(client) == "opt_out"
    assert not ChannelConsent.objects.filter(client__email="fresh@example.org").exists()  # nothing silent


# --- only an explicit opt-in with evidence reverses it ---------------------------------------------------


def test_explicit_opt_in_with_evidence_reverses_an_opt_out_and_the_history_keeps_both(sales_manager):
    client = _opted_out(sales_manager)
    consent, changed = services.consent_set(
        client=client, channel="email", status="opt_in", source="signed form of 3 May", by=sales_manager
    )
    assert changed and consent.status == "opt_in" and consent.recorded_by == sales_manager
    history = list(ChannelConsent.history.filter(client_id=client.pk).order_by("history_date", "history_id"))
    assert [(h.status, h.source) for h in history] == [
        ("opt_in", "test"),
        ("opt_out", "unsubscribe link"),
        ("opt_in", "signed form of 3 May"),
    ]
    assert history[-1].history_user == sales_manager


def test_an_opt_in_needs_evidence(sales_manager):
    client = _opted_out(sales_manager)
    with pytest.raises(ApplicationError) as exc:
        services.consent_set(client=client, channel="email", status="opt_in", source="  ", by=sales_manager)
    assert exc.value.field == "source" and _status(client) == "opt_out"


def test_a_confirmed_link_clicked_by_the_client_reverses_an_opt_out(client, sales_manager):
    customer = _opted_out(sales_manager)
    url = messaging.consent_confirm_url(client_id=customer.pk, channel="email")
    path = url.split("://", 1)[1].split("/", 1)[1]
    assert client.get(f"/{path}").status_code == 200 and _status(customer) == "opt_out"  # scanners only look
    response = client.post(f"/{path}")
    assert response.status_code == 200 and b'id="consent-confirmed"' in response.content
    consent = ChannelConsent.objects.get(client=customer, channel="email", purpose="marketing")
    assert consent.status == "opt_in" and consent.source == "confirmed link"


def test_an_altered_confirmation_link_changes_nothing(client, sales_manager):
    customer = _opted_out(sales_manager)
    token = messaging.consent_confirm_token(client_id=customer.pk, channel="email")
    response = client.post(reverse("notifications:consent_confirm", args=[token[:-2] + "xx"]))
    assert response.status_code == 400 and _status(customer) == "opt_out"
    # an unsubscribe token is no confirmation token
    unsubscribe = messaging.unsubscribe_token(client_id=customer.pk, channel="email")
    assert client.post(reverse("notifications:consent_confirm", args=[unsubscribe])).status_code == 400


# --- service messages vs marketing -----------------------------------------------------------------------


def test_service_messages_reach_a_client_who_opted_out_of_marketing(sales_manager):
    client = _opted_out(sales_manager)
    invoice = messaging.notification_enqueue_for_client(
        client=client, event="invoice_sent", dedup_key="inv:1", purpose=messaging.SERVICE, subject="Invoice"
    )
    news = messaging.notification_enqueue_for_client(
        client=client, event="offer", dedup_key="offer:1", purpose=messaging.MARKETING, subject="Offer"
    )
    assert (invoice.channel, invoice.status, invoice.purpose) == ("email", "pending", "service")
    assert (news.channel, news.status) == ("none", "skipped")


def test_service_messages_need_no_opt_in_and_go_by_email_when_no_channel_is_preferred():
    client = ClientFactory(consent=[], preferred_channels=[])
    row = messaging.notification_enqueue_for_client(
        client=client, event="survey_request", dedup_key="s:1", purpose=messaging.SERVICE
    )
    assert (row.channel, row.status) == ("email", "pending")


def test_a_service_opt_out_is_respected(sales_manager):
    client = ClientFactory(manager=sales_manager, preferred_channels=["sms", "email"], consent=[])
    services.consent_set(
        client=client, channel="sms", purpose="service", status="opt_out", source="signed form", by=sales_manager
    )
    row = messaging.notification_enqueue_for_client(
        client=client, event="invoice_sent", dedup_key="inv:2", purpose=messaging.SERVICE
    )
    assert row.channel == "email"  # the next channel they can be reached on
    services.consent_set(
        client=client, channel="email", purpose="service", status="opt_out", source="email of 2 June", by=sales_manager
    )
    row = messaging.notification_enqueue_for_client(
        client=client, event="invoice_sent", dedup_key="inv:3", purpose=messaging.SERVICE
    )
    assert (row.channel, row.status) == ("none", "skipped") and "opted out of service" in row.last_error


def test_a_service_opt_out_after_queueing_is_honoured_at_delivery(sales_manager, mailoutbox):
    client = ClientFactory(manager=sales_manager, consent=[])
    row = messaging.notification_enqueue_for_client(
        client=client, event="invoice_sent", dedup_key="inv:4", purpose=messaging.SERVICE, subject="Invoice"
    )
    services.consent_set(
        client=client, channel="email", purpose="service", status="opt_out", source="phone call note", by=None
    )
    delivery.relay_pending()
    row.refresh_from_db()
    assert row.status == "skipped" and "service" in row.last_error and not mailoutbox


def test_a_marketing_opt_out_does_not_stop_a_queued_service_message(sales_manager, mailoutbox):
    client = ClientFactory(manager=sales_manager)
    row = messaging.notification_enqueue_for_client(
        client=client, event="invoice_sent", dedup_key="inv:5", purpose=messaging.SERVICE, subject="Invoice"
    )
    messaging.unsubscribe(token=messaging.unsubscribe_token(client_id=client.pk, channel="email"))
    delivery.relay_pending()
    row.refresh_from_db()
    assert row.status == "sent" and len(mailoutbox) == 1


def test_news_unsubscribe_link_withdraws_marketing_only(client):
    customer = ClientFactory()
    token = messaging.unsubscribe_token(client_id=customer.pk, channel="email")
    assert client.post(reverse("notifications:unsubscribe", args=[token])).status_code == 200
    assert _status(customer) == "opt_out" and _status(customer, purpose="service") is None
    assert messaging.may_contact(customer, "email", messaging.SERVICE)


def test_invoices_tier_changes_and_surveys_are_service_messages_and_news_marketing():
    import inspect

    from clients import news
    from complaints.services import surveys
    from purchases.services import accounts, sending

    for module in (sending, accounts, surveys):
        assert "purpose=client_messaging.SERVICE" in inspect.getsource(module)
    assert "purpose=messaging.MARKETING" in inspect.getsource(news)


# --- the API and the card ---------------------------------------------------------------------------------


def test_api_reads_consent_per_channel_and_purpose_with_when_how_and_history(sm_api, sales_manager):
    client = _opted_out(sales_manager)
    response = sm_api.get(f"{API}{client.pk}/consents/")
    assert response.status_code == 200
    body = response.json()
    state = {(r["channel"], r["purpose"]): r for r in body["consents"]}
    assert state[("email", "marketing")]["status"] == "opt_out"
    assert (
        state[("email", "marketing")]["source"] == "unsubscribe link" and not state[("email", "marketing")]["allowed"]
    )
    assert state[("email", "service")]["status"] is None and state[("email", "service")]["allowed"]
    assert [h["status"] for h in body["history"]] == ["opt_out", "opt_in"]  # newest first


def test_api_records_an_explicit_opt_in_with_evidence(sm_api, sales_manager):
    client = _opted_out(sales_manager)
    body = {"channel": "email", "purpose": "marketing", "status": "opt_in", "source": "signed form"}
    response = sm_api.post(f"{API}{client.pk}/consents/", body, format="json")
    assert response.status_code == 200 and _status(client) == "opt_in"
    assert response.json()["history"][0]["source"] == "signed form"


def test_api_consent_write_without_evidence_is_bad_input(sm_api, sales_manager):
    client = _opted_out(sales_manager)
    body = {"channel": "email", "purpose": "marketing", "status": "opt_in", "source": ""}
    assert sm_api.post(f"{API}{client.pk}/consents/", body, format="json").status_code == 400
    body = {"channel": "fax", "purpose": "marketing", "status": "opt_in", "source": "x"}
    assert sm_api.post(f"{API}{client.pk}/consents/", body, format="json").status_code == 400
    assert _status(client) == "opt_out"


def test_api_consents_are_denied_to_accountants_strangers_and_other_managers(
    acc_api, api_client, api_client_for, sales_manager, other_sales_manager
):
    client = _opted_out(sales_manager)
    url = f"{API}{client.pk}/consents/"
    body = {"channel": "email", "purpose": "marketing", "status": "opt_in", "source": "signed form"}
    assert acc_api.get(url).status_code == 403
    assert acc_api.post(url, body, format="json").status_code == 403
    assert api_client.get(url).status_code in (401, 403)
    assert api_client.post(url, body, format="json").status_code in (401, 403)
    other = api_client_for(other_sales_manager)
    assert other.post(url, body, format="json").status_code == 403
    assert _status(client) == "opt_out"


def test_card_shows_consent_per_channel_and_purpose_with_history_and_records_with_evidence(sm_client, sales_manager):
    client = _opted_out(sales_manager)
    page = sm_client.get(reverse("clients:tab_overview", args=[client.pk]), HTTP_HX_REQUEST="true").content.decode()
    assert 'id="consent-matrix"' in page and 'data-purpose="service"' in page and 'id="consent-history"' in page
    assert "unsubscribe link" in page
    form = {"channel": "sms", "purpose": "service", "status": "opt_out", "source": "phone call note"}
    sm_client.post(reverse("clients:consent", args=[client.pk]), form)
    assert _status(client, "sms", "service") == "opt_out"


def test_card_consent_form_is_denied_to_accountants(acc_client, sales_manager):
    client = _opted_out(sales_manager)
    form = {"channel": "email", "purpose": "marketing", "status": "opt_in", "source": "signed form"}
    assert acc_client.post(reverse("clients:consent", args=[client.pk]), form).status_code == 403
    assert _status(client) == "opt_out"


def test_merge_keeps_an_opt_out_per_purpose(administrator, sales_manager):
    survivor = ClientFactory(manager=sales_manager)
    loser = _opted_out(sales_manager)
    services.consent_set(
        client=loser, channel="sms", purpose="service", status="opt_out", source="signed form", by=sales_manager
    )
    services.client_merge(survivor=survivor, loser=loser, by=administrator)
    assert _status(survivor) == "opt_out" and _status(survivor, "sms", "service") == "opt_out"
