import pytest
from django.contrib.auth import get_user_model
from openapi_spec_validator import validate

from clients.models import Segment
from crm.auth_tokens import key_hash
from crm.models import ApiToken
from crm.roles import Role
from tests.conftest import PASSWORD, make_user
from tests.querycount import assert_same_queries_at_two_sizes

pytestmark = pytest.mark.django_db
User = get_user_model()


def test_token_endpoint_returns_token_for_valid_credentials(api_client, sales_manager):
    response = api_client.post("/api/v1/auth/token/", {"username": "sm", "password": PASSWORD})
    assert response.status_code == 200
    token = response.json()["token"]
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    me = api_client.get("/api/v1/me/")
    assert me.status_code == 200
    assert me.json()["roles"] == ["Sales manager"]


def test_token_endpoint_rejects_bad_credentials_with_field_messages(api_client, sales_manager):
    response = api_client.post("/api/v1/auth/token/", {"username": "sm", "password": "bad"})
    assert response.status_code == 400
    assert "non_field_errors" in response.json()
    missing = api_client.post("/api/v1/auth/token/", {"username": "sm"})
    assert missing.status_code == 400
    assert "password" in missing.json()


def test_token_endpoint_shares_the_login_lockout(api_client, sales_manager, accountant):
    for _ in range(5):
        api_client.post("/api/v1/auth/token/", {"username": "sm", "password": "bad"})
    response = api_client.post("/api/v1/auth/token/", {"username": "sm", "password": PASSWORD})
    # a locked username and address get the same answer as bad credentials
    assert response.status_code == 400
    assert response.json() == {"non_field_errors": ["Unable to log in with provided credentials."]}
    assert not ApiToken.objects.filter(user=sales_manager).exists()
    # the lock is on that username from that address, not on the address
    other = api_client.post("/api/v1/auth/token/", {"username": "acc", "password": PASSWORD})
    assert other.status_code == 200
    assert ApiToken.objects.get(user=accountant).key_hash == key_hash(other.json()["token"])


def test_unauthenticated_api_call_gets_401_json(api_client):
    response = api_client.get("/api/v1/me/")
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Token")
    assert "detail" in response.json()


def test_wrong_role_gets_403_json(sm_api, acc_api):
    for client in (sm_api, acc_api):
        response = client.get("/api/v1/users/")
        assert response.status_code == 403
        assert "detail" in response.json()


def test_user_without_role_gets_403(api_client_for, no_role_user):
    assert api_client_for(no_role_user).get("/api/v1/me/").status_code == 403


def test_administrator_lists_users_with_cursor_pagination(admin_api, sales_manager, accountant):
    response = admin_api.get("/api/v1/users/?page_size=1")
    assert response.status_code == 200
    body = response.json()
    assert len(body["results"]) == 1 and body["next"]
    nxt = admin_api.get(body["next"]).json()
    assert nxt["results"][0]["id"] != body["results"][0]["id"]


def test_user_list_costs_the_same_queries_for_2_and_20_users(admin_api, administrator):
    def add(n):
        for _ in range(n):
            i = User.objects.count()
            make_user(f"user{i}", (Role.SALES_MANAGER, Role.ACCOUNTANT)[i % 2])

    assert_same_queries_at_two_sizes(
        fetch=lambda: admin_api.get("/api/v1/users/", {"page_size": 50}),
        add_rows=add,
        rows=lambda r: len(r.json()["results"]) - 1,  # besides the administrator asking
        queries=3,  # token with user and roles; users; their roles
    )


def test_session_authentication_works_for_the_browser(sm_client):
    assert sm_client.get("/api/v1/me/").status_code == 200


