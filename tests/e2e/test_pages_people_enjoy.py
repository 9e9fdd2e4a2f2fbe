"""In Chromium: the first-contact form warns on a phone number (or an email) alone; the top-bar search finds a
client and an invoice from any page and gives each role only what it may see; an htmx action confirms with a
toast; Back and Forward after an htmx search never show a bare fragment; the top bar is one line at 1280 and
1024 pixels, the menu opens from a button on a phone where wide tables scroll inside their card; the dark
theme follows the system; a field's error is tied to it for screen readers."""

from decimal import Decimal

import pytest

from purchases import services as purchase_services
from tests.complaints.factories import make_complaint
from tests.factories import ClientFactory, ProductFactory
from tests.purchases.factories import record_sale


def _assert_full_page(page):
    """The layout is there (not a bare fragment swapped in as the whole document)."""
    assert page.locator("header.topbar").count() == 1 and page.locator("#main-nav").count() == 1
    assert page.locator("body > header.topbar").count() == 1


@pytest.mark.django_db(transaction=True)
def test_first_contact_form_warns_on_a_phone_number_alone_and_on_an_email_alone(page, login, sales_manager):
    known = ClientFactory(name="Riverside Printing Ltd", phone="+442079460345", email="hello@riverside.example")
    login(sales_manager)
    page.goto("/clients/new/")
    page.wait_for_load_state("networkidle")
    assert page.locator("#duplicate-warning").count() == 0
    page.locator("#id_phone").press_sequentially("020 7946 0345", delay=20)  # typed, no name yet
    warning = page.locator("#duplicate-warning")
    warning.wait_for()
    assert known.name in warning.inner_text()
    assert page.input_value("#id_name") == ""

    page.fill("#id_phone", "")
    warning.wait_for(state="detached")
    page.locator("#id_email").press_sequentially("Hello@Riverside.example", delay=20)
    warning.wait_for()
    assert known.name in warning.inner_text()
    assert page.csp_violations == []


@pytest.mark.django_db(transaction=True)
def test_top_bar_search_finds_a_client_and_an_invoice_by_role(page, login, sales_manager, accountant):
    client = ClientFactory(name="Harbour Stationers", phone="+442079460999", manager=sales_manager)
    sale = record_sale(client, ProductFactory(name="Laid paper", unit_price=Decimal("5.00")), 2, by=sales_manager)
    invoice = purchase_services.invoice_request(client=client, purchases=[sale], by=sales_manager)
    make_complaint(client=client, by=sales_manager)

    login(sales_manager)
    page.goto("/purchases/")  # from anywhere
    page.locator("#global-search").press_sequentially("Harbour", delay=20)
    results = page.locator("#global-search-results")
    results.locator("#search-clients").wait_for()
    assert client.name in results.locator("#search-clients").inner_text()
    assert results.locator("#search-invoices a").count() == 1
    assert results.locator("#search-complaints").count() == 1  # sales managers handle complaints
    page.keyboard.press("ArrowDown")  # the keyboard moves into the results
    assert page.evaluate("document.activeElement.closest('#global-search-results') !== null")
    page.keyboard.press("Escape")
    assert results.inner_text().strip() == ""

    page.fill("#global-search", "+44 20 7946 0999")  # a phone number, written another way
    page.locator("#global-search").press("Enter")  # Enter opens the results page
    page.wait_for_url("**/search/?q=*")
    page.locator("#search-page-results #search-invoices a").first.click()
    page.wait_for_url(f"**/purchases/invoices/{invoice.pk}/")
    page.click("#user-menu")
    page.click("#logout")

    login(accountant)
    page.locator("#global-search").press_sequentially("Harbour", delay=20)
    results.locator("#search-invoices").wait_for()
    assert results.locator("#search-complaints").count() == 0  # accountants do not see complaints
    assert f"/clients/{client.pk}/billing/" in results.locator("#search-clients a").first.get_attribute("href")
    assert page.csp_violations == []


