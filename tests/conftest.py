"""Users of each role, API clients logged in as them, and the browser for end-to-end tests."""

import os
import shutil

import pytest
from rest_framework.test import APIClient

from crm import services as crm_services
from crm.auth_tokens import token_issue
from crm.roles import Role

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
PASSWORD = "s3cret-pass-for-tests"


def make_user(username: str, role: str, **extra):
    return crm_services.user_create(
        username=username, role=role, password=PASSWORD, first_name=username.title(), **extra
    )


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Each test starts with an empty cache: a rolled-back test must not leave cached rows behind."""
    from django.core.cache import cache

    cache.clear()
    yield


@pytest.fixture
def sales_manager(db):
    return make_user("sm", Role.SALES_MANAGER, email="sm@example.com")


@pytest.fixture
def other_sales_manager(db):
    return make_user("sm2", Role.SALES_MANAGER, email="sm2@example.com")


@pytest.fixture
def accountant(db):
    return make_user("acc", Role.ACCOUNTANT, email="acc@example.com")


@pytest.fixture
def administrator(db):
    return make_user("adm", Role.ADMINISTRATOR, email="adm@example.com")


@pytest.fixture
def no_role_user(db, django_user_model):
    return django_user_model.objects.create_user("nobody", password=PASSWORD)


def _api_client_for(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token_issue(user=user, name='tests').key}")
    return client


@pytest.fixture
def api_client():
    return APIClient()


@pytest.fixture
def sm_api(sales_manager):
    return _api_client_for(sales_manager)


@pytest.fixture
def acc_api(accountant):
    return _api_client_for(accountant)


@pytest.fixture
def admin_api(administrator):
    return _api_client_for(administrator)


@pytest.fixture
def api_client_for():
    return _api_client_for


@pytest.fixture
def sm_client(client, sales_manager):
    client.force_login(sales_manager)
    return client


@pytest.fixture
def acc_client(client, accountant):
    client.force_login(accountant)
    return client


@pytest.fixture
def admin_client_role(client, administrator):
    client.force_login(administrator)
    return client


# --- end-to-end (headless Chromium through Playwright) -------------------------------------------------


def chromium_available() -> bool:
    return os.path.exists(CHROMIUM) or bool(shutil.which("chromium"))


@pytest.fixture(scope="session")
def browser():
    if not chromium_available():
        if os.environ.get("CI"):
            pytest.fail(f"CI needs Chromium at {CHROMIUM} for the end-to-end tests")
        pytest.skip("Chromium is not installed (make chromium)")
    # Playwright's sync API runs an event loop in this thread; the Django test database calls made from the
    # test body are still synchronous and safe.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1366, "height": 900})
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.csp_violations = []
    page.on(
        "console",
        lambda msg: page.csp_violations.append(msg.text) if "Content Security Policy" in msg.text else None,
    )
    yield page
    context.close()


@pytest.fixture
def login(page):
    def do_login(user, password: str = PASSWORD):
        page.goto("/accounts/login/")
        page.fill("#id_username", user.username)
        page.fill("#id_password", password)
        page.click("#login-submit")
        page.wait_for_selector("#dashboard-role")
        return page

    return do_login


def pytest_collection_modifyitems(items):
    for item in items:
        if "/e2e/" in str(item.path):
            item.add_marker(pytest.mark.e2e)
