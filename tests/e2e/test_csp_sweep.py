"""In Chromium, every role opens every page its menu offers, the client card with each of its tabs, an invoice,
a complaint, the search page and the first-contact form: no page may log a Content-Security-Policy violation,
a console error or an uncaught script error. A new page in the menu is swept without touching this file."""

from decimal import Decimal

import pytest

from clients import services as client_services
from complaints.models import Complaint
from purchases import services as purchase_services
from tests.complaints.factories import make_complaint
from tests.factories import ClientFactory, ProductFactory, today
from tests.purchases.factories import record_sale

# The API docs page loads Swagger UI, the admin is Django's own: both are swept like any other page.
SKIP_PREFIXES = ("/accounts/logout",)


def _watch(page) -> list[str]:
    problems: list[str] = []
    page.on("console", lambda msg: problems.append(f"{msg.type}: {msg.text}") if msg.type == "error" else None)
    page.on("pageerror", lambda exc: problems.append(f"uncaught: {exc}"))
    return problems


def _visit(page, url: str, problems: list[str], seen: list[str]) -> None:
    before = len(problems)
    response = page.goto(url)
    page.wait_for_load_state("networkidle")
    assert response is not None and response.status < 400, f"{url} answered {response and response.status}"
    seen.append(url)
    assert problems[before:] == [], f"{url}: {problems[before:]}"


def _sweep_card_tabs(page, client_id: int, problems: list[str], seen: list[str]) -> None:
    _visit(page, f"/clients/{client_id}/", problems, seen)
    tabs = page.locator("#card-tabs a[role=tab]")
    urls = {tabs.nth(i).get_attribute("data-tab"): tabs.nth(i).get_attribute("hx-get") for i in range(tabs.count())}
    assert "tasks" in urls and "overview" in urls
    for tab, url in urls.items():
        before = len(problems)
        with page.expect_response(lambda r, url=url: r.url.endswith(url)):
            page.click(f"#tab-{tab}")
        page.wait_for_function(
            "() => !document.querySelector('#tab-content.htmx-request, #tab-content.htmx-settling, "
            "#tab-content.htmx-swapping, #tab-content [aria-busy=true]')"
        )
        page.wait_for_load_state("networkidle")
        seen.append(f"card tab {tab}")
        assert problems[before:] == [], f"card tab {tab}: {problems[before:]}"
        # opening a tab's disclosure (add a task, log an interaction ...) must not break the policy either
        for summary in page.locator("#tab-content details > summary").all():
            summary.click()
        assert problems[before:] == [], f"card tab {tab} with its forms open: {problems[before:]}"


@pytest.fixture
def sweep_data(sales_manager, accountant):
    client = ClientFactory(name="Harbour Stationers", phone="+442079460999", manager=sales_manager)
    product = ProductFactory(name="Laid paper A4", unit_price=Decimal("12.50"))
    sale = record_sale(client, product, 3, by=sales_manager)
    invoice = purchase_services.invoice_request(client=client, purchases=[sale], by=sales_manager)
    complaint = make_complaint(client=client, by=sales_manager)
    client_services.task_create(
        client=client,
        assignee=sales_manager,
        title="Call about the A4 stock",
        due_date=today(),
        details="Two lines\nof it",
    )
    return {"client": client, "invoice": invoice, "complaint": complaint}


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("role_fixture", ["sales_manager", "accountant", "administrator"])
def test_no_page_of_any_role_logs_a_csp_violation_or_console_error(request, page, login, role_fixture, sweep_data):
    user = request.getfixturevalue(role_fixture)
    problems = _watch(page)
    login(user)
    menu = [a.get_attribute("href") for a in page.locator("#main-nav a").all()]
    assert len(menu) >= 5
    seen: list[str] = []
    for url in menu:
        if not url.startswith(SKIP_PREFIXES):
            _visit(page, url, problems, seen)
    client, invoice = sweep_data["client"], sweep_data["invoice"]
    _visit(page, f"/search/?q={client.name.split()[0]}", problems, seen)
    assert client.name in page.inner_text("#search-page-results")
    _visit(page, f"/purchases/invoices/{invoice.pk}/", problems, seen)
    if role_fixture == "accountant":
        _visit(page, f"/clients/{client.pk}/billing/", problems, seen)
    else:
        _sweep_card_tabs(page, client.pk, problems, seen)
        _visit(page, f"/complaints/{sweep_data['complaint'].pk}/", problems, seen)
        _visit(page, "/clients/new/", problems, seen)
    assert Complaint.objects.count() == 1
    assert problems == [] and page.csp_violations == []
    assert len(seen) >= len(menu)
