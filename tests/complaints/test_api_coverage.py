"""API twins of the complaint pages: triage, assignment, categories and the compliance and systematization
figures (issue 13: every action a page offers, the API offers too, with the same rules and roles)."""

from decimal import Decimal

import pytest

from complaints import services, standards
from complaints.models import Complaint, ComplaintCategory, ComplaintEvent, ResponseTarget
from crm.standards.models import StandardDocument
from tests.factories import ClientFactory
from tests.querycount import assert_same_queries_at_two_sizes

from .factories import make_complaint

pytestmark = pytest.mark.django_db
CATEGORIES = "/api/v1/complaint-categories/"


def _url(complaint, action):
    return f"/api/v1/complaints/{complaint.pk}/{action}/"


# --- triage -------------------------------------------------------------------------------------------


def test_triage_classifies_and_assigns_like_the_page(admin_api, sm_api, sales_manager, other_sales_manager):
    category = ComplaintCategory.objects.create(name="Delivery", code="delivery")
    complaint = make_complaint(client=ClientFactory(manager=sales_manager))
    # only an administrator gives work to a colleague (the page's rule too)
    refused = sm_api.post(_url(complaint, "triage"), {"assigned_to": other_sales_manager.pk})
    assert refused.status_code == 403
    response = admin_api.post(
        _url(complaint, "triage"),
        {"category": "delivery", "severity": "high", "kind": "claim", "assigned_to": other_sales_manager.pk},
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["status"] == "triaged" and body["category_code"] == "delivery" and body["severity"] == "high"
    assert body["kind"] == "claim" and body["assigned_to"] == other_sales_manager.pk
    complaint.refresh_from_db()
    assert complaint.category == category
    assert complaint.events.filter(kind=ComplaintEvent.EventKind.TRIAGED).exists()


def test_triage_with_nothing_keeps_the_classification_and_moves_to_triaged(sm_api):
    complaint = make_complaint(severity="low")
    response = sm_api.post(_url(complaint, "triage"), {})
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "triaged" and response.json()["severity"] == "low"


@pytest.mark.parametrize(
    "payload, field",
    [
        ({"severity": "apocalyptic"}, "severity"),
        ({"kind": "rant"}, "kind"),
        ({"category": "no-such-code"}, "category"),
        ({"assigned_to": 999999}, "assigned_to"),
    ],
)
def test_triage_bad_input_is_400_and_changes_nothing(sm_api, payload, field):
    complaint = make_complaint()
    response = sm_api.post(_url(complaint, "triage"), payload)
    assert response.status_code == 400
    assert field in response.json(), response.json()
    assert Complaint.objects.get().status == Complaint.Status.NEW


def test_triage_of_a_resolved_complaint_is_refused_by_the_service(sm_api, sales_manager):
    complaint = make_complaint()
    services.complaint_triage(complaint=complaint, by=sales_manager)
    services.complaint_transition(complaint=complaint, to_status="in_progress", by=sales_manager)
    services.complaint_transition(
        complaint=complaint,
        to_status="resolved",
        by=sales_manager,
        resolution_note="Refunded",
        root_cause="product_defect",
    )
    response = sm_api.post(_url(complaint, "triage"), {"severity": "high"})
    assert response.status_code == 400 and "status" in response.json()


def test_triage_and_assign_are_denied_to_accountants(acc_api, sales_manager):
    complaint = make_complaint()
    assert acc_api.post(_url(complaint, "triage"), {"severity": "high"}).status_code == 403
    assert acc_api.post(_url(complaint, "assign"), {"assigned_to": sales_manager.pk}).status_code == 403
    complaint.refresh_from_db()
    assert complaint.status == Complaint.Status.NEW and complaint.assigned_to is None


# --- assignment ---------------------------------------------------------------------------------------


def test_assign_hands_over_and_notifies(admin_api, sm_api, other_sales_manager):
    complaint = make_complaint()
    assert sm_api.post(_url(complaint, "assign"), {"assigned_to": other_sales_manager.pk}).status_code == 403
    response = admin_api.post(_url(complaint, "assign"), {"assigned_to": other_sales_manager.pk, "note": "holiday"})
    assert response.status_code == 200, response.json()
    assert response.json()["assigned_to"] == other_sales_manager.pk
    assert other_sales_manager.notifications.filter(event="complaint_assigned").count() == 1


@pytest.mark.parametrize("who", ["missing", "accountant", "unknown"])
def test_assign_bad_input_is_400(admin_api, accountant, who):
    complaint = make_complaint()
    payload = {"missing": {}, "accountant": {"assigned_to": accountant.pk}, "unknown": {"assigned_to": 999999}}[who]
    response = admin_api.post(_url(complaint, "assign"), payload)
    assert response.status_code == 400
    assert "assigned_to" in response.json(), response.json()
    assert Complaint.objects.get().assigned_to is None


def test_triage_and_assign_of_an_unknown_complaint_is_404(sm_api, sales_manager):
    assert sm_api.post("/api/v1/complaints/999999/triage/", {}).status_code == 404
    assert sm_api.post("/api/v1/complaints/999999/assign/", {"assigned_to": sales_manager.pk}).status_code == 404


# --- categories ---------------------------------------------------------------------------------------


def test_administrator_creates_and_updates_a_category(admin_api, sales_manager):
    script = StandardDocument.objects.create(kind=StandardDocument.DocKind.SCRIPT, title="Refund script")
    response = admin_api.post(
        CATEGORIES,
        {"name": "Billing", "code": "billing", "owner": sales_manager.pk, "script": script.pk, "handling_cost": "40"},
    )
    assert response.status_code == 201, response.json()
    pk = response.json()["id"]
    assert response.json()["owner"] == sales_manager.pk and response.json()["updated_at"]
    patched = admin_api.patch(f"{CATEGORIES}{pk}/", {"prefer_owner": True})
    assert patched.status_code == 200, patched.json()
    category = ComplaintCategory.objects.get(pk=pk)
    assert category.prefer_owner and category.owner == sales_manager and category.script == script
    assert category.handling_cost == Decimal("40")


def test_categories_read_by_every_role_written_by_administrators(sm_api, acc_api):
    category = ComplaintCategory.objects.create(name="Delivery", code="delivery")
    assert sm_api.get(CATEGORIES).json()["results"][0]["code"] == "delivery"
    assert acc_api.get(f"{CATEGORIES}{category.pk}/").status_code == 200
    assert sm_api.post(CATEGORIES, {"name": "X", "code": "x"}).status_code == 403
    assert acc_api.patch(f"{CATEGORIES}{category.pk}/", {"name": "Y"}).status_code == 403
    assert list(ComplaintCategory.objects.values_list("name", flat=True)) == ["Delivery"]


@pytest.mark.parametrize(
    "payload, field",
    [
        ({"code": "x"}, "name"),
        ({"name": "X", "code": "not a slug"}, "code"),
        ({"name": "X", "code": "delivery"}, "code"),
        ({"name": "X", "code": "x", "handling_cost": "-1"}, "handling_cost"),
        ({"name": "X", "code": "x", "owner": "ACC"}, "owner"),
        ({"name": "X", "code": "x", "script": "MEMO"}, "script"),
    ],
)
def test_category_bad_input_is_400_and_saves_nothing(admin_api, accountant, payload, field):
    ComplaintCategory.objects.create(name="Delivery", code="delivery")
    memo = StandardDocument.objects.create(kind=StandardDocument.DocKind.MEMO, title="Memo")
    payload = {k: {"ACC": accountant.pk, "MEMO": memo.pk}.get(v, v) for k, v in payload.items()}
    response = admin_api.post(CATEGORIES, payload)
    assert response.status_code == 400
    assert field in response.json(), response.json()
    assert ComplaintCategory.objects.count() == 1


def test_categories_sync_by_updated_since(sm_api):
    ComplaintCategory.objects.create(name="Delivery", code="delivery")
    assert len(sm_api.get(CATEGORIES, {"updated_since": "2000-01-01T00:00:00Z"}).json()["results"]) == 1
    assert sm_api.get(CATEGORIES, {"updated_since": "2100-01-01T00:00:00Z"}).json()["results"] == []


def test_category_list_costs_the_same_queries_for_2_and_20_categories(acc_api, sales_manager):
    script = StandardDocument.objects.create(kind=StandardDocument.DocKind.SCRIPT, title="Script")

    def add(n):
        for _ in range(n):
            i = ComplaintCategory.objects.count()
            standards.category_save(
                name=f"Topic {i}", code=f"topic-{i}", owner=sales_manager, script=script, standards=[script]
            )

    assert_same_queries_at_two_sizes(
        fetch=lambda: acc_api.get(CATEGORIES), add_rows=add, rows=lambda r: len(r.json()["results"]), queries=3
    )


# --- figures ------------------------------------------------------------------------------------------


def test_compliance_figures_match_the_page_and_every_role_reads_them(acc_api, sales_manager):
    complaint = make_complaint(client=ClientFactory(manager=sales_manager))
    services.complaint_assign(complaint=complaint, to=sales_manager, by=sales_manager)
    response = acc_api.get("/api/v1/complaints/figures/compliance/", {"period": "week"})
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["period"] == "week"
    assert set(body["periods"]) == {"week", "month", "quarter"}
    assert set(body["overall"]) >= {"first_response", "resolution", "compliance", "score"}
    assert body["invoice_standard_hours"] == "2.00"


def test_compliance_bad_period_is_400(sm_api, api_client, api_client_for, no_role_user):
    response = sm_api.get("/api/v1/complaints/figures/compliance/", {"period": "decade"})
    assert response.status_code == 400 and "period" in response.json()
    assert api_client.get("/api/v1/complaints/figures/compliance/").status_code == 401
    assert api_client_for(no_role_user).get("/api/v1/complaints/figures/compliance/").status_code == 403


def test_systematization_figures_for_handlers_only(sm_api, acc_api, sales_manager):
    category = ComplaintCategory.objects.create(name="Delivery", code="delivery")
    for _ in range(3):
        complaint = make_complaint()
        services.complaint_triage(complaint=complaint, by=sales_manager, category=category)
    response = sm_api.get("/api/v1/complaints/figures/systematization/", {"months": 3})
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["by_category"]["rows"][0] == {"label": "Delivery", "cells": [3], "total": 3}
    assert len(body["by_category"]["months"]) == 1
    assert body["overall_satisfaction"] == {"avg": None, "n": 0}
    assert acc_api.get("/api/v1/complaints/figures/systematization/").status_code == 403


@pytest.mark.parametrize("months", ["0", "37", "many"])
def test_systematization_bad_months_is_400(sm_api, months):
    response = sm_api.get("/api/v1/complaints/figures/systematization/", {"months": months})
    assert response.status_code == 400 and "months" in response.json()


# --- response targets ---------------------------------------------------------------------------------

TARGETS = "/api/v1/complaint-response-targets/"


def test_response_targets_list_and_upsert(admin_api, sm_api):
    ComplaintCategory.objects.create(name="Delivery", code="delivery")
    payload = {"kind": "complaint", "severity": "high", "category": "delivery", "first_response_hours": "2"}
    created = admin_api.post(TARGETS, {**payload, "resolution_hours": "16"})
    assert created.status_code == 201, created.json()
    again = admin_api.post(TARGETS, {**payload, "resolution_hours": "12"})
    assert again.status_code == 201 and again.json()["id"] == created.json()["id"]
    listed = sm_api.get(TARGETS, {"category": "delivery"}).json()["results"]
    assert [(t["category"], t["resolution_hours"]) for t in listed] == [("delivery", "12.00")]
    assert sm_api.get(TARGETS, {"updated_since": "2100-01-01T00:00:00Z"}).json()["results"] == []


def test_response_targets_written_by_administrators_only(sm_api, acc_api):
    payload = {"kind": "complaint", "severity": "high", "first_response_hours": "2", "resolution_hours": "8"}
    assert sm_api.post(TARGETS, payload).status_code == 403
    assert acc_api.post(TARGETS, payload).status_code == 403
    assert acc_api.get(TARGETS).status_code == 200


@pytest.mark.parametrize(
    "change, field",
    [
        ({"severity": "apocalyptic"}, "severity"),
        ({"first_response_hours": "0"}, "first_response_hours"),
        ({"resolution_hours": "1"}, "resolution_hours"),
        ({"category": "nope"}, "category"),
    ],
)
def test_response_target_bad_input_is_400(admin_api, change, field):
    before = ResponseTarget.objects.count()
    payload = {"kind": "complaint", "severity": "high", "first_response_hours": "2", "resolution_hours": "8"}
    response = admin_api.post(TARGETS, {**payload, **change})
    assert response.status_code == 400
    assert field in response.json(), response.json()
    assert ResponseTarget.objects.count() == before


def test_response_target_list_costs_the_same_queries_for_2_and_20_targets(acc_api):
    ResponseTarget.objects.all().delete()

    def add(n):
        for _ in range(n):
            i = ComplaintCategory.objects.count()
            category = ComplaintCategory.objects.create(name=f"Topic {i}", code=f"topic-{i}")
            standards.target_set(
                kind="complaint",
                severity="high",
                category=category,
                first_response_hours=Decimal("1"),
                resolution_hours=Decimal("4"),
            )

    assert_same_queries_at_two_sizes(
        fetch=lambda: acc_api.get(TARGETS), add_rows=add, rows=lambda r: len(r.json()["results"]), queries=2
    )