def test_openapi_schema_is_valid_openapi_3(admin_api):
    response = admin_api.get("/api/schema/?format=json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    validate(schema)
    assert "/api/v1/auth/token/" in schema["paths"]


def test_request_bodies_are_json_only_and_every_error_is_described(admin_api):
    schema = admin_api.get("/api/schema/?format=json").json()
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            body = operation.get("requestBody")
            if body and path != "/api/v1/complaints/inbound-email/":
                assert list(body["content"]) == ["application/json"], (method, path)
            responses = operation["responses"]
            assert "429" in responses, (method, path)
            if method in {"post", "put", "patch"}:
                assert {"400", "409"} <= responses.keys(), (method, path)
            if "{" in path:
                assert "404" in responses, (method, path)


# Lists that are not collections an ERP syncs, each with the reason. Every other list answers a cursor page and
# takes `updated_since`; a new list that does neither fails the test below until it does or is named here.
NOT_SYNCED_LISTS = {
    "/api/v1/auth/tokens/": "a person's own credentials, read whole on the account page",
    "/api/v1/users/": "staff accounts: Django's user table carries no change moment; read whole, cursor paged",
    "/api/v1/clients/duplicates/": "a lookup answering at most eight candidates, not a collection",
    "/api/v1/search/": "a lookup across clients, invoices, complaints and products, capped per kind",
    "/api/v1/incentives/leaderboard/": "a ranking computed for one period, not stored rows",
    "/api/v1/incentives/service-leaderboard/": "a ranking computed for one period, not stored rows",
    "/api/v1/standards/target-quarter/": "figures computed for the last quarter, not stored rows",
    "/api/v1/login-locks/": "live lockout state, which expires by itself",
    "/api/v1/login-slowdowns/": "live slowdown state, which expires by itself",
    "/api/v1/reports/": "the fixed list of report kinds",
    "/api/v1/reports/{kind}/snapshots/{id}/rows/": "a snapshot's rows never change; sync the snapshots list",
    "/api/v1/standards/holidays/": "the business calendar is read whole (a deleted day leaves no row to sync)",
}


def test_every_list_is_cursor_paged_and_syncable_by_updated_since(admin_api):
    schema = admin_api.get("/api/schema/?format=json").json()
    components = schema["components"]["schemas"]

    def resolve(node):
        while "$ref" in node:
            node = components[node["$ref"].rsplit("/", 1)[1]]
        return node

    lists, missing = set(), []
    for path, operations in schema["paths"].items():
        body = operations.get("get", {}).get("responses", {}).get("200", {}).get("content", {})
        shape = resolve(body.get("application/json", {}).get("schema", {}))
        if shape.get("type") != "array" and "results" not in shape.get("properties", {}):
            continue
        lists.add(path)
        if path in NOT_SYNCED_LISTS:
            continue
        parameters = {p["name"] for p in operations["get"].get("parameters", [])}
        if shape.get("type") == "array" or not {"cursor", "updated_since"} <= parameters:
            missing.append(path)
    assert not missing, f"lists without cursor paging or updated_since: {missing}"
    assert set(NOT_SYNCED_LISTS) <= lists, "a named exception is no longer a list: drop it"
    assert len(lists) > 40  # the walk saw the API's lists


def test_a_form_encoded_or_multipart_post_is_a_4xx_not_a_500(admin_api):
    for content in ("multipart", "form"):
        response = (
            admin_api.post("/api/v1/segments/", {"name": "x"}, format="multipart")
            if content == "multipart"
            else admin_api.generic("POST", "/api/v1/segments/", "name=x", "application/x-www-form-urlencoded")
        )
        # JSON only: 415 (or 400 once the NUL guard has read a multipart form), never a 500, nothing written
        assert response.status_code in (400, 415), response.content
    assert not Segment.objects.filter(name="x").exists()


def test_api_docs_served_with_local_assets(sm_client):
    response = sm_client.get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist" in html
    assert "cdn" not in html.lower()


def test_api_docs_are_in_the_navigation_and_anonymous_visitors_go_to_login(sm_client):
    from django.test import Client

    anonymous = Client().get("/api/docs/")
    assert anonymous.status_code == 302 and anonymous["Location"].startswith("/accounts/login/")
    page = sm_client.get("/clients/")
    assert 'href="/api/docs/"' in page.content.decode()


def test_token_endpoint_is_throttled(api_client, monkeypatch):
    from django.core.cache import cache
    from rest_framework.throttling import SimpleRateThrottle

    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", {"login": "2/min", "anon": "2/min", "user": "9/min"})
    cache.clear()
    codes = [api_client.post("/api/v1/auth/token/", {"username": "x", "password": "y"}).status_code for _ in range(3)]
    assert codes == [400, 400, 429]
    assert "detail" in api_client.post("/api/v1/auth/token/", {}).json()


def test_token_request_reads_user_and_roles_in_one_query(sm_api, django_assert_num_queries):
    with django_assert_num_queries(1):  # /me/ needs nothing beyond who is asking and their roles
        response = sm_api.get("/api/v1/me/")
    assert response.status_code == 200 and "Sales manager" in str(response.json())


def test_role_removed_from_a_token_user_is_refused_on_the_next_call(sm_api, sales_manager):
    assert sm_api.get("/api/v1/clients/").status_code == 200
    sales_manager.groups.clear()
    assert sm_api.get("/api/v1/clients/").status_code == 403


def test_authenticated_calls_are_rate_limited_per_user_with_retry_after(sm_api, acc_api, monkeypatch):
    from django.core.cache import cache
    from rest_framework.throttling import SimpleRateThrottle

    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", {"login": "20/min", "anon": "20/min", "user": "3/min"})
    cache.clear()
    codes = [sm_api.get("/api/v1/me/").status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    refused = sm_api.get("/api/v1/me/")
    assert refused.status_code == 429 and 0 < int(refused["Retry-After"]) <= 60
    assert acc_api.get("/api/v1/me/").status_code == 200  # counted per user, not for everyone
    cache.clear()


@pytest.fixture
def redis_cache(settings):
    """The default cache on the Redis of this machine (skipped without one)."""
    import os

    import redis

    url = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/15"
    try:
        redis.Redis.from_url(url).ping()
    except redis.RedisError:
        pytest.skip("no Redis here")
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": url}}


@pytest.mark.parametrize("backend", ["locmem", "redis"])
def test_window_counter_counts_once_per_call_and_expires(backend, request):
    import time

    from django.core.cache import caches

    from crm.api.throttling import count_in_window

    if backend == "redis":
        request.getfixturevalue("redis_cache")
    cache = caches["default"]
    key = f"test-window-{backend}-{time.time_ns()}"
    assert [count_in_window(cache, key, 1) for _ in range(3)] == [1, 2, 3]
    time.sleep(2.1)
    assert count_in_window(cache, key, 1) == 1


def test_rate_limit_counts_in_one_redis_round_trip(redis_cache, rf):
    """The throttle reaches the Redis backend itself (not the `cache` proxy), so it takes the pipelined path:
    the add-then-incr fallback, which costs three round trips, is never called."""
    import time

    from django.core.cache import caches
    from django.core.cache.backends.redis import RedisCache

    from crm.api.throttling import UserRateThrottle

    throttle = UserRateThrottle()
    throttle.rate, (throttle.num_requests, throttle.duration) = "2/min", (2, 60)
    assert isinstance(throttle.cache, RedisCache)
    request = rf.get("/api/v1/clients/")
    request.user = type("U", (), {"is_authenticated": True, "pk": f"t{time.time_ns()}"})()

    def refuse(*args, **kwargs):
        raise AssertionError("the three-round-trip fallback was taken")

    cache = caches["default"]
    cache.add, cache.incr = refuse, refuse
    assert [throttle.allow_request(request, None) for _ in range(3)] == [True, True, False]
