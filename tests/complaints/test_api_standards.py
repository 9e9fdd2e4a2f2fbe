"""API twins of the service standards page: documents (publish, acknowledge), the business calendar, holidays
and the company-wide service targets."""

from datetime import date

import pytest

from crm.standards import services as standard_services
from crm.standards.models import Acknowledgement, BusinessCalendar, Holiday, ServiceTargets, StandardDocument
from tests.querycount import assert_same_queries_at_two_sizes

pytestmark = pytest.mark.django_db
DOCS = "/api/v1/standards/documents/"


def _document(admin, title="Code of conduct", body="Be kind."):
    return standard_services.document_create(kind=StandardDocument.DocKind.CONDUCT, title=title, body=body, by=admin)


# --- documents ----------------------------------------------------------------------------------------


def test_administrator_creates_and_publishes_a_document(admin_api):
    response = admin_api.post(DOCS, {"kind": "memo", "title": "Opening hours", "body": "We open at nine."})
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["current_version"]["number"] == 1 and body["acknowledged"] is False
    published = admin_api.post(f"{DOCS}{body['id']}/publish/", {"body": "We open at ten.", "change_note": "later"})
    assert published.status_code == 201, published.json()
    assert published.json()["number"] == 2
    detail = admin_api.get(f"{DOCS}{body['id']}/").json()
    assert [v["number"] for v in detail["versions"]] == [2, 1]
    assert detail["current_version"]["body"] == "We open at ten."


def test_every_role_acknowledges_once_and_again_after_a_new_version(acc_api, accountant, administrator):
    document = _document(administrator)
    first = acc_api.post(f"{DOCS}{document.pk}/acknowledge/")
    assert first.status_code == 201, first.json()
    assert first.json()["version_number"] == 1
    assert acc_api.post(f"{DOCS}{document.pk}/acknowledge/").status_code == 200
    assert acc_api.get(DOCS).json()["results"][0]["acknowledged"] is True
    standard_services.document_publish(document=document, body="Be kinder.", by=administrator)
    assert acc_api.get(DOCS).json()["results"][0]["acknowledged"] is False
    assert acc_api.post(f"{DOCS}{document.pk}/acknowledge/").status_code == 201
    assert Acknowledgement.objects.filter(user=accountant).count() == 2


def test_acknowledging_a_document_without_a_version_is_400(sm_api):
    document = StandardDocument.objects.create(kind="memo", title="Draft")
    response = sm_api.post(f"{DOCS}{document.pk}/acknowledge/")
    assert response.status_code == 400 and "version" in response.json()


def test_only_administrators_create_publish_and_see_the_matrix(sm_api, acc_api, administrator):
    document = _document(administrator)
    assert sm_api.post(DOCS, {"kind": "memo", "title": "X", "body": "Y"}).status_code == 403
    assert acc_api.post(f"{DOCS}{document.pk}/publish/", {"body": "Z"}).status_code == 403
    assert sm_api.get("/api/v1/standards/acknowledgements/").status_code == 403
    assert StandardDocument.objects.count() == 1 and document.versions.count() == 1


def test_acknowledgement_matrix(admin_api, sales_manager, administrator):
    document = _document(administrator)
    standard_services.document_acknowledge(document=document, user=sales_manager)
    body = admin_api.get("/api/v1/standards/acknowledgements/").json()
    assert body["documents"] == [{"id": document.pk, "title": "Code of conduct", "version": 1}]
    assert {r["username"]: r["acknowledged"] for r in body["rows"]} == {"adm": [False], "sm": [True]}
    assert body["missing"] == 1


@pytest.mark.parametrize(
    "payload, field",
    [
        ({"kind": "novel", "title": "X", "body": "Y"}, "kind"),
        ({"kind": "memo", "title": "", "body": "Y"}, "title"),
        ({"kind": "memo", "title": "X", "body": ""}, "body"),
        ({"kind": "memo", "title": "X", "body": "   "}, "body"),
    ],
)
def test_document_bad_input_is_400_and_saves_nothing(admin_api, payload, field):
    response = admin_api.post(DOCS, payload)
    assert response.status_code == 400
    assert field in response.json(), response.json()
    assert not StandardDocument.objects.exists()


def test_publish_bad_input_is_400(admin_api, administrator):
    document = _document(administrator)
    response = admin_api.post(f"{DOCS}{document.pk}/publish/", {"change_note": "x" * 201})
    assert response.status_code == 400 and {"body", "change_note"} <= set(response.json())
    assert document.versions.count() == 1


def test_documents_sync_by_updated_since(sm_api, administrator):
    _document(administrator)
    assert len(sm_api.get(DOCS, {"updated_since": "2000-01-01T00:00:00Z"}).json()["results"]) == 1
    assert sm_api.get(DOCS, {"updated_since": "2100-01-01T00:00:00Z"}).json()["results"] == []


def test_document_list_costs_the_same_queries_for_2_and_20_documents(sm_api, sales_manager, administrator):
    def add(n):
        for _ in range(n):
            document = _document(administrator, title=f"Doc {StandardDocument.objects.count()}")
            standard_services.document_acknowledge(document=document, user=sales_manager)

    assert_same_queries_at_two_sizes(
        fetch=lambda: sm_api.get(DOCS), add_rows=add, rows=lambda r: len(r.json()["results"]), queries=2
    )


