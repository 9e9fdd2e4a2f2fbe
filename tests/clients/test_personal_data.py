"""A client's personal data: the JSON export holds everything about the person, and an erasure leaves none of
it in any table (every text column of every table in the database is searched), except the columns the law
makes us keep. Administrators only; both audited."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction
from django.urls import reverse
from django.utils import timezone

from clients import importing, messaging
from clients import services as client_services
from clients.hooks import personal_data_parts
from clients.models import Client, PersonalDataAudit
from clients.services import personal_data
from complaints import services as complaint_services
from complaints.models import Complaint
from crm.exceptions import ApplicationError, ConflictError
from crm.models import IdempotencyRecord
from crm.notifications import delivery
from crm.notifications.models import Notification
from crm.reports import services as report_services
from crm.reports.models import ReportRow
from purchases import services as purchase_services
from purchases.models import Invoice
from tests.conftest import _api_client_for
from tests.factories import ClientFactory, ProductFactory, today
from tests.purchases.factories import record_sale
from tests.querycount import assert_same_queries_at_two_sizes

NAME = "Zebulon Quixote"
EMAIL = "zebulon.quixote@example.org"
OLD_EMAIL = "old.zq@example.org"
PHONE = "+442079461234"
ADDRESS_LINES = ["17 Quirkstreet Lane", "Marbleton MB1 7QQ"]
EXTERNAL_ID = "ERP-ZQ-77"
CONTACT = ("Yolanda Quixote", "yolanda.q@example.org", "+442079465678")
LOSER = ("Zeb Quixote Duplicate", "zq.duplicate@example.org")
COMPLAINT_CONTACT = ("Zeb Q. Complainer", "zq.complaints@example.org")
ERASED_VALUES = [NAME, EMAIL, OLD_EMAIL, PHONE, *ADDRESS_LINES, EXTERNAL_ID, *CONTACT, *LOSER, *COMPLAINT_CONTACT]

# Columns that keep the person's words after an erasure, because the law requires it, each with the reason.
# Nothing else may hold any of ERASED_VALUES.
LEGAL_ALLOWLIST = {
    # The ledger is an accounting record: a purchase or return row, its note (here a return's reason) and its
    # override reason are never changed (the ledger's rows refuse updates), and are kept for the statutory period.
    ("purchases_purchase", "note"): "ledger entry (accounting record, kept for the statutory period)",
    ("purchases_purchase", "discount_override_reason"): "ledger entry (accounting record)",
    ("purchases_discountoverride", "reason"): "ledger audit of a discount override (accounting record)",
    ("purchases_priceoverride", "reason"): "ledger audit of a price below the catalogue (accounting record)",
    # An issued invoice is a tax document: its number, dates, amounts and note are kept as issued.
    ("purchases_invoice", "note"): "issued invoice (tax document, kept as issued)",
}


@pytest.fixture
def sms_dir(settings, tmp_path):
    settings.NOTIFICATIONS = {**settings.NOTIFICATIONS, "SMS_BACKEND": "file", "SMS_FILE_DIR": str(tmp_path / "sms")}
    return tmp_path / "sms"


@pytest.fixture
def person(db, sales_manager, other_sales_manager, administrator, accountant, sms_dir):
    """A client whose data is spread over every table the apps write."""
    client = ClientFactory(
        name=NAME,
        email=OLD_EMAIL,
        phone=PHONE,
        address="\n".join(ADDRESS_LINES),
        external_id=EXTERNAL_ID,
        first_contact_request=f"{NAME} asked for recycled paper",
        manager=sales_manager,
        preferred_channels=["sms", "email"],
        consent=["sms", "email"],
    )
    client_services.client_update(client=client, by=administrator, email=EMAIL)  # the old email is in history
    client_services.contact_add(client=client, name=CONTACT[0], email=CONTACT[1], phone=CONTACT[2], by=administrator)
    client_services.consent_set(client=client, channel="letter", status="opt_in", source=f"form signed by {NAME}")
    client_services.interaction_create(
        client=client, staff=sales_manager, kind="call", summary=f"Called {NAME} on {PHONE}"
    )
    client_services.promise_create(
        client=client, text=f"Deliver to {ADDRESS_LINES[0]}", promised_by=sales_manager, due_date=today()
    )
    client_services.task_create(
        client=client, assignee=sales_manager, title=f"Call {NAME} back", due_date=today(), details=EMAIL
    )
    # an API answer kept for Idempotency-Key replays echoes the person's words
    answer = _api_client_for(sales_manager).post(
        f"/api/v1/clients/{client.pk}/interactions/",
        {"kind": "call", "summary": f"Asked {NAME} about toner"},
        format="json",
        HTTP_IDEMPOTENCY_KEY="interaction-1",
    )
    assert answer.status_code == 201 and IdempotencyRecord.objects.filter(key="interaction-1").exists()
    client_services.client_reassign(client=client, manager=other_sales_manager, by=administrator, reason=NAME)
    loser = ClientFactory(name=LOSER[0], email=LOSER[1], phone="")
    client_services.client_merge(survivor=client, loser=loser, by=administrator)
    upload = f"name,email,phone,address\n{NAME},{EMAIL},{PHONE},{ADDRESS_LINES[0]}\nSomeone Else,else@example.org,,\n"
    importing.import_job_create(filename="c.csv", content=upload.encode(), by=sales_manager)
    # messages: one SMS delivered to the file backend, one email, staff messages about the client
    messaging.notification_enqueue_for_client(
        client=client, event="news", dedup_key="n1", subject=f"Hello {NAME}", body=f"Dear {NAME}, at {ADDRESS_LINES[0]}"
    )
    messaging.notification_enqueue_for_client(
        client=client, event="news", dedup_key="n2", subject="Offer", body=f"Dear {NAME}", channel="email"
    )
    delivery.relay_pending()
    assert any(PHONE in p.read_text() for p in sms_dir.glob("*.json"))
    # complaints
    complaint = complaint_services.complaint_create(
        client=client,
        by=sales_manager,
        channel=Complaint.Channel.PHONE,
        subject=f"{NAME} is unhappy",
        text=f"{NAME} says the paper arrived wet at {ADDRESS_LINES[0]}",
        contact_name=COMPLAINT_CONTACT[0],
        contact_email=COMPLAINT_CONTACT[1],
    )
    complaint_services.comment_add(complaint=complaint, by=administrator, body=f"Spoke to {CONTACT[0]}")
    complaint_services.complaint_assign(complaint=complaint, to=other_sales_manager, by=administrator, note=NAME)
    complaint_services.goodwill_add(
        complaint=complaint, kind="free_delivery", cost=Decimal("5"), by=administrator, note=f"for {NAME}"
    )
    # purchases: a sale, a return whose reason names the person (ledger: kept), an issued invoice
    product = ProductFactory()
    sale = record_sale(client, product, "2", by=sales_manager)
    second_sale = record_sale(client, product, "1", by=sales_manager)
    invoice = purchase_services.invoice_request(client=client, purchases=[sale], by=sales_manager, note="PO 42")
    invoice = purchase_services.invoice_issue(invoice=invoice, by=accountant)
    purchase_services.purchase_return(original=sale, by=sales_manager, reason=f"{NAME} returned one")
    # a price below the catalogue whose reason names the person (ledger audit: kept)
    purchase_services.purchase_record(
        client=client,
        lines=[
            purchase_services.LineInput(
                product=product, quantity=Decimal(1), unit_price=Decimal("1.00"), reason=f"agreed with {NAME}"
            )
        ],
        by=sales_manager,
    )
    pending = purchase_services.invoice_request(
        client=client, purchases=[second_sale], by=sales_manager, note=f"attn {CONTACT[0]}"
    )
    # reports: a value report line names the client
    report_services.report_snapshot_create(kind="value", period="weekly", as_of=timezone.now() + timedelta(days=1))
    assert ReportRow.objects.filter(client_id=client.pk, data__client=NAME).exists()
    client.refresh_from_db()
    return {"client": client, "loser": loser, "complaint": complaint, "invoice": invoice, "pending": pending}


def _text_columns():
    """Every column of every table in the database (not only the models': history, m2m and third-party
    tables too) that can hold text."""
    textual = ("char", "text", "json", "clob", "varchar")
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            for column in connection.introspection.get_table_description(cursor, table):
                kind = str(column.type_code).lower() if connection.vendor == "sqlite" else ""
                if connection.vendor != "sqlite" or any(t in kind for t in textual):
                    yield table, column.name


def _find(values) -> dict[tuple[str, str], set[str]]:
    found: dict[tuple[str, str], set[str]] = {}
    with connection.cursor() as cursor:
        for table, column in _text_columns():
            qt, qc = connection.ops.quote_name(table), connection.ops.quote_name(column)
            for value in values:
                cursor.execute(
                    f"SELECT 1 FROM {qt} WHERE LOWER(CAST({qc} AS TEXT)) LIKE %s LIMIT 1", [f"%{value.lower()}%"]
                )  # noqa: S608, E501
                if cursor.fetchone():
                    found.setdefault((table, column), set()).add(value)
    return found


def test_the_search_finds_the_person_everywhere_before_the_erasure(person):
    found = _find(ERASED_VALUES)
    tables = {table for table, _ in found}
    for table in (
        "clients_client",
        "clients_historicalclient",
        "clients_contactperson",
        "clients_historicalcontactperson",
        "clients_interaction",
        "clients_followuptask",
        "clients_clientmerge",
        "clients_importjob",
        "notifications_notification",
        "complaints_complaint",
        "complaints_complaintcomment",
        "complaints_goodwillgesture",
        "reports_reportrow",
    ):
        assert table in tables, table


def test_erase_leaves_no_personal_data_in_any_table_but_the_legal_columns(person, administrator, sms_dir):
    audit = personal_data.client_personal_data_erase(client=person["client"], by=administrator)
    found = _find(ERASED_VALUES)
    assert set(found) <= set(LEGAL_ALLOWLIST), {k: v for k, v in found.items() if k not in LEGAL_ALLOWLIST}
    assert found[("purchases_purchase", "note")] == {NAME}  # the return's reason: the ledger is never rewritten
    assert found[("purchases_priceoverride", "reason")] == {NAME}  # the price override's audit, likewise
    assert not [p for p in sms_dir.glob("*.json") if PHONE in p.read_text()]
    client = Client.objects.get(pk=person["client"].pk)
    assert client.name == f"Erased client #{client.pk}" and client.erased_at is not None
    assert (client.email, client.phone, client.address, client.external_id) == ("", "", "", None)
    # the ledger and the issued invoice keep their figures
    invoice = Invoice.objects.get(pk=person["invoice"].pk)
    assert (invoice.number, invoice.net_total) == (person["invoice"].number, person["invoice"].net_total)
    assert audit.action == "erase" and audit.by == administrator and audit.client_id == client.pk
    assert audit.counts["clients.Client"] == 2  # the client and the one merged into it
    assert audit.counts["clients.HistoricalClient"] >= 3
    # stored API answers are binary, so the column search cannot read them: checked here
    assert not any(
        NAME.lower() in bytes(b).decode().lower() for b in IdempotencyRecord.objects.values_list("body", flat=True)
    )


def test_an_erased_client_gets_no_more_messages(person, administrator):
    client = person["client"]
    personal_data.client_personal_data_erase(client=client, by=administrator)
    client.refresh_from_db()
    row = messaging.notification_enqueue_for_client(client=client, event="news", dedup_key="after", body="Hi")
    assert row.status == Notification.Status.SKIPPED and "erased" in row.last_error
    assert not client.consents.filter(status="opt_in").exists()


def test_nobody_types_an_erased_person_back_in(person, administrator):
    personal_data.client_personal_data_erase(client=person["client"], by=administrator)
    with pytest.raises(ApplicationError):
        client_services.client_update(client=person["client"], by=administrator, email="back@example.com")


def test_erase_happens_once(person, administrator):
    personal_data.client_personal_data_erase(client=person["client"], by=administrator)
    with pytest.raises(ConflictError):
        personal_data.client_personal_data_erase(client=person["client"], by=administrator)


def test_export_holds_everything_about_the_person_and_is_audited(person, administrator):
    document = personal_data.personal_data_export(client=person["client"], by=administrator)
    sections = document["sections"]
    assert sorted(document["client_ids"]) == sorted([person["client"].pk, person["loser"].pk])
    assert {c["name"] for c in sections["clients"]} == {NAME, LOSER[0]}
    assert OLD_EMAIL in {h["email"] for h in sections["client_history"]}
    for name in ("contacts", "consents", "consent_history", "interactions", "promises", "tasks", "merges"):
        assert sections[name], name
    assert sections["import_rows"][0]["data"]["email"] == EMAIL
    assert any(NAME in m["body"] for m in sections["messages"])
    assert sections["complaints"][0]["contact_email"] == COMPLAINT_CONTACT[1]
    assert sections["complaint_comments"] and sections["goodwill_gestures"]
    assert len(sections["purchases"]) == 4 and len(sections["invoices"]) == 2
    assert [o["reason"] for o in sections["price_overrides"]] == [f"agreed with {NAME}"]
    audit = PersonalDataAudit.objects.get(action="export")
    assert audit.client_id == person["client"].pk and audit.counts["interactions"] == 2


def test_every_higher_app_contributes_its_part():
    assert {p.label for p in personal_data_parts} >= {"complaints", "purchases", "reports"}


def test_sales_managers_and_accountants_may_not_export_or_erase(db, sales_manager, accountant):
    client = ClientFactory(manager=sales_manager)
    for user in (sales_manager, accountant):
        with pytest.raises(ApplicationError) as refused:
            personal_data.personal_data_export(client=client, by=user)
        assert refused.value.code == "forbidden"
        with pytest.raises(ApplicationError):
            personal_data.client_personal_data_erase(client=client, by=user)
    assert not PersonalDataAudit.objects.exists()
    assert Client.objects.get(pk=client.pk).erased_at is None


def test_the_audit_is_append_only(db, administrator):
    audit = personal_data.personal_data_export(client=ClientFactory(), by=administrator)
    row = PersonalDataAudit.objects.get(client_id=audit["client_id"])
    with pytest.raises(IntegrityError), transaction.atomic():
        PersonalDataAudit.objects.filter(pk=row.pk).update(counts={})


# --- API -----------------------------------------------------------------------------------------------------


def test_api_export_and_erase_for_administrators(admin_api, db):
    client = ClientFactory(name=NAME, email=EMAIL)
    response = admin_api.get(reverse("api-client-personal-data", args=[client.pk]))
    assert response.status_code == 200 and response.json()["sections"]["clients"][0]["email"] == EMAIL
    url = reverse("api-client-personal-data-erase", args=[client.pk])
    bad = admin_api.post(url, {"confirm": client.pk + 1}, format="json")
    assert bad.status_code == 400 and "confirm" in bad.json()
    assert Client.objects.get(pk=client.pk).erased_at is None
    done = admin_api.post(url, {"confirm": client.pk}, format="json")
    assert done.status_code == 201 and done.json()["counts"]["clients.Client"] == 1
    assert admin_api.post(url, {"confirm": client.pk}, format="json").status_code == 409


@pytest.mark.parametrize("who", ["sm_api", "acc_api"])
def test_api_denies_sales_managers_and_accountants(request, who, sales_manager):
    api = request.getfixturevalue(who)
    client = ClientFactory(manager=sales_manager)
    assert api.get(reverse("api-client-personal-data", args=[client.pk])).status_code == 403
    url = reverse("api-client-personal-data-erase", args=[client.pk])
    assert api.post(url, {"confirm": client.pk}, format="json").status_code == 403
    assert Client.objects.get(pk=client.pk).erased_at is None and not PersonalDataAudit.objects.exists()


# --- pages ---------------------------------------------------------------------------------------------------


def test_page_download_and_erase_for_administrators(admin_client_role, db):
    client = ClientFactory(name=NAME, email=EMAIL)
    card = admin_client_role.get(reverse("clients:card", args=[client.pk])).content.decode()
    assert 'id="personal-data-link"' in card
    page = admin_client_role.get(reverse("clients:personal_data", args=[client.pk]))
    assert page.status_code == 200 and b'id="erase-form"' in page.content
    download = admin_client_role.get(reverse("clients:personal_data_export", args=[client.pk]))
    assert download["Content-Disposition"].startswith("attachment") and EMAIL in download.content.decode()
    url = reverse("clients:personal_data_erase", args=[client.pk])
    wrong = admin_client_role.post(url, {"confirm": "0"})
    assert wrong.status_code == 400 and Client.objects.get(pk=client.pk).erased_at is None
    done = admin_client_role.post(url, {"confirm": str(client.pk)}, follow=True)
    body = done.content.decode()
    assert 'id="erased-banner"' in body and NAME not in body and "Personal data erased" in body


@pytest.mark.parametrize("who", ["sm_client", "acc_client"])
def test_pages_deny_sales_managers_and_accountants(request, who, sales_manager):
    browser = request.getfixturevalue(who)
    client = ClientFactory(manager=sales_manager)
    assert browser.get(reverse("clients:personal_data", args=[client.pk])).status_code == 403
    assert browser.get(reverse("clients:personal_data_export", args=[client.pk])).status_code == 403
    response = browser.post(reverse("clients:personal_data_erase", args=[client.pk]), {"confirm": str(client.pk)})
    assert response.status_code == 403
    assert Client.objects.get(pk=client.pk).erased_at is None and not PersonalDataAudit.objects.exists()
    if who == "sm_client":
        assert b"personal-data-link" not in browser.get(reverse("clients:card", args=[client.pk])).content


def test_page_costs_the_same_queries_for_2_and_20_audit_entries(admin_client_role, administrator, db):
    client = ClientFactory()

    def add(n):
        for _ in range(n):
            PersonalDataAudit.objects.create(action="export", client_id=client.pk, by=administrator, counts={"x": 1})

    assert_same_queries_at_two_sizes(
        fetch=lambda: admin_client_role.get(reverse("clients:personal_data", args=[client.pk])).content.decode(),
        add_rows=add,
        rows=lambda body: body.count('<tr id="audit-'),
        queries=4,
    )


def test_erase_leaves_other_peoples_import_rows_alone(administrator, sales_manager):
    client = ClientFactory(name="Quentin Erasable", email="quentin@example.org", address="9 Elm Road, Leeds")
    upload = (
        "name,email,address\n"
        'Quentin Erasable,quentin@example.org,"9 Elm Road, Leeds"\n'
        'Other Trading,other@example.org,"1 Mill Lane, Leeds"\n'
    )
    job = importing.import_job_create(filename="c.csv", content=upload.encode(), by=sales_manager)
    personal_data.client_personal_data_erase(client=client, by=administrator)
    job.refresh_from_db()
    mine, other = (entry["data"] for entry in job.rows)
    assert mine["name"] == f"Erased client #{client.pk}" and mine["email"] == "" and mine["address"] == ""
    assert (other["name"], other["email"], other["address"]) == (
        "Other Trading",
        "other@example.org",
        "1 Mill Lane, Leeds",
    )
