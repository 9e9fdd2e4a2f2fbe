"""Administrators see current locks and slowdowns and lift them, on the Login locks page and in the API; sales
managers and accountants are refused both."""

import pytest
from axes.models import AccessAttempt
from django.test import Client
from django.urls import reverse

from crm.logins import services
from crm.logins.models import LoginSlowdown
from crm.navigation import nav_for
from tests.conftest import PASSWORD
from tests.querycount import assert_same_queries_at_two_sizes

pytestmark = pytest.mark.django_db


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def login(client, username, password, address):
    return client.post(reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=address)


@pytest.fixture
def locked_sm(client, sales_manager):
    """sm locked from 10.9.9.9 (axes) and slowed down everywhere."""
    for _ in range(5):
        login(client, "sm", "wrong", "10.9.9.9")
    assert login(client, "sm", PASSWORD, "10.9.9.9").status_code == 429
    return sales_manager


def add_slowdowns(n):
    start = LoginSlowdown.objects.count()
    for i in range(start, start + n):
        for _ in range(3):
            services.login_failure_record(username=f"user{i}", address="198.51.100.1")


def add_locks(n):
    start = AccessAttempt.objects.count()
    for i in range(start, start + n):
        AccessAttempt.objects.create(
            username=f"user{i}",
            ip_address="198.51.100.1",
            user_agent="x",
            failures_since_start=5,
            get_data="",
            post_data="",
            http_accept="",
            path_info="/accounts/login/",
        )


def test_page_lists_locks_and_slowdowns_and_lifts_them(client, administrator, locked_sm):
    admin_client_for = logged_in(administrator)
    page = admin_client_for.get(reverse("logins:index"))
    assert page.status_code == 200
    html = page.content.decode()
    assert "10.9.9.9" in html and 'id="slowdown-' in html
    lock_id = AccessAttempt.objects.filter(username="sm").order_by("pk").first().pk
    slowdown = LoginSlowdown.objects.get(username="sm")

    response = admin_client_for.post(reverse("logins:lock_lift", args=[lock_id]), follow=True)
    assert response.status_code == 200 and b"are open again" in response.content
    assert not AccessAttempt.objects.filter(username="sm").exists()
    response = admin_client_for.post(reverse("logins:slowdown_lift", args=[slowdown.pk]), follow=True)
    assert b"no longer slowed down" in response.content
    assert not LoginSlowdown.objects.exists()
    # Lifted: the user logs in from the address that was locked.
    assert login(client, "sm", PASSWORD, "10.9.9.9").status_code == 302
    assert admin_client_for.post(reverse("logins:slowdown_lift", args=[slowdown.pk])).status_code == 404


def test_api_lists_and_lifts(admin_api, locked_sm):
    locks = admin_api.get("/api/v1/login-locks/").json()
    assert [(lock["username"], lock["ip_address"], lock["failures"]) for lock in locks] == [("sm", "10.9.9.9", 6)]
    assert locks[0]["locked_until"]
    slowdowns = admin_api.get("/api/v1/login-slowdowns/").json()
    assert [s["username"] for s in slowdowns] == ["sm"] and slowdowns[0]["next_attempt_at"]

    assert admin_api.delete(f"/api/v1/login-locks/{locks[0]['id']}/").status_code == 204
    assert admin_api.get("/api/v1/login-locks/").json() == []
    assert admin_api.delete(f"/api/v1/login-slowdowns/{slowdowns[0]['id']}/").status_code == 204
    assert admin_api.get("/api/v1/login-slowdowns/").json() == []
    assert admin_api.delete(f"/api/v1/login-slowdowns/{slowdowns[0]['id']}/").status_code == 404
    assert admin_api.delete("/api/v1/login-locks/999999/").status_code == 404


def test_sales_managers_and_accountants_are_refused(locked_sm, accountant, sm_api, acc_api, client):
    lock_id = AccessAttempt.objects.filter(username="sm").first().pk
    slowdown_id = LoginSlowdown.objects.get().pk
    for page_client in (logged_in(locked_sm), logged_in(accountant)):
        assert page_client.get(reverse("logins:index")).status_code == 403
        assert page_client.post(reverse("logins:lock_lift", args=[lock_id])).status_code == 403
        assert page_client.post(reverse("logins:slowdown_lift", args=[slowdown_id])).status_code == 403
    for api in (sm_api, acc_api):
        assert api.get("/api/v1/login-locks/").status_code == 403
        assert api.get("/api/v1/login-slowdowns/").status_code == 403
        assert api.delete(f"/api/v1/login-locks/{lock_id}/").status_code == 403
        assert api.delete(f"/api/v1/login-slowdowns/{slowdown_id}/").status_code == 403
    assert Client().get(reverse("logins:index")).status_code == 302
    assert AccessAttempt.objects.filter(pk=lock_id).exists() and LoginSlowdown.objects.filter(pk=slowdown_id).exists()


def test_the_services_refuse_anyone_but_an_administrator(locked_sm):
    from crm.exceptions import ApplicationError

    with pytest.raises(ApplicationError) as exc:
        services.login_slowdown_lift(slowdown=LoginSlowdown.objects.get(), by=locked_sm)
    assert exc.value.code == "forbidden"
    with pytest.raises(ApplicationError):
        services.login_lock_lift(username="sm", ip_address="10.9.9.9", by=locked_sm)


def test_the_page_is_in_the_administrators_navigation_only(administrator, sales_manager, accountant):
    assert "Login locks" in {i["label"] for i in nav_for(administrator)}
    assert "Login locks" not in {i["label"] for i in nav_for(sales_manager)} | {i["label"] for i in nav_for(accountant)}


def test_lists_cost_the_same_queries_for_2_and_20_rows(admin_api):
    assert_same_queries_at_two_sizes(
        fetch=lambda: admin_api.get("/api/v1/login-slowdowns/"),
        add_rows=add_slowdowns,
        rows=lambda r: len(r.json()),
        queries=2,  # token with user and roles; slowdowns
    )
    AccessAttempt.objects.all().delete()
    assert_same_queries_at_two_sizes(
        fetch=lambda: admin_api.get("/api/v1/login-locks/"),
        add_rows=add_locks,
        rows=lambda r: len(r.json()),
        queries=2,  # token with user and roles; locks
    )


def test_page_costs_the_same_queries_for_2_and_20_rows(administrator):
    admin = logged_in(administrator)

    def add_both(n):
        add_slowdowns(n)
        add_locks(n)

    assert_same_queries_at_two_sizes(
        fetch=lambda: admin.get(reverse("logins:index")),
        add_rows=add_both,
        rows=lambda r: r.content.decode().count('id="slowdown-'),
        queries=4,  # session, user with roles, locks, slowdowns
    )


def test_django_admin_shows_slowdowns_read_only(administrator, locked_sm):
    admin = logged_in(administrator)
    response = admin.get("/admin/logins/loginslowdown/")
    assert response.status_code == 200 and b"sm" in response.content
    assert admin.get("/admin/logins/loginslowdown/add/").status_code == 403
