"""The shared edge helpers: "the fragment or the page" for htmx, and a refused rule put on a form."""

import pytest
from django import forms
from django.test import RequestFactory
from django.urls import reverse
from django.utils.cache import has_vary_header
from django_htmx.middleware import HtmxDetails

from crm.exceptions import ApplicationError
from crm.forms import apply_application_error
from crm.htmx import render_partial, wants_fragment

HX = {"HTTP_HX_REQUEST": "true"}
BOOSTED = {**HX, "HTTP_HX_BOOSTED": "true"}
HISTORY_RESTORE = {**HX, "HTTP_HX_HISTORY_RESTORE_REQUEST": "true"}


def _request(**headers):
    request = RequestFactory().get("/somewhere/", **headers)
    request.htmx = HtmxDetails(request)
    return request


@pytest.fixture
def templates(settings):
    """Two in-memory templates stand in for a page and its fragment."""
    sources = {"page.html": "<html>page {{ word }}</html>", "fragment.html": "fragment {{ word }}"}
    settings.TEMPLATES = [
        {
            "BACKEND": "django.template.backends.django.DjangoTemplates",
            "OPTIONS": {"loaders": [("django.template.loaders.locmem.Loader", sources)]},
        }
    ]


@pytest.mark.parametrize(
    ("headers", "fragment"),
    [({}, False), (HX, True), (BOOSTED, False), (HISTORY_RESTORE, False)],
    ids=["normal", "htmx", "boosted", "history-restore"],
)
def test_render_partial_answers_the_fragment_only_to_a_plain_htmx_swap(templates, headers, fragment):
    request = _request(**headers)
    response = render_partial(request, "page.html", "fragment.html", {"word": "hello"})
    body = response.content.decode()
    assert wants_fragment(request) is fragment
    assert body == ("fragment hello" if fragment else "<html>page hello</html>")
    assert response.status_code == 200
    assert has_vary_header(response, "HX-Request")


def test_render_partial_keeps_the_status_and_other_vary_headers(templates):
    response = render_partial(_request(**HX), "page.html", "fragment.html", {"word": "x"}, status=400)
    response["Vary"] = "Cookie, " + response["Vary"]
    assert response.status_code == 400
    assert has_vary_header(response, "HX-Request") and has_vary_header(response, "Cookie")


class _NewsLikeForm(forms.Form):
    title = forms.CharField(required=False)
    body = forms.CharField(required=False)
    segments = forms.CharField(required=False)


def _bound_form():
    form = _NewsLikeForm({"title": "t", "body": "b", "segments": "s"})
    assert form.is_valid()
    return form


def test_apply_application_error_puts_the_message_on_its_field():
    form = _bound_form()
    apply_application_error(form, ApplicationError("A title is required.", field="title"))
    assert form.errors == {"title": ["A title is required."]}
    assert "title" not in form.cleaned_data


def test_apply_application_error_puts_an_unknown_or_missing_field_above_the_form():
    form = _bound_form()
    apply_application_error(form, ApplicationError("No such token.", field="token"))
    apply_application_error(form, ApplicationError("Refused."))
    assert form.non_field_errors() == ["No such token.", "Refused."]
    assert set(form.errors) == {"__all__"}


def test_apply_application_error_applies_per_field_extras_and_ignores_other_data():
    form = _bound_form()
    exc = ApplicationError(
        "A title is required.",
        field="title",
        extra={
            "body": ["Write the news."],
            "segments": "Pick at least one segment.",
            "candidates": [{"id": 1, "name": "Someone"}],  # data for the page, not a field
            "rows": ["row 3: bad"],
        },
    )
    apply_application_error(form, exc)
    assert form.errors == {
        "title": ["A title is required."],
        "body": ["Write the news."],
        "segments": ["Pick at least one segment."],
    }


# --- every converted page family answers a history restore with the whole page ----------------------------


def _assert_whole_page(response):
    body = response.content.decode()
    assert response.status_code == 200
    assert "<html" in body and "<nav" in body
    assert has_vary_header(response, "HX-Request")


@pytest.mark.django_db
def test_history_restore_of_the_clients_list_is_the_whole_page(sm_client):
    _assert_whole_page(sm_client.get(reverse("clients:list"), {"q": "x"}, **HISTORY_RESTORE))


@pytest.mark.django_db
def test_history_restore_of_the_complaints_board_is_the_whole_page(sm_client):
    _assert_whole_page(sm_client.get(reverse("complaints:board"), **HISTORY_RESTORE))


@pytest.mark.django_db
def test_history_restore_of_the_incentives_leaderboard_is_the_whole_page(sm_client):
    _assert_whole_page(sm_client.get(reverse("incentives:leaderboard"), **HISTORY_RESTORE))


@pytest.mark.django_db
def test_history_restore_of_the_notifications_list_is_the_whole_page(admin_client_role):
    _assert_whole_page(admin_client_role.get(reverse("notifications:list"), **HISTORY_RESTORE))


@pytest.mark.django_db
def test_history_restore_of_a_report_page_is_the_whole_page(admin_client_role):
    _assert_whole_page(admin_client_role.get(reverse("reports:report", args=["value"]), **HISTORY_RESTORE))
