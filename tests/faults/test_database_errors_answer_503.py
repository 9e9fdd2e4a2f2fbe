"""A database that does not answer makes a 503 with Retry-After (nothing is wrong with the application: try
again), wherever the error is raised: in DRF (token authentication), in a view, or in a middleware (reading the
session). Any other error stays a 500. The fault test in test_database_outage.py proves it on a real outage;
these run on any database."""

from unittest import mock

import pytest
from django.db import OperationalError
from django.db.backends.utils import CursorWrapper

pytestmark = pytest.mark.django_db


def _every_query_fails(exc: Exception):
    return mock.patch.object(CursorWrapper, "execute", side_effect=exc)


def test_an_api_request_answers_503_json_with_retry_after_when_the_database_is_down(sm_api):
    sm_api.raise_request_exception = False
    with _every_query_fails(OperationalError("server closed the connection unexpectedly")):
        response = sm_api.get("/api/v1/clients/")
    assert response.status_code == 503
    assert response.json() == {"detail": "The database is unavailable. Try again in a moment."}
    assert response["Retry-After"] == "10"
    assert "no-cache" in response["Cache-Control"]


def test_a_page_answers_503_when_reading_the_session_fails(sm_client):
    sm_client.raise_request_exception = False
    with _every_query_fails(OperationalError("could not connect to server")):
        response = sm_client.get("/clients/")
    assert response.status_code == 503
    assert b"Temporarily unavailable" in response.content
    assert response["Retry-After"] == "10"


def test_any_other_error_is_still_a_500(sm_client):
    sm_client.raise_request_exception = False
    with _every_query_fails(ValueError("a bug")):
        response = sm_client.get("/clients/")
    assert response.status_code == 500
    assert "Retry-After" not in response
