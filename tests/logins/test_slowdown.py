"""The lockout a third party cannot turn against a user: axes' hard lock per address and username, a slowdown per
username (a growing delay, never a lock), and one email per episode."""

import pytest
from django.core import mail
from django.urls import reverse

from crm.logins import services
from crm.logins.models import LoginSlowdown
from crm.models import ApiToken
from crm.notifications import delivery
from crm.notifications.models import Notification
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def login(client, username, password, address, **extra):
    return client.post(reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=address, **extra)


def attack(client, username, addresses):
    """One wrong password from each address (below axes' per-address limit)."""
    return [login(client, username, f"guess-{i}", address).status_code for i, address in enumerate(addresses)]


def many(n, prefix="198.51.100"):
    return [f"{prefix}.{i}" for i in range(1, n + 1)]


def test_many_addresses_cannot_lock_an_administrator_out(client, administrator, clock):
    codes = attack(client, "adm", many(40))
    assert 429 in codes  # the attack itself is slowed down ...
    assert LoginSlowdown.objects.get(username="adm").failures < 40  # ... refused attempts check no password

    # The administrator, from an address never used before, is asked to wait, not locked out.
    refused = login(client, "adm", PASSWORD, "192.0.2.10")
    assert refused.status_code == 429
    wait = int(refused["Retry-After"])
    assert 0 < wait <= 60
    assert f"Try again in {wait} second".encode() in refused.content

    # More refused guesses meanwhile do not push the time back.
    attack(client, "adm", many(10, prefix="203.0.113"))
    clock.advance(wait)
    assert login(client, "adm", PASSWORD, "192.0.2.10").status_code == 302


def test_an_address_the_user_logged_in_from_lately_is_not_slowed_down(client, administrator, clock):
    assert login(client, "adm", PASSWORD, "192.0.2.10").status_code == 302
    client.logout()
    clock.advance(3600 * 24)
    attack(client, "adm", many(30))
    assert login(client, "adm", "still-wrong", "198.51.100.99").status_code == 429
    # At their usual desk the administrator gets in at once, whatever the attack is doing.
    assert login(client, "adm", PASSWORD, "192.0.2.10").status_code == 302


def test_delay_grows_per_failure_up_to_the_cap():
    assert [services.slowdown_delay(n) for n in (1, 2, 3, 4, 5, 6, 9, 50, 10_000)] == [0, 0, 2, 4, 8, 16, 60, 60, 60]


def test_attempts_arriving_together_after_the_delay_get_one_slot(clock):
    for _ in range(3):
        services.login_failure_record(username="adm", address="198.51.100.1")
    assert services.login_attempt_wait(username="adm", address="198.51.100.2") == 2
    clock.advance(2)
    assert services.login_attempt_wait(username="adm", address="198.51.100.3") == 0
    assert services.login_attempt_wait(username="adm", address="198.51.100.4") == 2


def test_a_quiet_window_ends_the_episode(clock):
    for _ in range(5):
        services.login_failure_record(username="adm", address="198.51.100.1")
    clock.advance(3601)
    assert services.login_attempt_wait(username="adm", address="198.51.100.1") == 0
    row = services.login_failure_record(username="adm", address="198.51.100.1")
    assert row.failures == 1 and row.notified_at is None
    assert services.login_slowdowns_prune() == 0
    clock.advance(3601)
    assert services.login_slowdowns_prune() == 1


def test_unknown_usernames_are_slowed_down_alike(client, clock):
    """The answer never tells which usernames exist."""
    attack(client, "nobody-here", many(3))
    response = login(client, "nobody-here", "x", "198.51.100.50")
    assert response.status_code == 429 and b"Too many attempts" in response.content


def test_token_endpoint_answers_429_with_retry_after_then_accepts_the_password(api_client, administrator, clock):
    for i, address in enumerate(many(3)):
        api_client.post("/api/v1/auth/token/", {"username": "adm", "password": f"g{i}"}, REMOTE_ADDR=address)
    refused = api_client.post("/api/v1/auth/token/", {"username": "adm", "password": PASSWORD}, REMOTE_ADDR="192.0.2.7")
    assert refused.status_code == 429
    wait = int(refused["Retry-After"])
    assert 0 < wait <= 2 and "Too many attempts" in refused.json()["detail"]
    assert not ApiToken.objects.filter(user=administrator).exists()
    clock.advance(wait)
    accepted = api_client.post(
        "/api/v1/auth/token/", {"username": "adm", "password": PASSWORD}, REMOTE_ADDR="192.0.2.7"
    )
    assert accepted.status_code == 200 and accepted.json()["token"]


def test_the_hard_lock_per_address_and_username_still_holds(client, sales_manager):
    for _ in range(2):
        login(client, "sm", "wrong", "10.9.9.9")
    for _ in range(3):
        login(client, "sm", "wrong", "10.9.9.9")
    locked = login(client, "sm", PASSWORD, "10.9.9.9")
    assert locked.status_code == 429 and b"Too many failed logins" in locked.content


def test_behind_the_proxy_a_spoofed_header_neither_escapes_nor_lands_a_lock(client, sales_manager, settings, clock):
    settings.TRUSTED_PROXY_COUNT = 1
    settings.LOGIN_SLOWDOWN = {**settings.LOGIN_SLOWDOWN, "AFTER_FAILURES": 100}
    proxy = "172.18.0.5"
    # The attacker (6.6.6.6 as the proxy saw it) writes the victim's address and a fresh one each time.
    for i in range(6):
        login(client, "sm", "wrong", proxy, HTTP_X_FORWARDED_FOR=f"203.0.113.7, 10.0.0.{i}, 6.6.6.6")
    assert login(client, "sm", PASSWORD, proxy, HTTP_X_FORWARDED_FOR="6.6.6.6").status_code == 429
    # The victim at 203.0.113.7, behind the same proxy, is not locked.
    assert login(client, "sm", PASSWORD, proxy, HTTP_X_FORWARDED_FOR="203.0.113.7").status_code == 302


def test_the_user_is_emailed_once_per_slowdown(client, administrator, clock):
    attack(client, "adm", many(3))
    clock.advance(2)
    attack(client, "adm", many(1, prefix="203.0.113"))
    clock.advance(10)
    attack(client, "adm", many(1, prefix="192.0.2"))
    rows = Notification.objects.filter(event=services.SLOWDOWN_EVENT)
    assert rows.count() == 1 and rows.get().user == administrator
    delivery.relay_pending()
    assert [m.to for m in mail.outbox] == [["adm@example.com"]]
    assert "not locked" in mail.outbox[0].body

    # Lifted, a new episode is a new message.
    services.login_slowdown_lift(slowdown=LoginSlowdown.objects.get(), by=administrator)
    attack(client, "adm", many(3))
    assert Notification.objects.filter(event=services.SLOWDOWN_EVENT).count() == 2


def test_the_user_is_emailed_once_per_hard_lock(client, sales_manager, clock):
    for _ in range(8):
        login(client, "sm", "wrong", "10.9.9.9")
    rows = Notification.objects.filter(event=services.LOCK_EVENT)
    assert rows.count() == 1 and rows.get().user == sales_manager
    delivery.relay_pending()
    lock_mails = [m for m in mail.outbox if "locked" in m.subject]
    assert len(lock_mails) == 1 and lock_mails[0].to == ["sm@example.com"] and "10.9.9.9" in lock_mails[0].body


def test_nobody_is_emailed_for_a_username_that_does_not_exist(client, clock):
    for _ in range(6):
        login(client, "ghost", "wrong", "10.9.9.9")
    assert not Notification.objects.exists()
