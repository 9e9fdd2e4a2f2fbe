"""Relay kicks coalesce: one queued relay at a time is enough, whatever the number of transactions that wrote
rows; and a retry hours away is left to the every-minute schedule instead of a broker countdown."""

from datetime import timedelta
from unittest import mock

import pytest
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from clients import messaging
from crm.notifications import services, tasks
from crm.notifications.delivery import RelayResult


@pytest.fixture(autouse=True)
def shared_cache(notification_settings, settings):
    """The tests' cache is in-process, shared by the test and the relay it runs: as with Redis in production."""
    settings.NOTIFICATIONS = {**settings.NOTIFICATIONS, "COALESCE_RELAY_KICKS": True}


def _event(client, key: str) -> None:
    with transaction.atomic():  # each event its own transaction; the kick runs at its commit
        messaging.notification_enqueue_for_client(client=client, event="survey_request", dedup_key=key)


@pytest.mark.django_db(transaction=True)
def test_kicks_from_many_transactions_queue_one_relay_until_it_runs(make_client):
    clients = [make_client() for _ in range(6)]
    with mock.patch.object(tasks.relay_outbox, "delay") as delay:
        for client in clients[:5]:
            _event(client, f"s:{client.pk}")
        assert delay.call_count == 1
        with mock.patch("crm.notifications.delivery.relay_pending", return_value=RelayResult()):
            tasks.relay_outbox.run()  # the queued relay starts: rows written from now on need a kick of their own
        _event(clients[5], "s:late")
        assert delay.call_count == 2


@pytest.mark.django_db(transaction=True)
def test_a_lost_kick_stops_suppressing_after_its_ttl(make_client):
    first, second = make_client(), make_client()
    cache.set(services.RELAY_KICK_KEY, 1, timeout=services.RELAY_KICK_TTL)  # a kick whose message was lost
    with mock.patch.object(tasks.relay_outbox, "delay") as delay:
        _event(first, "s:1")
        assert delay.call_count == 0
        cache.delete(services.RELAY_KICK_KEY)  # what the TTL does
        _event(second, "s:2")
        assert delay.call_count == 1


@pytest.mark.django_db
@pytest.mark.parametrize("retry_in, follow_up", [(timedelta(seconds=20), 1), (timedelta(hours=2), 0)])
def test_only_a_retry_within_the_minute_gets_a_countdown(retry_in, follow_up):
    result = RelayResult(claimed=1, retrying=1, next_retry_at=timezone.now() + retry_in)
    with (
        mock.patch("crm.notifications.delivery.relay_pending", return_value=result),
        mock.patch.object(tasks.relay_outbox, "apply_async") as apply_async,
        mock.patch.object(tasks.relay_outbox, "request_stack") as stack,
    ):
        stack.top = mock.Mock(is_eager=False, delivery_info={})
        tasks.relay_outbox.run()
    assert apply_async.call_count == follow_up
    if follow_up:
        assert apply_async.call_args.kwargs["countdown"] < tasks.MAX_COUNTDOWN_SECONDS
