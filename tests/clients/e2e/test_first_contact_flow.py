from datetime import timedelta

import pytest

from clients.models import Client, FollowUpTask, Promise
from tests.factories import ClientFactory, today


@pytest.mark.django_db(transaction=True)
def test_sales_manager_captures_first_contact_is_warned_of_duplicate_and_builds_the_card(page, login, sales_manager):
    known = ClientFactory(name="Riverside Printing Ltd", phone="+442079460345", email="hello@riverside.example")
    login(sales_manager)

    other = ClientFactory(name="Unrelated Stationers")
    page.click("#main-nav >> text=Clients")
    page.wait_for_load_state()  # htmx binds the search box on load; a person cannot type before that
    page.fill("#client-search", "river")  # search as you type narrows the list without a reload
    page.locator("#client-table >> text=Unrelated Stationers").wait_for(state="detached")
    assert known.name in page.inner_text("#client-table")
    page.click("#new-client")
    page.fill("#id_name", "Riverside Print Shop")
    page.fill("#id_phone", "020 7946 0345")
    warning = page.locator("#duplicate-warning")
    warning.wait_for()
    assert known.name in warning.inner_text()

    page.fill("#id_first_contact_request", "500 business cards")
    page.check("#id_opt_in_0")
    page.click("#save-client")
    page.wait_for_selector("#duplicate-error")  # the server asks to confirm it is not the known client
    page.check("#id_create_anyway")
    page.click("#save-client")
    page.wait_for_selector("#client-name")
    client = Client.objects.exclude(pk__in=[known.pk, other.pk]).get()
    assert client.phone == "+442079460345" and client.manager == sales_manager
    page.wait_for_selector("#first-request")
    assert "500 business cards" in page.inner_text("#tab-content")

    due = (today() + timedelta(days=2)).isoformat()
    page.click("#tab-timeline")
    page.click("#log-interaction summary")
    page.select_option("#interaction-form select[name=kind]", "call")
    page.fill("#interaction-form textarea[name=summary]", "Called about card stock and prices")
    page.fill("#interaction-form input[name=next_step]", "Send the price list")
    page.fill("#interaction-form input[name=next_step_due]", due)
    page.click("#save-interaction")
    page.wait_for_selector("text=Called about card stock and prices")

    page.click("#tab-promises")
    page.click("#add-promise summary")
    page.fill("#promise-form textarea[name=text]", "Send samples of 350 g card")
    page.fill("#promise-form input[name=due_date]", due)
    page.click("#save-promise")
    page.wait_for_selector(".promise >> text=Send samples of 350 g card")

    page.click("#tab-tasks")
    page.wait_for_selector("#client-tasks >> text=Send the price list")
    page.click("#tab-history")
    page.wait_for_selector("#history >> text=Created")

    page.reload()  # the card remembers the tab and everything is still there
    page.wait_for_selector("#history")
    assert FollowUpTask.objects.get(client=client).title == "Send the price list"
    assert Promise.objects.get(client=client).promised_by == sales_manager
    assert page.csp_violations == []
