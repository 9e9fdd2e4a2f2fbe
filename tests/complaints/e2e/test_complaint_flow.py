"""A complaint from the public web form to the client's survey answer, in Chromium."""

import re

import pytest

from complaints.models import Complaint, GoodwillGesture, SatisfactionSurvey
from tests.factories import ClientFactory


@pytest.mark.django_db(transaction=True)
def test_public_complaint_is_triaged_resolved_with_goodwill_and_the_survey_shows_on_the_card(
    page, login, sales_manager
):
    grace = ClientFactory(name="Grace Hopper Ltd", email="grace@example.org", manager=sales_manager)
    # 1. A visitor submits the public form, no login, with the email of a known client.
    page.goto("/complaints/submit/")
    page.fill("#id_name", "Grace Hopper")
    page.fill("#id_email", "grace@example.org")
    page.select_option("#id_kind", "complaint")
    page.fill("#id_text", "The printer paper arrived torn.")
    page.click("#public-submit")
    reference = page.text_content("#tracking-reference").strip()
    assert re.fullmatch(r"C-\d{4}-\d{5}", reference)
    complaint = Complaint.objects.get(reference=reference)
    assert complaint.client is None and complaint.suggested_client == grace  # only a suggestion

    # 2. Staff confirm whose it is in the triage queue; then it is the client's.
    login(sales_manager)
    page.goto("/complaints/triage-queue/")
    page.click(f"#match-{complaint.pk} .confirm-match")
    page.wait_for_selector("#client-match-queue:has-text('No complaint waits for a decision')")
    complaint.refresh_from_db()
    assert complaint.client == grace

    # 3. It appears on the board in the "new" column.
    page.goto("/complaints/")
    card = page.locator(f"#column-new #card-{reference}")
    card.wait_for()

    # 4. Triage: severity high, assigned to the sales manager.
    card.locator("a").click()
    page.wait_for_selector("#triage-form")
    page.select_option("#triage-form select[name=severity]", "high")
    page.select_option("#triage-form select[name=assigned_to]", str(sales_manager.pk))
    page.click("#triage-submit")
    page.wait_for_selector("#complaint-status:has-text('Triaged')")

    # 5. A goodwill gesture, then resolve with a note and root cause.
    page.select_option("#goodwill-form select[name=kind]", "gift")
    page.fill("#goodwill-form input[name=cost]", "12.50")
    page.click("#goodwill-submit")
    page.wait_for_selector("#goodwill li:has-text('12.50')")
    page.click("#to-resolved")  # without a note: the error shows in place
    page.wait_for_selector("#transition-error:has-text('Write how the complaint was resolved')")
    page.fill("#id_resolution_note", "Sent a new box and a gift.")
    page.select_option("#id_root_cause", "delivery")
    page.click("#to-resolved")
    page.wait_for_selector("#complaint-status:has-text('Resolved')")
    assert GoodwillGesture.objects.get(complaint=complaint).client_id == complaint.client_id

    # 6. The client answers the survey from the link (no login needed: a fresh context).
    token = SatisfactionSurvey.objects.get(complaint=complaint).token
    visitor = page.context.browser.new_context(base_url=page.url.split("/complaints")[0])
    survey_page = visitor.new_page()
    survey_page.goto(f"/complaints/survey/{token}/")
    survey_page.check("input[name=score][value='5']")
    survey_page.select_option("select[name=recommendation]", "9")
    survey_page.fill("textarea[name=comment]", "Fixed within a day")
    survey_page.click("#survey-submit")
    survey_page.wait_for_selector("#survey-thanks")
    visitor.close()

    # 7. The answer shows on the client card's complaints tab.
    page.goto(f"/clients/{complaint.client_id}/")
    page.click("#tab-complaints")
    page.wait_for_selector(f"#ctab-{reference} .survey-answer:has-text('Fixed within a day')")
    assert "5/5" in page.text_content(f"#ctab-{reference}")
    assert page.csp_violations == []
