"""Links already sent keep working after the apps were re-layered: the unsubscribe link of a message written
before the move (signed with the outbox's salt, at the outbox's address) still withdraws consent, and the
task names beat schedules hold still resolve."""

import pytest
from django.core import signing

from clients.models import ChannelConsent
from crm.celery import app as celery_app

pytestmark = pytest.mark.django_db

# What crm.notifications.services.unsubscribe_token wrote before news and unsubscribe moved to clients.
OLD_SALT = "crm.notifications.unsubscribe"


def old_link_token(client_id: int, channel: str) -> str:
    return signing.dumps({"c": client_id, "ch": channel}, salt=OLD_SALT, compress=True)


def test_an_unsubscribe_link_sent_before_the_move_still_withdraws_consent(client, make_client):
    member = make_client()
    path = f"/notifications/unsubscribe/{old_link_token(member.pk, 'email')}/"
    assert client.get(path).status_code == 200  # the confirmation page
    assert ChannelConsent.objects.get(client=member, channel="email").status == "opt_in"
    response = client.post(path)
    assert response.status_code == 200
    consent = ChannelConsent.objects.get(client=member, channel="email")
    assert consent.status == "opt_out" and consent.source == "unsubscribe link"


def test_task_names_in_existing_schedules_still_resolve():
    from crm.registry import periodic_tasks

    registered = set(celery_app.tasks.keys())
    for name in (
        "crm.notifications.tasks.relay_outbox",
        "crm.notifications.tasks.news_start_due",
        "crm.notifications.tasks.news_start",
        "crm.notifications.tasks.news_send_batch",
        "complaints.remind_acknowledgements",
    ):
        assert name in registered
    assert {task for task, _ in periodic_tasks().values()} <= registered
