"""One client-address helper (crm.client_ip) behind every limit: a client-written X-Forwarded-For hop neither
resets a limit nor lands on somebody else's counter."""

import pytest
from django.test import RequestFactory
from django.urls import reverse
from rest_framework.throttling import SimpleRateThrottle

from crm.api.throttling import AnonRateThrottle, ScopedRateThrottle, UserRateThrottle
from crm.client_ip import client_ip

PUBLIC_FORM = {"name": "Ann Lee", "email": "ann@example.org", "kind": "complaint", "text": "Wrong toner delivered."}


def _request(remote="10.0.0.9", forwarded=None):
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **extra)


def test_without_trusted_proxies_a_spoofed_forwarded_for_is_ignored(settings):
    settings.TRUSTED_PROXY_COUNT = 0
    settings.TRUSTED_PROXY_NETWORKS = []
    assert client_ip(_request("198.51.100.4", "1.2.3.4")) == "198.51.100.4"
    assert client_ip(_request("198.51.100.4")) == "198.51.100.4"


def test_with_one_proxy_only_the_hop_it_appended_counts(settings):
    settings.TRUSTED_PROXY_COUNT = 1
    settings.TRUSTED_PROXY_NETWORKS = []
    # The client wrote "1.2.3.4, 5.6.7.8"; the proxy appended the address it saw.
    assert client_ip(_request("172.18.0.5", "1.2.3.4, 5.6.7.8, 203.0.113.7")) == "203.0.113.7"
    assert client_ip(_request("172.18.0.5", "203.0.113.7")) == "203.0.113.7"
    # Not through the proxy (a health check from inside): the peer itself.
    assert client_ip(_request("127.0.0.1")) == "127.0.0.1"
    # A hop that is no address is never used.
    assert client_ip(_request("172.18.0.5", "1.2.3.4, not-an-ip")) == "172.18.0.5"


def test_with_two_proxies_the_second_hop_from_the_right(settings):
    settings.TRUSTED_PROXY_COUNT = 2
    settings.TRUSTED_PROXY_NETWORKS = []
    assert client_ip(_request("10.0.0.2", "6.6.6.6, 203.0.113.7, 10.0.0.1")) == "203.0.113.7"
    assert client_ip(_request("10.0.0.2", "203.0.113.7")) == "10.0.0.2"  # too few hops: not via our proxies


def test_trusted_networks_skip_our_hops_from_the_right(settings):
    settings.TRUSTED_PROXY_COUNT = 0
    settings.TRUSTED_PROXY_NETWORKS = ["10.0.0.0/8", "fd00::/8"]
    assert client_ip(_request("10.0.0.2", "6.6.6.6, 203.0.113.7, 10.1.2.3")) == "203.0.113.7"
    assert client_ip(_request("10.0.0.2", "6.6.6.6, [2001:db8::1]:443, fd00::5")) == "2001:db8::1"
    assert client_ip(_request("10.0.0.2", "203.0.113.7:51234")) == "203.0.113.7"
    # A peer outside the trusted networks is the client, whatever it claims.
    assert client_ip(_request("198.51.100.4", "10.0.0.7")) == "198.51.100.4"
    # Every hop ours: the leftmost one.
    assert client_ip(_request("10.0.0.2", "10.9.9.9")) == "10.9.9.9"


def test_every_api_throttle_keys_on_the_client_address(settings):
    settings.TRUSTED_PROXY_COUNT = 1
    settings.TRUSTED_PROXY_NETWORKS = []
    request = _request("172.18.0.5", "1.2.3.4, 203.0.113.7")
    for throttle in (AnonRateThrottle(), UserRateThrottle(), ScopedRateThrottle()):
        assert throttle.get_ident(request) == "203.0.113.7"


@pytest.mark.django_db
def test_token_endpoint_meets_429_whatever_forwarded_for_each_post_carries(api_client, settings, monkeypatch):
    settings.TRUSTED_PROXY_COUNT = 0
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", {"login": "20/min", "anon": "20/min", "user": "9/min"})
    codes = [
        api_client.post(
            "/api/v1/auth/token/",
            {"username": "adm", "password": f"guess-{i}"},
            REMOTE_ADDR="198.51.100.4",
            HTTP_X_FORWARDED_FOR=f"10.{i // 250}.{i % 250}.1",
        ).status_code
        for i in range(80)
    ]
    assert 429 not in codes[:20]
    assert set(codes[20:]) == {429}


@pytest.mark.django_db
def test_token_endpoint_behind_one_proxy_counts_the_appended_hop_only(api_client, settings, monkeypatch):
    settings.TRUSTED_PROXY_COUNT = 1
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", {"login": "3/min", "anon": "3/min", "user": "9/min"})

    def post(forwarded):
        return api_client.post(
            "/api/v1/auth/token/",
            {"username": "x", "password": "y"},
            REMOTE_ADDR="172.18.0.5",
            HTTP_X_FORWARDED_FOR=forwarded,
        ).status_code

    codes = [post(f"6.6.6.{i}, 203.0.113.7") for i in range(4)]
    assert codes == [400, 400, 400, 429]
    # Another client behind the same proxy has its own allowance.
    assert post("203.0.113.8") == 400


@pytest.mark.django_db
def test_public_form_limit_is_neither_bypassed_nor_shared_through_a_spoofed_header(client, settings):
    settings.COMPLAINTS_PUBLIC_RATE = (2, 3600)
    url = reverse("complaints:public_form")

    # Directly reachable (no proxy trusted): the header is ignored, the peer address counts.
    settings.TRUSTED_PROXY_COUNT = 0
    codes = [
        client.post(url, PUBLIC_FORM, REMOTE_ADDR="198.51.100.4", HTTP_X_FORWARDED_FOR=f"1.1.1.{i}").status_code
        for i in range(3)
    ]
    assert codes == [302, 302, 429]

    # Behind the proxy: every client comes from the proxy's address, yet each has its own allowance, and the
    # hop a client writes itself changes nothing.
    settings.TRUSTED_PROXY_COUNT = 1
    behind = {"REMOTE_ADDR": "172.18.0.5"}
    codes = [
        client.post(url, PUBLIC_FORM, HTTP_X_FORWARDED_FOR=f"9.9.9.{i}, 203.0.113.7", **behind).status_code
        for i in range(3)
    ]
    assert codes == [302, 302, 429]
    assert client.post(url, PUBLIC_FORM, HTTP_X_FORWARDED_FOR="203.0.113.8", **behind).status_code == 302
