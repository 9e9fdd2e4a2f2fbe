import pytest

from tests.conftest import PASSWORD


@pytest.mark.django_db(transaction=True)
def test_login_flow_and_logout(page, sales_manager):
    page.goto("/")  # any page sends an anonymous visitor to the login page
    assert "/accounts/login/" in page.url
    page.fill("#id_username", "sm")
    page.fill("#id_password", "wrong password")
    page.click("#login-submit")
    assert page.locator("[role=alert]").inner_text().startswith("Please enter a correct")
    page.fill("#id_username", "sm")
    page.fill("#id_password", PASSWORD)
    page.click("#login-submit")
    page.wait_for_selector("#dashboard-role")
    assert "Sales manager" in page.inner_text("#dashboard-role")
    page.click("#user-menu")
    page.click("#logout")
    page.wait_for_selector("#login-submit")
    assert page.csp_violations == []


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("role_fixture", "sees_admin"),
    [("sales_manager", False), ("accountant", False), ("administrator", True)],
)
def test_each_role_sees_its_own_navigation(request, page, login, role_fixture, sees_admin):
    user = request.getfixturevalue(role_fixture)
    login(user)
    nav = page.inner_text("#main-nav")
    assert "Dashboard" in nav
    assert ("Admin" in nav) is sees_admin
    if sees_admin:
        page.click("#main-nav >> text=Admin")
        page.wait_for_selector("#site-name")
    assert page.csp_violations == []