@pytest.mark.django_db(transaction=True)
def test_htmx_action_confirms_with_a_toast_and_back_forward_show_whole_pages(page, login, sales_manager):
    client = ClientFactory(name="Riverside Printing Ltd", manager=sales_manager)
    ClientFactory(name="Unrelated Stationers", manager=sales_manager)
    login(sales_manager)
    page.goto(f"/clients/{client.pk}/?tab=tasks")
    page.wait_for_selector("#client-tasks")
    page.click("#client-tasks summary")
    page.fill("#task-form input[name=title]", "Send the price list")
    page.fill("#task-form input[name=due_date]", "2030-01-31")
    page.click("#task-form button[type=submit]")
    toast = page.locator("#toasts .toast-success")
    toast.wait_for()
    assert "Task added" in toast.inner_text()
    page.locator("#client-tasks button[id^=done-]").click()
    page.locator("#toasts .toast-success >> text=Task done").wait_for()

    page.goto("/clients/")
    page.wait_for_load_state("networkidle")
    page.fill("#client-search", "river")  # the list answers with a fragment and pushes ?q=river
    page.wait_for_url("**/clients/?q=river*")
    page.locator("#client-table >> text=Unrelated Stationers").wait_for(state="detached")
    page.click(f"#client-table >> text={client.name}")  # a whole page visit
    page.wait_for_selector("#client-name")
    page.go_back()
    page.wait_for_url("**/clients/?q=river*")
    page.wait_for_load_state("networkidle")
    _assert_full_page(page)
    assert client.name in page.inner_text("#client-table")
    page.go_back()  # to the unfiltered list: htmx asks the server for a whole page
    page.wait_for_load_state("networkidle")
    _assert_full_page(page)
    page.go_forward()
    page.wait_for_load_state("networkidle")
    _assert_full_page(page)
    page.reload()  # the browser's cache never hands out the fragment the list answered htmx with
    _assert_full_page(page)
    assert page.csp_violations == []


@pytest.mark.django_db(transaction=True)
def test_layout_top_bar_one_line_phone_menu_table_scroll_dark_theme_and_field_errors(page, login, administrator):
    for i in range(3):
        ClientFactory(name=f"A client with a rather long name number {i}", email=f"long.address.{i}@example.com")
    login(administrator)
    for width in (1280, 1024):
        page.set_viewport_size({"width": width, "height": 800})
        page.goto("/clients/")
        boxes = [page.locator(f".topbar nav > ul >> nth={i}").bounding_box() for i in range(3)]
        tops = {round(b["y"]) for b in boxes}
        assert len(tops) == 1, f"top bar wraps at {width}px: {boxes}"
        assert all(b["height"] < 70 for b in boxes), f"an entry of the top bar wraps at {width}px: {boxes}"
        assert page.locator("#main-nav").is_visible() and page.locator("#nav-toggle").is_hidden()
        assert page.evaluate("document.documentElement.scrollWidth") <= width

    page.set_viewport_size({"width": 390, "height": 800})
    page.goto("/clients/")
    assert page.locator("#main-nav").is_hidden()
    page.click("#nav-toggle")
    assert page.get_attribute("#nav-toggle", "aria-expanded") == "true"
    page.locator("#main-nav >> text=Tasks").wait_for()
    page.keyboard.press("Escape")
    assert page.locator("#main-nav").is_hidden()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # the table scrolls, not the page
    assert page.evaluate(
        "(() => { const t = document.querySelector('main table'); return t.scrollWidth > t.clientWidth; })()"
    )

    page.set_viewport_size({"width": 1280, "height": 800})
    page.emulate_media(color_scheme="dark")
    page.goto("/clients/new/")
    dark = page.evaluate("getComputedStyle(document.documentElement).backgroundColor")
    page.emulate_media(color_scheme="light")
    light = page.evaluate("getComputedStyle(document.documentElement).backgroundColor")
    assert dark != light and sum(int(c) for c in dark[dark.index("(") + 1 : -1].split(",")[:3]) < 200

    page.fill("#id_name", "Someone")
    page.fill("#id_phone", "12")
    page.click("#save-client")
    page.wait_for_selector("#id_phone-error")
    assert page.get_attribute("#id_phone", "aria-invalid") == "true"
    assert "id_phone-error" in page.get_attribute("#id_phone", "aria-describedby").split()
    assert page.csp_violations == []
