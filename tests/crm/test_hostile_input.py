"""Hostile input answers 4xx, never 500: deeply nested JSON, NUL characters in JSON, query strings, paths and
form fields. (Uploaded files: tests/clients/test_import_hostile_files.py.)"""

import json

import pytest
from rest_framework.exceptions import ParseError

from clients.models import Client, Segment
from crm.api.parsers import check_json_value

pytestmark = pytest.mark.django_db
TOKEN_URL = "/api/v1/auth/token/"


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


def test_a_5000_deep_json_array_to_the_anonymous_token_endpoint_answers_400(api_client):
    response = api_client.post(TOKEN_URL, data=nested(5000), content_type="application/json")
    assert response.status_code == 400
    assert "nested deeper than 64" in response.json()["detail"]


def test_json_nested_within_the_interpreter_limit_but_past_64_levels_answers_400(sm_api):
    body = '{"name": ' + nested(65) + "}"
    response = sm_api.post("/api/v1/clients/", data=body, content_type="application/json")
    assert response.status_code == 400
    assert not Client.objects.exists()


def test_json_nested_64_levels_is_still_parsed():
    check_json_value(json.loads(nested(64)))
    with pytest.raises(ParseError):
        check_json_value(json.loads(nested(65)))


@pytest.mark.parametrize(
    "body",
    ['{"username": "a\\u0000b", "password": "x"}', '{"us\\u0000er": "a", "password": "x"}', '["\\u0000"]'],
    ids=["value", "key", "list-item"],
)
def test_nul_characters_in_json_answer_400(api_client, body):
    response = api_client.post(TOKEN_URL, data=body, content_type="application/json")
    assert response.status_code == 400
    assert "NUL" in response.json()["detail"]


def test_invalid_json_and_invalid_utf8_answer_400(api_client):
    for body in (b'{"username": ', b'{"username": "\xff\xfe"}', b"NaN"):
        response = api_client.post(TOKEN_URL, data=body, content_type="application/json")
        assert response.status_code == 400, body


def test_nul_in_an_api_query_string_answers_400_as_json(sm_api):
    response = sm_api.get("/api/v1/clients/", {"search": "a\x00b"})
    assert response.status_code == 400
    assert "NUL" in response.json()["detail"]


def test_nul_in_a_page_query_string_answers_400(sm_client):
    response = sm_client.get("/clients/", {"q": "\x00"})
    assert response.status_code == 400


def test_nul_in_a_path_answers_400(sm_client):
    response = sm_client.get("/clients/tasks/1/do%00ne/")
    assert response.status_code == 400


def test_nul_in_a_page_form_field_answers_400_and_saves_nothing(sm_client):
    response = sm_client.post("/clients/new/", {"name": "Acme\x00", "kind": "company"})
    assert response.status_code == 400
    assert not Client.objects.exists()


def test_nul_in_a_form_field_name_answers_400(client):
    response = client.post("/accounts/login/", {"username": "a", "pass\x00word": "b"})
    assert response.status_code == 400


def test_nul_in_a_multipart_field_answers_400(sm_api):
    response = sm_api.post("/api/v1/clients/", {"name": "Acme\x00"}, format="multipart")
    assert response.status_code == 400
    assert not Client.objects.exists()


def test_every_api_view_parses_json_with_the_bounded_parser():
    """A view that names its own parsers (ObtainAuthToken does) must not bring back DRF's unbounded one."""
    from django.urls import URLPattern, URLResolver, get_resolver
    from rest_framework import parsers

    def views(patterns):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                yield from views(pattern.url_patterns)
            elif isinstance(pattern, URLPattern):
                yield getattr(pattern.callback, "cls", None)

    api_views = {view for view in views(get_resolver().url_patterns) if view is not None}
    assert api_views
    for view in api_views:
        unbounded = [p for p in view.parser_classes if p is parsers.JSONParser]
        assert not unbounded, f"{view.__module__}.{view.__qualname__} parses JSON with DRF's unbounded parser"


# Server errors the API fuzzing (tests/crm/test_api_fuzz.py) found, pinned down.


@pytest.mark.parametrize("value", ["-1.0163390476269072e+142", "1.5", "99999999999999999999999", "0"])
@pytest.mark.parametrize("url, name", [("/api/v1/clients/", "manager"), ("/api/v1/tasks/", "client")])
def test_id_filters_refuse_what_is_not_an_id_with_400(admin_api, url, name, value):
    response = admin_api.get(url, {name: value})
    assert response.status_code == 400
    assert name in response.json()


def test_id_filter_still_filters(admin_api, sales_manager):
    from tests.factories import ClientFactory

    mine = ClientFactory(manager=sales_manager)
    ClientFactory(manager=None)
    response = admin_api.get("/api/v1/clients/", {"manager": sales_manager.pk})
    assert response.status_code == 200
    assert [row["id"] for row in response.json()["results"]] == [mine.pk]


def test_a_segment_can_be_created_inactive_through_the_api(admin_api):
    response = admin_api.post("/api/v1/segments/", {"name": "Dormant", "code": "dormant", "is_active": False})
    assert response.status_code == 201, response.content
    assert response.json()["is_active"] is False


def test_api_posts_without_nul_still_reach_the_view(admin_api):
    """The NUL check looks at the request before DRF does; DRF must still find the fields. (The API takes
    JSON bodies only: a form post is refused with a 4xx, never half-read.)"""
    response = admin_api.post("/api/v1/segments/", {"name": "Walk-in", "code": "walkin"}, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["code"] == "walkin"
    refused = admin_api.post("/api/v1/segments/", {"name": "Form", "code": "form"}, format="multipart")
    assert refused.status_code in (400, 415) and not Segment.objects.filter(code="form").exists()


@pytest.mark.parametrize("moment", ["5692-07-12T12:52:47-18:58", "2024-01-01T00:00:00+23:59"])
def test_updated_since_with_an_offset_postgresql_refuses_is_taken_in_utc(admin_api, moment):
    response = admin_api.get("/api/v1/purchases/", {"updated_since": moment})
    assert response.status_code == 200, response.content


@pytest.mark.parametrize("moment", ["9999-12-31T23:00:00-18:00", "0001-01-01T00:00:00+18:00", "yesterday"])
def test_updated_since_that_no_database_can_hold_answers_400(admin_api, moment):
    response = admin_api.get("/api/v1/clients/", {"updated_since": moment})
    assert response.status_code == 400
    assert "updated_since" in response.json()


@pytest.mark.parametrize("param", ["manager", "segment", "tag", "page"])
def test_client_list_page_ignores_numbers_past_what_the_database_holds(admin_client_role, param):
    response = admin_client_role.get("/clients/", {param: "9" * 30})
    assert response.status_code == 200
