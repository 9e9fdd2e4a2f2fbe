import pytest

from clients import selectors, services
from clients.models import ChannelConsent
from crm.exceptions import ApplicationError
from tests.factories import ClientFactory


@pytest.mark.django_db
def test_consent_set_opt_out_replaces_opt_in_and_keeps_history(sales_manager):
    client = ClientFactory(preferred_channels=["email", "sms"], consent=["email"])
    consent, _ = services.consent_set(
        client=client, channel="email", status="opt_out", source="unsubscribe link", by=sales_manager
    )
    assert consent.status == ChannelConsent.Status.OPT_OUT
    assert ChannelConsent.objects.filter(client=client, channel="email").count() == 1
    assert [h.status for h in consent.history.order_by("history_id")] == ["opt_in", "opt_out"]


@pytest.mark.django_db
def test_consent_set_creates_a_row_for_a_new_channel():
    client = ClientFactory(consent=[])
    consent, _ = services.consent_set(client=client, channel="sms", status="opt_in", source="phone call")
    assert consent.pk and consent.given_at


@pytest.mark.django_db
def test_consent_set_rejects_unknown_channel():
    client = ClientFactory(consent=[])
    with pytest.raises(ApplicationError) as err:
        services.consent_set(client=client, channel="pigeon", status="opt_in", source="x")
    assert err.value.field == "channel"
    assert not ChannelConsent.objects.exists()


@pytest.mark.django_db
def test_client_get_returns_the_client():
    client = ClientFactory()
    assert selectors.client_get(pk=client.pk) == client
