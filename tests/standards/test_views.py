"""Pages of the service record: the card's banner and its resolve action (htmx), the list across clients, the
dashboard panel, the key-client rule page. Denials per role and query counts."""

from decimal import Decimal

import pytest
from django.test import Client as PageClient
from django.urls import reverse

from crm.standards import failures
from crm.standards.models import KeyClientFlag, KeyClientRule, ServiceFailure
from tests.factories import ClientFactory
from tests.querycount import assert_same_queries_at_two_sizes
from tests.standards import factories as f

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


def failing_client(manager, n: int = 1):
    client = ClientFactory(manager=manager)
    for i in range(n):
        f.overdue_promise(client, manager, text=f"Promise {i}")
    failures.failures_detect()
    return client


def test_the_card_loads_the_record_banner_showing_open_failures(sm_client, sales_manager):
    client = failing_client(sales_manager, 2)
    card = sm_client.get(reverse("clients:card", args=[client.pk]))
    assert reverse("standards:client_record", args=[client.pk]) in card.content.decode()
    banner = sm_client.get(reverse("standards:client_record", args=[client.pk]), **HTMX)
    html = banner.content.decode()
    assert banner.status_code == 200 and "2 open failures" in html and "Promise 1" in html
    assert html.count('name="note"') == 2
    plain = sm_client.get(reverse("standards:client_record", args=[client.pk]))  # never a bare fragment
    assert plain.status_code == 302 and plain.url == reverse("clients:card", args=[client.pk])


def test_resolving_from_the_banner_confirms_and_keeps_it_in_the_history(sm_client, sales_manager):
    client = failing_client(sales_manager, 2)
    failure = ServiceFailure.objects.filter(client=client).first()
    url = reverse("standards:failure_resolve", args=[failure.pk])
    response = sm_client.post(url, {"note": "Sent it today"}, **HTMX)
    html = response.content.decode()
    assert response.status_code == 200 and "1 open failure" in html and "Failure resolved." in html
    assert "Sent it today" in html  # in the resolved history
    failure.refresh_from_db()
    assert failure.resolved_by == sales_manager


def test_resolving_with_no_note_is_a_field_error_and_nothing_changes(sm_client, sales_manager):
    client = failing_client(sales_manager)
    failure = ServiceFailure.objects.get(client=client)
    response = sm_client.post(reverse("standards:failure_resolve", args=[failure.pk]), {"note": ""}, **HTMX)
    html = response.content.decode()
    assert response.status_code == 200 and 'aria-invalid="true"' in html and "field-error" in html
    assert ServiceFailure.objects.get(pk=failure.pk).resolved_at is None


def test_a_plain_post_redirects_to_the_card(sm_client, sales_manager):
    client = failing_client(sales_manager)
    failure = ServiceFailure.objects.get(client=client)
    response = sm_client.post(reverse("standards:failure_resolve", args=[failure.pk]), {"note": "Done"})
    assert response.status_code == 302 and response.url == reverse("clients:card", args=[client.pk])


def test_denials_other_managers_client_and_accountant_resolving(client, sales_manager, other_sales_manager, accountant):
    record = failing_client(sales_manager)
    failure = ServiceFailure.objects.get(client=record)
    client.force_login(other_sales_manager)
    assert client.get(reverse("standards:client_record", args=[record.pk])).status_code == 403
    assert client.post(reverse("standards:failure_resolve", args=[failure.pk]), {"note": "x"}).status_code == 403
    client.force_login(accountant)
    assert client.get(reverse("standards:client_record", args=[record.pk]), **HTMX).status_code == 200  # reads
    assert client.post(reverse("standards:failure_resolve", args=[failure.pk]), {"note": "x"}).status_code == 403
    assert ServiceFailure.objects.get(pk=failure.pk).resolved_at is None


