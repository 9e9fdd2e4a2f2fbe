"""API twins of the message template pages (administrators, with the preview) and the staff inbox (each user
their own: list, mark read, mark all read)."""

import pytest

from crm.notifications import services
from crm.notifications.models import MessageTemplate, Notification, PrintBatch
from tests.querycount import assert_same_queries_at_two_sizes

pytestmark = pytest.mark.django_db
TEMPLATES = "/api/v1/message-templates/"
INBOX = "/api/v1/inbox/"


def _notify(user, n: int, prefix="m"):
    for _ in range(n):
        i = Notification.objects.count()
        services.notification_enqueue_for_user(
            user=user, event="manager_reassigned", dedup_key=f"{prefix}:{i}", subject=f"Note {i}"
        )


# --- message templates --------------------------------------------------------------------------------


def test_administrator_creates_updates_and_lists_templates(admin_api):
    response = admin_api.post(
        TEMPLATES,
        {"event": "tier_upgrade", "channel": "email", "subject": "Hi {{ client_name }}", "body": "{{ tier }}"},
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["updated_by_username"] == "adm" and body["is_active"] is True
    patched = admin_api.patch(f"{TEMPLATES}{body['id']}/", {"is_active": False})
    assert patched.status_code == 200, patched.json()
    assert patched.json()["body"] == "{{ tier }}" and patched.json()["is_active"] is False
    assert admin_api.get(TEMPLATES).json()["results"][0]["event"] == "tier_upgrade"
    assert admin_api.get(TEMPLATES, {"updated_since": "2100-01-01T00:00:00Z"}).json()["results"] == []


@pytest.mark.parametrize(
    "payload, field",
    [
        ({"event": "", "body": "x"}, "event"),
        ({"event": "e", "body": ""}, "body"),
        ({"event": "e", "body": "{% if %}"}, "body"),
        ({"event": "e", "subject": "{{ x|nofilter }}", "body": "x"}, "subject"),
        ({"event": "e", "channel": "pigeon", "body": "x"}, "channel"),
        ({"event": "tier_upgrade", "channel": "email", "body": "again"}, "channel"),
    ],
)
def test_template_bad_input_is_400_and_saves_nothing(admin_api, payload, field):
    MessageTemplate.objects.create(event="tier_upgrade", channel="email", body="x")
    response = admin_api.post(TEMPLATES, payload)
    assert response.status_code == 400
    assert field in response.json(), response.json()
    assert MessageTemplate.objects.count() == 1


def test_templates_and_preview_are_administrators_only(sm_api, acc_api):
    template = MessageTemplate.objects.create(event="tier_upgrade", body="x")
    assert sm_api.get(TEMPLATES).status_code == 403
    assert acc_api.post(TEMPLATES, {"event": "e", "body": "x"}).status_code == 403
    assert sm_api.patch(f"{TEMPLATES}{template.pk}/", {"body": "y"}).status_code == 403
    assert acc_api.post(f"{TEMPLATES}preview/", {"body": "x"}).status_code == 403
    assert MessageTemplate.objects.get().body == "x"


def test_preview_renders_sample_values_or_names_the_broken_field(admin_api):
    ok = admin_api.post(f"{TEMPLATES}preview/", {"subject": " Hi {{ client_name }} ", "body": "<b>{{ tier }}</b>"})
    assert ok.status_code == 200
    assert ok.json() == {"subject": "Hi Kessler Print Studio", "body": "<b>Gold</b>"}
    bad = admin_api.post(f"{TEMPLATES}preview/", {"subject": "", "body": "{% debug %}"})
    assert bad.status_code == 400 and "body" in bad.json()
    assert "TemplateSyntaxError" in bad.json()["body"][0]
    assert admin_api.post(f"{TEMPLATES}preview/", {"body": 5 * [1]}).status_code == 400
    assert not MessageTemplate.objects.exists()


def test_template_list_costs_the_same_queries_for_2_and_20_templates(admin_api, administrator):
    def add(n):
        for _ in range(n):
            services.message_template_save(
                event=f"event_{MessageTemplate.objects.count()}", channel="", subject="", body="x", by=administrator
            )

    assert_same_queries_at_two_sizes(
        fetch=lambda: admin_api.get(TEMPLATES), add_rows=add, rows=lambda r: len(r.json()["results"]), queries=2
    )


# --- the staff inbox ----------------------------------------------------------------------------------


def test_inbox_lists_only_the_callers_notifications(sm_api, sales_manager, other_sales_manager):
    _notify(sales_manager, 3)
    _notify(other_sales_manager, 1, prefix="o")
    response = sm_api.get(INBOX)
    assert response.status_code == 200
    assert [r["subject"] for r in response.json()["results"]] == ["Note 2", "Note 1", "Note 0"]
    assert len(sm_api.get(INBOX, {"unread": "true"}).json()["results"]) == 3
    assert sm_api.get(INBOX, {"updated_since": "2100-01-01T00:00:00Z"}).json()["results"] == []


def test_mark_read_and_read_all(acc_api, accountant, sales_manager):
    _notify(accountant, 3)
    _notify(sales_manager, 1, prefix="o")
    first = Notification.objects.filter(user=accountant).first()
    response = acc_api.post(f"{INBOX}{first.pk}/read/")
    assert response.status_code == 200 and response.json()["read_at"]
    assert len(acc_api.get(INBOX, {"unread": "true"}).json()["results"]) == 2
    assert acc_api.post(f"{INBOX}read-all/").json() == {"marked": 2}
    assert acc_api.post(f"{INBOX}read-all/").json() == {"marked": 0}
    assert not Notification.objects.filter(user=accountant, read_at__isnull=True).exists()
    assert Notification.objects.get(user=sales_manager).read_at is None


def test_someone_elses_notification_is_404_and_stays_unread(sm_api, other_sales_manager):
    _notify(other_sales_manager, 1)
    theirs = Notification.objects.get()
    assert sm_api.post(f"{INBOX}{theirs.pk}/read/").status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_inbox_refused_to_anonymous_and_roleless(api_client, api_client_for, no_role_user):
    _notify(no_role_user, 1)
    assert api_client.get(INBOX).status_code == 401
    roleless = api_client_for(no_role_user)
    assert roleless.get(INBOX).status_code == 403
    assert roleless.post(f"{INBOX}read-all/").status_code == 403
    assert roleless.post(f"{INBOX}{Notification.objects.get().pk}/read/").status_code == 403
    assert Notification.objects.get().read_at is None


def test_inbox_bad_filter_is_400(sm_api):
    response = sm_api.get(INBOX, {"updated_since": "last week"})
    assert response.status_code == 400 and "updated_since" in response.json()


def test_inbox_costs_the_same_queries_for_2_and_20_items(sm_api, sales_manager):
    assert_same_queries_at_two_sizes(
        fetch=lambda: sm_api.get(INBOX),
        add_rows=lambda n: _notify(sales_manager, n),
        rows=lambda r: len(r.json()["results"]),
        queries=2,
    )


# --- print batches ------------------------------------------------------------------------------------


def _letters(n: int):
    from clients import messaging
    from crm.notifications import delivery
    from tests.factories import ClientFactory

    for _ in range(n):
        client = ClientFactory(preferred_channels=["letter"], address="1 High St\nLeeds")
        messaging.notification_enqueue_for_client(
            client=client, event="tier_upgrade", dedup_key=f"l:{client.pk}", subject="Leaflet", body="Spring offers"
        )
    delivery.relay_pending()


def test_administrator_lists_downloads_and_closes_a_print_batch(admin_api):
    _letters(2)
    batch = PrintBatch.objects.get()
    listed = admin_api.get("/api/v1/print-batches/").json()["results"]
    assert len(listed) == 1 and listed[0]["letters"] == 2 and listed[0]["status"] == "open"
    pdf = admin_api.get(f"/api/v1/print-batches/{batch.pk}/letters.pdf", HTTP_ACCEPT="application/pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    mailing = admin_api.get(f"/api/v1/print-batches/{batch.pk}/mailing-list.csv")
    assert mailing.status_code == 200 and mailing["Content-Type"].startswith("text/csv")
    closed = admin_api.post(f"/api/v1/print-batches/{batch.pk}/close/")
    assert closed.status_code == 200, closed.json()
    assert closed.json()["status"] == "closed" and closed.json()["closed_by"]
    again = admin_api.post(f"/api/v1/print-batches/{batch.pk}/close/")
    assert again.status_code == 400 and "status" in again.json()
    assert admin_api.get("/api/v1/print-batches/", {"status": "open"}).json()["results"] == []


def test_print_batches_are_administrators_only(sm_api, acc_api):
    batch = PrintBatch.objects.create()
    assert sm_api.get("/api/v1/print-batches/").status_code == 403
    assert acc_api.post(f"/api/v1/print-batches/{batch.pk}/close/").status_code == 403
    denied = acc_api.get(f"/api/v1/print-batches/{batch.pk}/letters.pdf", HTTP_ACCEPT="application/pdf")
    assert denied.status_code == 403 and denied.json()["detail"]
    batch.refresh_from_db()
    assert batch.status == "open"


def test_print_batch_list_bad_filter_is_400(admin_api):
    response = admin_api.get("/api/v1/print-batches/", {"status": "lost"})
    assert response.status_code == 400 and "status" in response.json()


def test_print_batch_list_costs_the_same_queries_for_2_and_20_batches(admin_api, administrator):
    def add(n):
        for _ in range(n):
            _letters(1)
            services.print_batch_close(batch=PrintBatch.objects.get(status="open"), by=administrator)

    assert_same_queries_at_two_sizes(
        fetch=lambda: admin_api.get("/api/v1/print-batches/"),
        add_rows=add,
        rows=lambda r: len(r.json()["results"]),
        queries=2,
    )
