"""API: /api/v1/notifications/ and /api/v1/news/ for administrators."""

import pytest

from clients import messaging, news
from clients.models import News
from crm.notifications import services
from crm.notifications.models import Notification
from tests.factories import SegmentFactory
from tests.querycount import assert_same_queries_at_two_sizes

pytestmark = pytest.mark.django_db


@pytest.fixture
def rows(make_client):
    for i in range(6):
        messaging.notification_enqueue_for_client(
            client=make_client(consent=[] if i % 3 == 0 else None), event="tier_upgrade", dedup_key=f"t:{i}"
        )
    Notification.objects.filter(channel="email").update(status="failed", last_error="smtp down")
    return Notification.objects.all()


def test_list_filters_by_status(admin_api, rows):
    response = admin_api.get("/api/v1/notifications/", {"status": "failed"})
    assert response.status_code == 200
    assert len(response.data["results"]) == 4
    assert {r["last_error"] for r in response.data["results"]} == {"smtp down"}
    assert len(admin_api.get("/api/v1/notifications/", {"channel": "none"}).data["results"]) == 2


@pytest.mark.parametrize("filters", [{}, {"status": "failed"}])
def test_list_costs_the_same_queries_for_2_and_20_rows(admin_api, make_client, sales_manager, filters):
    def add(n):
        for _ in range(n):
            i = Notification.objects.count()
            messaging.notification_enqueue_for_client(client=make_client(), event="tier_upgrade", dedup_key=f"c:{i}")
            if not filters:
                services.notification_enqueue_for_user(user=sales_manager, event="x", dedup_key=f"u:{i}", subject="Hi")
        Notification.objects.filter(channel="email").update(status="failed", last_error="smtp down")

    assert_same_queries_at_two_sizes(
        fetch=lambda: admin_api.get("/api/v1/notifications/", {**filters, "page_size": 50}),
        add_rows=add,
        # unfiltered, each added row comes with a user's message
        rows=lambda r: len(r.data["results"]) / (1 if filters else 2),
        queries=2,
    )


def test_list_rejects_unknown_filter_values(admin_api, rows):
    response = admin_api.get("/api/v1/notifications/", {"status": "lost"})
    assert response.status_code == 400 and "status" in response.data


def test_status_counts(admin_api, rows):
    response = admin_api.get("/api/v1/notifications/status/")
    assert response.data["failed"] == 4 and response.data["skipped"] == 2 and response.data["sent"] == 0


def test_retry_requeues_a_failed_row(admin_api, rows):
    row = rows.filter(status="failed").first()
    response = admin_api.post(f"/api/v1/notifications/{row.pk}/retry/")
    assert response.status_code == 200 and response.data["status"] == "pending" and response.data["attempts"] == 0


def test_retry_of_a_skipped_row_is_bad_input(admin_api, rows):
    row = rows.filter(status="skipped").first()
    response = admin_api.post(f"/api/v1/notifications/{row.pk}/retry/")
    assert response.status_code == 400 and "status" in response.data
    row.refresh_from_db()
    assert row.status == "skipped"


@pytest.mark.parametrize("path", ["/api/v1/notifications/", "/api/v1/notifications/status/", "/api/v1/news/"])
def test_other_roles_are_refused(sm_api, acc_api, api_client, path):
    assert sm_api.get(path).status_code == 403
    assert acc_api.get(path).status_code == 403
    assert api_client.get(path).status_code == 401


def test_retry_refused_to_sales_manager(sm_api, rows):
    row = rows.filter(status="failed").first()
    assert sm_api.post(f"/api/v1/notifications/{row.pk}/retry/").status_code == 403
    row.refresh_from_db()
    assert row.status == "failed"


def test_create_news_then_follow_its_progress(admin_api, segment, make_client, django_capture_on_commit_callbacks):
    make_client(segment=segment)
    make_client(segment=segment, consent=[])
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_api.post(
            "/api/v1/news/",
            {"title": "T", "subject": "S", "body": "B", "segments": [segment.pk], "channels": ["email"]},
        )
    assert response.status_code == 201, response.data
    progress = admin_api.get(f"/api/v1/news/{response.data['id']}/progress/")
    assert progress.data["percent"] == 100 and progress.data["total"] == 2
    assert progress.data["deliveries"]["sent"] == 1 and progress.data["deliveries"]["skipped"] == 1
    detail = admin_api.get(f"/api/v1/news/{response.data['id']}/")
    assert detail.data["status"] == "sent"


def test_create_news_with_bad_input_is_400_and_saves_nothing(admin_api, segment):
    response = admin_api.post(
        "/api/v1/news/", {"title": "", "subject": "S", "body": "B", "segments": [], "channels": ["fax"]}
    )
    assert response.status_code == 400
    assert {"title", "segments", "channels"} <= set(response.data)
    assert not News.objects.exists()


def test_news_list_costs_the_same_queries_for_2_and_20_news(admin_api, segment):
    other = SegmentFactory(name="Offices", code="offices")

    def add(n):
        for _ in range(n):
            news.news_create(
                title=f"N{News.objects.count()}", subject="S", body="B", segments=[segment, other], channels=["email"]
            )

    assert_same_queries_at_two_sizes(
        fetch=lambda: admin_api.get("/api/v1/news/"), add_rows=add, rows=lambda r: len(r.data["results"]), queries=3
    )


def test_cancel_scheduled_news_and_refuse_to_cancel_sent_news(admin_api, sm_api, segment):
    from datetime import timedelta

    from django.utils import timezone

    later = news.news_create(
        title="L", subject="S", body="B", segments=[segment], channels=["email"],
        scheduled_at=timezone.now() + timedelta(days=1),
    )  # fmt: skip
    assert sm_api.post(f"/api/v1/news/{later.pk}/cancel/").status_code == 403
    response = admin_api.post(f"/api/v1/news/{later.pk}/cancel/")
    assert response.status_code == 200 and response.data["status"] == "cancelled"
    again = admin_api.post(f"/api/v1/news/{later.pk}/cancel/")
    assert again.status_code == 400 and "status" in again.data
