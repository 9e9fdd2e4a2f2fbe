"""In Chromium: a client answers the survey after a purchase on the public page (no login); their manager
then sees the answer on the dashboard, on the satisfaction page (charts drawn on the server) and as a
follow-up task. No Content-Security-Policy violation on the way."""

from datetime import timedelta

import pytest
from django.utils import timezone

from clients.surveys.models import Survey
from tests.factories import ClientFactory, ProductFactory

from ..factories import sale, send_due_after


@pytest.mark.django_db(transaction=True)
def test_public_survey_answered_then_the_scores_page_shows_it(page, login, live_server, sales_manager, administrator):
    client = ClientFactory(manager=sales_manager, name="Acme Print")
    product = ProductFactory(name="Recycled paper A4")
    when = timezone.now() - timedelta(days=3)
    sale(client, [product], by=administrator, when=when)
    send_due_after(when)
    survey = Survey.objects.get()

    # 1. The client opens the link from the message: a fresh browser context, nobody logged in.
    visitor = page.context.browser.new_context(base_url=live_server.url)
    visitor_page = visitor.new_page()
    violations = []
    visitor_page.on("console", lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None)
    visitor_page.goto(f"/surveys/{survey.token}/")
    visitor_page.click("#survey-submit")  # nothing chosen: the errors are tied to their questions
    visitor_page.wait_for_selector("#id_satisfaction-error")
    assert visitor_page.get_attribute("#fieldset-satisfaction", "aria-describedby") == "id_satisfaction-error"
    visitor_page.check("input[name=satisfaction][value='2']")
    visitor_page.check("input[name=recommendation][value='4']")
    visitor_page.fill("textarea[name=comment]", "The paper came a week late")
    visitor_page.click("#survey-submit")
    visitor_page.wait_for_selector("#survey-thanks")
    visitor_page.reload()  # the link answers once
    visitor_page.wait_for_selector("#survey-already")
    visitor.close()
    assert violations == []

    # 2. The manager sees it on the dashboard, on the satisfaction page and as a task.
    login(sales_manager)
    panel = page.locator("#panel-satisfaction")
    assert "2.00 / 5" in panel.inner_text()
    assert panel.locator("svg[role=img]").count() == 2
    page.goto("/reports/satisfaction/")
    assert page.inner_text("#overall-satisfaction") == "2.00 / 5"
    assert page.inner_text("#overall-nps") == "-100.0"
    product_row = page.locator("#satisfaction-by-product tbody tr", has_text="Recycled paper A4")
    assert product_row.count() == 1 and "2.00" in product_row.inner_text()
    assert page.locator("#satisfaction-overall svg[role=img] > title").count() == 3
    page.select_option("#id_months", "3")  # the filter submits itself (static/js/app.js)
    page.wait_for_url("**/reports/satisfaction/?months=3")
    assert page.inner_text("#overall-responses") == "1"
    page.goto("/clients/tasks/")
    assert "Low survey score from Acme Print" in page.inner_text("main")
    assert page.csp_violations == []
