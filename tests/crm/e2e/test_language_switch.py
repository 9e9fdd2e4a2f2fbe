"""A user switches the interface to Hungarian in the top bar and every page of their role follows: none of
the English navigation words is left on any page they can reach from the bar."""

import re

import pytest

from crm.models import UserPreference


def _words(page) -> str:
    return page.inner_text("#main-nav") + "\n" + page.inner_text("main")


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("role_fixture", ["sales_manager", "accountant", "administrator"])
def test_switching_to_hungarian_translates_every_page_of_the_role(request, page, login, role_fixture):
    user = request.getfixturevalue(role_fixture)
    login(user)
    english = [label.strip() for label in page.locator("#main-nav a").all_inner_texts()]
    assert "Dashboard" in english

    page.select_option("#language-picker select", "hu")
    page.click("#language-save")
    page.wait_for_selector("html[lang=hu]")
    assert page.inner_text("#dashboard-role").endswith("irányítópult")
    assert UserPreference.objects.get(user=user).language == "hu"

    links = page.locator("#main-nav a")
    targets = [(links.nth(i).inner_text().strip(), links.nth(i).get_attribute("href")) for i in range(links.count())]
    assert len(targets) == len(english) and "Irányítópult" in [label for label, _ in targets]
    leftovers = {}
    for _label, href in targets:
        if href.startswith(("/admin/", "/api/")):  # Django's admin and the API docs bring their own texts
            continue
        page.goto(href)
        assert page.get_attribute("html", "lang") == "hu", href
        text = _words(page)
        found = [word for word in english if re.search(rf"(?<!\w){re.escape(word)}(?!\w)", text)]
        if found:
            leftovers[href] = found
    assert leftovers == {}
    assert page.csp_violations == []

    # the choice is the user's: a new sign-in starts in Hungarian
    page.context.clear_cookies()
    login(user)
    assert page.get_attribute("html", "lang") == "hu"
