"""Pages: outbox with filters and retry, inbox, news, print batches, templates. Roles checked on each."""

import re

import pytest
from django.urls import reverse

from clients import messaging, news
from clients.models import News
from crm.notifications import delivery, services
from crm.notifications.models import MessageTemplate, Notification, PrintBatch
from tests.factories import SegmentFactory
from tests.querycount import assert_same_queries_at_two_sizes

pytestmark = pytest.mark.django_db

ADMIN_PAGES = [
    ("notifications:list", []),
    ("notifications:news_list", []),
    ("notifications:news_create", []),
    ("notifications:print_batches", []),
    ("notifications:templates", []),
    ("notifications:template_create", []),
]


@pytest.mark.parametrize(("name", "args"), ADMIN_PAGES)
def test_admin_pages_are_refused_to_other_roles(sm_client, name, args):
    assert sm_client.get(reverse(name, args=args)).status_code == 403


def test_news_pages_are_refused_to_other_roles(sm_client, acc_client, segment):
    item = news.news_create(title="N", subject="S", body="B", segments=[segment], channels=["email"])
    for name in ("notifications:news_detail", "notifications:news_progress"):
        assert sm_client.get(reverse(name, args=[item.pk])).status_code == 403
    assert (
        acc_client.post(reverse("notifications:print_batch_close", args=[PrintBatch.objects.create().pk])).status_code
        == 403
    )


def test_inbox_is_refused_to_a_user_without_role(client, no_role_user):
    client.force_login(no_role_user)
    assert client.get(reverse("notifications:inbox")).status_code == 403