# --- calendar and holidays ----------------------------------------------------------------------------


def test_calendar_read_by_all_changed_by_administrators(sm_api, admin_api):
    assert sm_api.get("/api/v1/standards/calendar/").json()["working_weekdays"] == [1, 2, 3, 4, 5]
    new = {"working_weekdays": [1, 2, 3, 4, 5, 6], "day_start": "08:00", "day_end": "18:30"}
    assert sm_api.put("/api/v1/standards/calendar/", new).status_code == 403
    response = admin_api.put("/api/v1/standards/calendar/", new)
    assert response.status_code == 200, response.json()
    assert response.json()["day_end"] == "18:30" and response.json()["working_weekdays"] == [1, 2, 3, 4, 5, 6]
    assert BusinessCalendar.objects.get().working_weekdays == [1, 2, 3, 4, 5, 6]


@pytest.mark.parametrize(
    "payload, field",
    [
        ({"working_weekdays": [], "day_start": "09:00", "day_end": "17:00"}, "working_weekdays"),
        ({"working_weekdays": [8], "day_start": "09:00", "day_end": "17:00"}, "working_weekdays"),
        ({"working_weekdays": [1], "day_start": "18:00", "day_end": "17:00"}, "day_end"),
        ({"working_weekdays": [1], "day_start": "nine", "day_end": "17:00"}, "day_start"),
    ],
)
def test_calendar_bad_input_is_400(admin_api, payload, field):
    response = admin_api.put("/api/v1/standards/calendar/", payload)
    assert response.status_code == 400
    assert field in response.json(), response.json()
    assert not BusinessCalendar.objects.filter(day_start="18:00").exists()


def test_holidays_added_listed_and_removed_by_administrators(sm_api, admin_api):
    response = admin_api.post("/api/v1/standards/holidays/", {"date": "2026-12-25", "name": "Christmas"})
    assert response.status_code == 201, response.json()
    pk = response.json()["id"]
    assert sm_api.get("/api/v1/standards/holidays/").json()["results"][0]["name"] == "Christmas"
    assert sm_api.post("/api/v1/standards/holidays/", {"date": "2026-12-26", "name": "Boxing"}).status_code == 403
    assert sm_api.delete(f"/api/v1/standards/holidays/{pk}/").status_code == 403
    assert admin_api.delete(f"/api/v1/standards/holidays/{pk}/").status_code == 204
    assert not Holiday.objects.exists()


@pytest.mark.parametrize(
    "payload, field",
    [({"date": "2026-12-25", "name": "Again"}, "date"), ({"date": "someday", "name": "X"}, "date"), ({}, "name")],
)
def test_holiday_bad_input_is_400(admin_api, payload, field):
    Holiday.objects.create(date=date(2026, 12, 25), name="Christmas")
    response = admin_api.post("/api/v1/standards/holidays/", payload)
    assert response.status_code == 400
    assert field in response.json(), response.json()
    assert Holiday.objects.count() == 1


def test_holiday_list_costs_the_same_queries_for_2_and_20_holidays(acc_api):
    def add(n):
        for _ in range(n):
            Holiday.objects.create(date=date(2030, 1, 1 + Holiday.objects.count()), name="Day off")

    assert_same_queries_at_two_sizes(
        fetch=lambda: acc_api.get("/api/v1/standards/holidays/"),
        add_rows=add,
        rows=lambda r: len(r.json()["results"]),
        queries=2,
    )


# --- service targets ----------------------------------------------------------------------------------


def _targets(**extra):
    return {
        "invoice_issue_hours": "3",
        "key_client_max_days_without_contact": 20,
        "complaint_handling_cost": "30.00",
        "escalation_warning_hours": "2",
        **extra,
    }


def test_service_targets_read_by_all_changed_by_administrators(acc_api, admin_api, sales_manager):
    assert acc_api.get("/api/v1/standards/service-targets/").json()["invoice_issue_hours"] == "2.00"
    assert acc_api.put("/api/v1/standards/service-targets/", _targets()).status_code == 403
    response = admin_api.put("/api/v1/standards/service-targets/", _targets(supervisor=sales_manager.pk))
    assert response.status_code == 200, response.json()
    assert response.json()["supervisor"] == sales_manager.pk
    targets = ServiceTargets.objects.get()
    assert str(targets.invoice_issue_hours) == "3.00" and targets.key_client_max_days_without_contact == 20


@pytest.mark.parametrize(
    "change, field",
    [
        ({"invoice_issue_hours": "0"}, "invoice_issue_hours"),
        ({"key_client_max_days_without_contact": 0}, "key_client_max_days_without_contact"),
        ({"complaint_handling_cost": "-1"}, "complaint_handling_cost"),
        ({"escalation_warning_hours": "-1"}, "escalation_warning_hours"),
        ({"supervisor": "ACC"}, "supervisor"),
        ({"invoice_issue_hours": "lots"}, "invoice_issue_hours"),
    ],
)
def test_service_targets_bad_input_is_400(admin_api, accountant, change, field):
    change = {k: accountant.pk if v == "ACC" else v for k, v in change.items()}
    response = admin_api.put("/api/v1/standards/service-targets/", _targets(**change))
    assert response.status_code == 400
    assert field in response.json(), response.json()
    assert not ServiceTargets.objects.filter(key_client_max_days_without_contact=20).exists()