def test_failure_list_page_shows_own_clients_to_a_manager(sm_client, sales_manager, other_sales_manager):
    mine = failing_client(sales_manager)
    theirs = failing_client(other_sales_manager)
    html = sm_client.get(reverse("standards:failures")).content.decode()
    assert mine.name in html and theirs.name not in html


def test_failure_list_page_costs_the_same_queries_for_2_and_20(admin_client_role, sales_manager):
    def add(n):
        for _ in range(n):
            f.overdue_promise(ClientFactory(manager=sales_manager), sales_manager)
        failures.failures_detect()

    assert_same_queries_at_two_sizes(
        fetch=lambda: admin_client_role.get(reverse("standards:failures")),
        add_rows=add,
        rows=lambda r: r.content.decode().count('class="failure-row"'),
        queries=QUERIES_FAILURE_PAGE,
    )


def test_dashboard_lists_the_managers_clients_with_open_failures_first(sm_client, sales_manager, other_sales_manager):
    one = failing_client(sales_manager, 1)
    three = failing_client(sales_manager, 3)
    failing_client(other_sales_manager, 2)
    html = sm_client.get(reverse("dashboard")).content.decode()
    panel = html[html.index('id="panel-service-failures"') :]
    assert panel.index(three.name) < panel.index(one.name)
    assert html.index('id="panel-service-failures"') < html.index('id="panel-my-tasks"')


def test_dashboard_panel_costs_the_same_queries_for_2_and_20_clients(sm_client, sales_manager):
    assert_same_queries_at_two_sizes(
        fetch=lambda: sm_client.get(reverse("dashboard")),
        add_rows=lambda n: [failing_client(sales_manager) for _ in range(n)],
        rows=lambda r: r.content.decode().split('id="panel-service-failures"')[1].split("</article>")[0].count("<li>"),
        queries=QUERIES_DASHBOARD,
    )


def sm_page(user):
    page = PageClient()
    page.force_login(user)
    return page


def test_key_client_page_for_administrators(admin_client_role, sales_manager, accountant):
    assert sm_page(accountant).get(reverse("standards:key_clients")).status_code == 403
    assert sm_page(sales_manager).get(reverse("standards:key_clients")).status_code == 403
    page = admin_client_role.get(reverse("standards:key_clients"))
    assert page.status_code == 200 and "no-ranking" in page.content.decode()
    bad = admin_client_role.post(
        reverse("standards:key_clients"),
        {"basis": "top_percent", "min_tier_percent": "10", "top_n": "5", "top_percent": "0"},
    )
    assert bad.status_code == 200 and "field-error" in bad.content.decode()
    assert KeyClientRule.objects.filter(basis="top_percent").count() == 0
    ok = admin_client_role.post(
        reverse("standards:key_clients"),
        {"basis": "top_n", "min_tier_percent": "10", "top_n": "5", "top_percent": "10"},
    )
    assert ok.status_code == 302 and KeyClientRule.objects.get(pk=1).top_n == 5
    assert KeyClientRule.objects.get(pk=1).min_tier_percent == Decimal("10")


def test_key_client_flag_page(admin_client_role, sales_manager):
    client = ClientFactory()
    assert (
        sm_page(sales_manager)
        .post(reverse("standards:key_client_flag"), {"client": client.pk, "flagged": "on"})
        .status_code
        == 403
    )
    missing = admin_client_role.post(reverse("standards:key_client_flag"), {"client": 999999, "flagged": "on"})
    assert "No such client." in missing.content.decode()
    ok = admin_client_role.post(reverse("standards:key_client_flag"), {"client": client.pk, "flagged": "on"})
    assert ok.status_code == 302 and KeyClientFlag.objects.filter(client=client).exists()
    page = admin_client_role.get(reverse("standards:key_clients")).content.decode()
    assert client.name in page


QUERIES_FAILURE_PAGE = 3  # session, user with roles, failures with client, manager and resolver
QUERIES_DASHBOARD = 22  # the whole dashboard, every panel (sales per month, satisfaction); the failures panel is one