def test_pages_need_a_login(client):
    response = client.get(reverse("notifications:inbox"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def _rows(make_client, n=6):
    for i in range(n):
        messaging.notification_enqueue_for_client(
            client=make_client(consent=[] if i % 3 == 0 else None), event="tier_upgrade", dedup_key=f"t:{i}"
        )
    Notification.objects.filter(channel="email").update(status="failed", last_error="smtp down")


def test_outbox_lists_with_filters(admin_client_role, make_client):
    _rows(make_client)
    page = admin_client_role.get(reverse("notifications:list"), {"status": "failed"})
    assert page.status_code == 200
    assert page.content.count(b'id="retry-') == 4
    assert b"smtp down" in page.content
    fragment = admin_client_role.get(reverse("notifications:list"), {"status": "skipped"}, HTTP_HX_REQUEST="true")
    assert b"<html" not in fragment.content and fragment.content.count(b"<tr id=") == 2


@pytest.mark.parametrize("filters, htmx", [({}, False), ({"status": "failed"}, False), ({"status": "failed"}, True)])
def test_outbox_costs_the_same_queries_for_2_and_20_rows(admin_client_role, make_client, sales_manager, filters, htmx):
    def add(n):
        for _ in range(n):
            i = Notification.objects.count()
            messaging.notification_enqueue_for_client(client=make_client(), event="tier_upgrade", dedup_key=f"c:{i}")
            services.notification_enqueue_for_user(user=sales_manager, event="x", dedup_key=f"u:{i}", subject="Hi")
            Notification.objects.filter(dedup_key=f"u:{i}").update(status="sent")
        Notification.objects.filter(channel="email").update(status="failed", last_error="smtp down")

    response = assert_same_queries_at_two_sizes(
        fetch=lambda: admin_client_role.get(
            reverse("notifications:list"), filters, **({"HTTP_HX_REQUEST": "true"} if htmx else {})
        ),
        add_rows=add,
        # each added row is a client's failed email, and (unless the filter is by status) a user's message
        rows=lambda r: r.content.count(b'<tr id="notification-') / (1 if filters else 2),
        queries=6,
    )
    assert response.content.count(b'id="retry-') == 20


def test_retry_button_requeues_a_failed_row(admin_client_role, make_client):
    _rows(make_client, n=2)
    row = Notification.objects.filter(status="failed").first()
    response = admin_client_role.post(reverse("notifications:retry", args=[row.pk]), HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and f'id="notification-{row.pk}"'.encode() in response.content
    row.refresh_from_db()
    # the relay is kicked after commit, which a test transaction never reaches: the row waits, untried
    assert (row.status, row.attempts) == ("pending", 0)
    assert row.last_error == "retry requested by adm; before: smtp down"


def test_retry_is_refused_to_sales_managers(sm_client, make_client):
    _rows(make_client, n=2)
    row = Notification.objects.filter(status="failed").first()
    assert sm_client.post(reverse("notifications:retry", args=[row.pk])).status_code == 403
    row.refresh_from_db()
    assert row.status == "failed"


def test_inbox_shows_own_notifications_and_marks_them_read(sm_client, sales_manager, other_sales_manager):
    for i in range(4):
        services.notification_enqueue_for_user(
            user=sales_manager, event="manager_reassigned", dedup_key=f"m:{i}", subject=f"Mine {i}"
        )
    services.notification_enqueue_for_user(user=other_sales_manager, event="x", dedup_key="o", subject="Theirs")
    page = sm_client.get(reverse("notifications:inbox"))
    assert b"Mine 3" in page.content and b"Theirs" not in page.content
    assert b"4 unread" in page.content
    mine = Notification.objects.filter(user=sales_manager).first()
    theirs = Notification.objects.get(user=other_sales_manager)
    assert sm_client.post(reverse("notifications:inbox_read", args=[theirs.pk])).status_code == 404
    sm_client.post(reverse("notifications:inbox_read", args=[mine.pk]), HTTP_HX_REQUEST="true")
    mine.refresh_from_db()
    assert mine.read_at is not None
    sm_client.post(reverse("notifications:inbox_read_all"))
    assert not Notification.objects.filter(user=sales_manager, read_at__isnull=True).exists()
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_inbox_costs_the_same_queries_for_2_and_20_notifications(sm_client, sales_manager, other_sales_manager):
    services.notification_enqueue_for_user(user=other_sales_manager, event="x", dedup_key="o", subject="Theirs")

    def add(n):
        for _ in range(n):
            i = Notification.objects.count()
            services.notification_enqueue_for_user(
                user=sales_manager, event="manager_reassigned", dedup_key=f"m:{i}", subject=f"Mine {i}"
            )

    response = assert_same_queries_at_two_sizes(
        fetch=lambda: sm_client.get(reverse("notifications:inbox")),
        add_rows=add,
        rows=lambda r: r.content.count(b'<article id="inbox-'),
        queries=5,
    )
    assert b"20 unread" in response.content and b"Theirs" not in response.content


def test_compose_news_sends_it_and_shows_progress(admin_client_role, segment, make_client):
    make_client(segment=segment)
    make_client(segment=segment)
    data = {
        "title": "Spring",
        "subject": "Spring is here",
        "body": "Offers",
        "segments": [segment.pk],
        "channels": ["email"],
    }
    response = admin_client_role.post(reverse("notifications:news_create"), data)
    news = News.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("notifications:news_detail", args=[news.pk])
    detail = admin_client_role.get(response["Location"])
    assert b'id="news-progress-bar"' in detail.content
    progress = admin_client_role.get(reverse("notifications:news_progress", args=[news.pk]), HTTP_HX_REQUEST="true")
    assert progress.status_code == 200 and b"<html" not in progress.content


def test_compose_news_with_bad_input_shows_errors_and_saves_nothing(admin_client_role, segment):
    response = admin_client_role.post(reverse("notifications:news_create"), {"title": "x", "channels": ["fax"]})
    assert response.status_code == 400
    assert b"field-error" in response.content
    assert not News.objects.exists()


def test_news_list_costs_the_same_queries_for_2_and_20_news(admin_client_role, segment):
    other = SegmentFactory(name="Offices", code="offices")

    def add(n):
        for _ in range(n):
            news.news_create(
                title=f"N{News.objects.count()}", subject="S", body="B", segments=[segment, other], channels=["email"]
            )

    response = assert_same_queries_at_two_sizes(
        fetch=lambda: admin_client_role.get(reverse("notifications:news_list")),
        add_rows=add,
        rows=lambda r: r.content.count(b"<progress"),
        queries=4,
    )
    assert response.content.count(b"Offices, Print shops") == 20


def test_print_batches_list_and_downloads(admin_client_role, make_client):
    for i in range(3):
        messaging.notification_enqueue_for_client(
            client=make_client(preferred_channels=["letter"], address=f"{i} Road"), event="news", dedup_key=f"l:{i}"
        )
    delivery.relay_pending()
    batch = PrintBatch.objects.get()
    page = admin_client_role.get(reverse("notifications:print_batches"))
    assert page.status_code == 200 and f'id="batch-{batch.pk}"'.encode() in page.content
    pdf = admin_client_role.get(reverse("notifications:print_batch_pdf", args=[batch.pk]))
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    csv = admin_client_role.get(reverse("notifications:print_batch_csv", args=[batch.pk]))
    assert b"".join(csv.streaming_content).decode().count("\n") == 4
    admin_client_role.post(reverse("notifications:print_batch_close", args=[batch.pk]))
    batch.refresh_from_db()
    assert batch.status == "closed"


def test_print_batches_list_costs_the_same_queries_for_2_and_20_batches(admin_client_role, administrator, make_client):
    def add(n):
        for _ in range(n):
            i = Notification.objects.count()
            messaging.notification_enqueue_for_client(
                client=make_client(preferred_channels=["letter"], address=f"{i} Road"), event="news", dedup_key=f"l:{i}"
            )
            delivery.relay_pending()
            services.print_batch_close(batch=PrintBatch.objects.get(status="open"), by=administrator)

    assert_same_queries_at_two_sizes(
        fetch=lambda: admin_client_role.get(reverse("notifications:print_batches")),
        add_rows=add,
        rows=lambda r: r.content.count(b'<tr id="batch-'),
        queries=3,
    )


def test_print_downloads_are_refused_to_accountants(acc_client, make_client):
    batch = PrintBatch.objects.create()
    assert acc_client.get(reverse("notifications:print_batch_pdf", args=[batch.pk])).status_code == 403


def test_templates_are_edited_by_administrators_and_checked(admin_client_role):
    url = reverse("notifications:template_create")
    bad = admin_client_role.post(url, {"event": "tier_upgrade", "channel": "email", "subject": "x", "body": "{% if %}"})
    assert bad.status_code == 400 and b"Template error" in bad.content
    assert not MessageTemplate.objects.exists()
    ok = admin_client_role.post(
        url,
        {
            "event": "tier_upgrade",
            "channel": "email",
            "subject": "Hi",
            "body": "Dear {{ client_name }}",
            "is_active": "on",
        },
    )
    assert ok.status_code == 302
    template = MessageTemplate.objects.get()
    admin_client_role.post(
        reverse("notifications:template_edit", args=[template.pk]),
        {"event": "tier_upgrade", "channel": "email", "subject": "Hello", "body": "Hi", "is_active": "on"},
    )
    template.refresh_from_db()
    assert template.subject == "Hello"


def test_templates_list_costs_the_same_queries_for_2_and_20_templates(admin_client_role, administrator):
    def add(n):
        for _ in range(n):
            event = f"event-{MessageTemplate.objects.count()}"
            services.message_template_save(event=event, channel="email", subject="S", body="x", by=administrator)

    assert_same_queries_at_two_sizes(
        fetch=lambda: admin_client_role.get(reverse("notifications:templates")),
        add_rows=add,
        rows=lambda r: len(re.findall(rb'<a href="/notifications/templates/\d+/">', r.content)),
        queries=3,
    )


def test_dashboard_shows_unread_and_failed_panels(admin_client_role, administrator):
    services.notification_enqueue_for_user(user=administrator, event="x", dedup_key="d", subject="Hi")
    page = admin_client_role.get("/")
    assert b"panel-notifications-inbox" in page.content and b"panel-notifications-failed" in page.content


def test_scheduled_news_can_be_cancelled_from_its_page(admin_client_role, sales_manager, segment):
    from datetime import timedelta

    from django.test import Client
    from django.utils import timezone

    item = news.news_create(
        title="L", subject="S", body="B", segments=[segment], channels=["email"],
        scheduled_at=timezone.now() + timedelta(days=1),
    )  # fmt: skip
    assert b'id="news-cancel"' in admin_client_role.get(reverse("notifications:news_detail", args=[item.pk])).content
    sm_client = Client()
    sm_client.force_login(sales_manager)
    assert sm_client.post(reverse("notifications:news_cancel", args=[item.pk])).status_code == 403
    admin_client_role.post(reverse("notifications:news_cancel", args=[item.pk]))
    item.refresh_from_db()
    assert item.status == "cancelled"


def test_template_preview_renders_sample_values_or_the_error(admin_client_role):
    url = reverse("notifications:template_preview")
    ok = admin_client_role.post(url, {"subject": "Hi {{ client_name }}", "body": "<b>{{ tier }}</b>"})
    assert b"Hi Kessler Print Studio" in ok.content and b"&lt;b&gt;Gold&lt;/b&gt;" in ok.content
    bad = admin_client_role.post(url, {"subject": "", "body": "{% debug %}"})
    assert b"preview-error" in bad.content


def test_template_preview_is_refused_to_sales_managers(sm_client):
    assert sm_client.post(reverse("notifications:template_preview"), {"body": "x"}).status_code == 403
