"""The operations page: administrators only, one table per section with its badges, the htmx refresh."""

import itertools

import pytest

from crm.navigation import nav_for
from tests.querycount import assert_same_queries_at_two_sizes

from .conftest import ago, failed_rows, heartbeat, outbox_row, periodic

pytestmark = pytest.mark.django_db
URL = "/ops/"


def test_administrator_sees_every_section_with_its_badges(admin_client_role):
    heartbeat("celery@host-a", ago(seconds=20))
    heartbeat("bulk@host-b", ago(hours=1))
    failed_rows(3)
    periodic("Notifications: relay the outbox", last_run_at=ago(minutes=30))

    response = admin_client_role.get(URL)

    assert response.status_code == 200
    html = response.content.decode()
    for section in (
        "ops-services",
        "ops-alerts",
        "ops-queues",
        "ops-workers",
        "ops-outbox",
        "ops-jobs",
        "ops-periodic",
    ):
        assert f'id="{section}"' in html
    assert 'href="/notifications/?status=failed" id="outbox-failed-link">3 failed</a>' in html
    assert '<span class="badge badge-danger">stale</span>' in html
    assert '<span class="badge badge-danger">late</span>' in html
    assert '<span class="badge badge-danger">crossed</span>' in html  # stale workers, late jobs
    assert 'aria-current="page">Operations</a>' in html


def test_sales_manager_and_accountant_are_refused(sm_client, accountant, client):
    assert sm_client.get(URL).status_code == 403
    client.force_login(accountant)
    assert client.get(URL).status_code == 403


def test_anonymous_is_sent_to_the_login(client):
    response = client.get(URL)
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_the_htmx_refresh_gets_the_sections_alone(admin_client_role):
    response = admin_client_role.get(URL, headers={"HX-Request": "true"})

    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<div id="ops-sections"') and "<html" not in html
    assert "HX-Request" in response["Vary"]


def test_operations_is_in_the_navigation_of_administrators_only(administrator, sales_manager, accountant):
    assert "Operations" in [item["label"] for item in nav_for(administrator)]
    assert "Operations" not in [item["label"] for item in nav_for(sales_manager)]
    assert "Operations" not in [item["label"] for item in nav_for(accountant)]


def test_the_page_costs_the_same_queries_whatever_the_number_of_rows(admin_client_role):
    seq = itertools.count()

    def add_rows(n):
        for _ in range(n):
            i = next(seq)
            heartbeat(f"worker-{i}", ago(minutes=i % 7))
            failed_rows(1)
            outbox_row(created=ago(minutes=i), due=ago(minutes=i))
            periodic(f"Job {i}", last_run_at=ago(minutes=i))

    assert_same_queries_at_two_sizes(
        fetch=lambda: admin_client_role.get(URL),
        add_rows=add_rows,
        rows=lambda response: response.content.decode().count('class="worker-row"'),
        # session, user with roles, then the snapshot's eight: SELECT 1, heartbeats, outbox counts, oldest due
        # row, imports, report runs, news, periodic jobs
        queries=10,
    )
