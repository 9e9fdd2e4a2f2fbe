"""A manager opens a client's card, sees its open failure at the top and resolves it with a note (htmx)."""

import pytest
from django.urls import reverse

from crm.standards import failures
from crm.standards.models import ServiceFailure
from tests.factories import ClientFactory
from tests.standards import factories as f


@pytest.mark.django_db(transaction=True)
def test_manager_sees_an_open_failure_on_the_card_and_resolves_it(page, login, sales_manager):
    client = ClientFactory(name="Harbour Stationers", manager=sales_manager)
    f.overdue_promise(client, sales_manager, text="Send the price list")
    failures.failures_detect()
    failure = ServiceFailure.objects.get(client=client)
    login(sales_manager)
    page.goto(reverse("clients:card", args=[client.pk]))
    page.wait_for_selector("#open-failure-count")
    assert page.inner_text("#open-failure-count") == "1 open failure"
    assert "Send the price list" in page.inner_text(f"#failure-{failure.pk}")
    page.fill(f"#resolve-{failure.pk} input[name=note]", "Sent it with an apology")
    page.click(f"#resolve-{failure.pk} button[type=submit]")
    page.wait_for_selector("#service-record-confirmed")
    assert page.inner_text("#open-failure-count") == "No open failures."
    page.click("#resolved-failures summary")
    assert "Sent it with an apology" in page.inner_text("#resolved-failures")
    failure.refresh_from_db()
    assert failure.resolved_by == sales_manager and failure.resolution_note == "Sent it with an apology"
    assert page.csp_violations == []
