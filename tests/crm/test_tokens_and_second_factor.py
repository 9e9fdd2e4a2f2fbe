"""API tokens (hashed at rest, named per device, expiring, revocable, revoked by a password change) and the
administrators' second factor (TOTP), in the pages and in the API."""

from datetime import timedelta

import pyotp
import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from crm import auth_tokens, totp
from crm.models import ApiToken, SecurityPolicy, TotpDevice
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def _login(api_client, username, **extra):
    return api_client.post("/api/v1/auth/token/", {"username": username, "password": PASSWORD, **extra})


def _bearer(key) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


# --- tokens -------------------------------------------------------------------------------------------------


def test_token_is_stored_only_as_a_hash(api_client, sales_manager):
    response = _login(api_client, "sm", name="ERP")
    assert response.status_code == 200
    body = response.json()
    key = body["token"]
    assert body["name"] == "ERP" and body["expires_at"]
    token = ApiToken.objects.get(pk=body["id"])
    assert token.key_hash == auth_tokens.key_hash(key) and token.prefix == key[:8]
    # the key itself is in no column of the table
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM crm_apitoken")
        assert not any(key in str(value) for row in cursor.fetchall() for value in row)
    assert _bearer(key).get("/api/v1/me/").json()["username"] == "sm"


def test_a_new_login_under_the_same_device_name_replaces_the_old_token(api_client, sales_manager):
    first = _login(api_client, "sm", name="laptop").json()["token"]
    second = _login(api_client, "sm", name="laptop").json()["token"]
    other = _login(api_client, "sm", name="phone").json()["token"]
    assert _bearer(first).get("/api/v1/me/").status_code == 401
    assert _bearer(second).get("/api/v1/me/").status_code == 200
    assert _bearer(other).get("/api/v1/me/").status_code == 200


def test_expired_token_is_refused(sales_manager):
    issued = auth_tokens.token_issue(user=sales_manager, name="old")
    ApiToken.objects.filter(pk=issued.token.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    response = _bearer(issued.key).get("/api/v1/me/")
    assert response.status_code == 401
    assert "expired" in response.json()["detail"]


def test_token_lifetime_is_bounded(api_client, sales_manager, settings):
    settings.API_TOKEN_MAX_DAYS = 90
    too_long = _login(api_client, "sm", expires_in_days=91)
    assert too_long.status_code == 400 and "expires_in_days" in too_long.json()
    zero = _login(api_client, "sm", expires_in_days=0)
    assert zero.status_code == 400 and "expires_in_days" in zero.json()
    ok = _login(api_client, "sm", expires_in_days=7).json()
    token = ApiToken.objects.get(pk=ok["id"])
    assert timedelta(days=6, hours=23) < token.expires_at - token.created_at <= timedelta(days=7, seconds=5)


def test_user_lists_and_revokes_own_tokens_through_the_api(sales_manager, other_sales_manager):
    mine = auth_tokens.token_issue(user=sales_manager, name="script")
    theirs = auth_tokens.token_issue(user=other_sales_manager, name="theirs")
    api = _bearer(mine.key)
    listed = api.get("/api/v1/auth/tokens/").json()["results"]
    assert [row["name"] for row in listed] == ["script"]
    assert all("token" not in row and "key_hash" not in row for row in listed)
    # another manager's token is not even visible, so it cannot be revoked
    assert api.delete(f"/api/v1/auth/tokens/{theirs.token.pk}/").status_code == 404
    assert _bearer(theirs.key).get("/api/v1/me/").status_code == 200
    made = api.post("/api/v1/auth/tokens/", {"name": "second device"}, format="json")
    assert made.status_code == 201 and made.json()["token"].startswith("crm_")
    assert api.post("/api/v1/auth/tokens/", {"expires_in_days": 0}, format="json").status_code == 400
    assert api.delete(f"/api/v1/auth/tokens/{mine.token.pk}/").status_code == 204
    assert api.get("/api/v1/me/").status_code == 401
    revoked = ApiToken.objects.get(pk=mine.token.pk)
    assert revoked.revoked_at and revoked.revoked_by == sales_manager


def test_administrator_sees_and_revokes_anyones_token(admin_api, sales_manager):
    issued = auth_tokens.token_issue(user=sales_manager, name="ERP")
    rows = admin_api.get("/api/v1/auth/tokens/", {"user": sales_manager.pk}).json()["results"]
    assert [(r["user"], r["name"]) for r in rows] == [("sm", "ERP")]
    assert admin_api.delete(f"/api/v1/auth/tokens/{issued.token.pk}/").status_code == 204
    assert _bearer(issued.key).get("/api/v1/me/").status_code == 401


def test_password_change_revokes_every_token(client, sales_manager):
    keys = [auth_tokens.token_issue(user=sales_manager, name=n).key for n in ("a", "b")]
    client.force_login(sales_manager)
    response = client.post(
        "/accounts/password/",
        {"old_password": PASSWORD, "new_password1": "An0ther-long-pass", "new_password2": "An0ther-long-pass"},
    )
    assert response.status_code == 302
    assert all(_bearer(k).get("/api/v1/me/").status_code == 401 for k in keys)
    assert set(ApiToken.objects.values_list("revoke_reason", flat=True)) == {"password changed"}


def test_other_saves_of_the_user_keep_the_tokens(sales_manager):
    issued = auth_tokens.token_issue(user=sales_manager, name="a")
    sales_manager.first_name = "Renamed"
    sales_manager.save()
    assert _bearer(issued.key).get("/api/v1/me/").status_code == 200


def test_tokens_page_makes_shows_once_and_revokes(sm_client, sales_manager, other_sales_manager):
    page = sm_client.post("/accounts/tokens/", {"name": "ERP", "expires_in_days": "30"})
    assert page.status_code == 200
    key = page.context["new_key"]
    assert key and key in page.content.decode()
    again = sm_client.get("/accounts/tokens/")
    assert key not in again.content.decode() and "ERP" in again.content.decode()
    bad = sm_client.post("/accounts/tokens/", {"name": "", "expires_in_days": "-1"})
    assert bad.status_code == 200 and bad.context["form"].errors.keys() == {"name", "expires_in_days"}
    theirs = auth_tokens.token_issue(user=other_sales_manager, name="theirs")
    assert sm_client.post("/accounts/tokens/", {"revoke": theirs.token.pk}).status_code == 404
    mine = ApiToken.objects.get(user=sales_manager)
    assert sm_client.post("/accounts/tokens/", {"revoke": mine.pk}).status_code == 302
    assert _bearer(key).get("/api/v1/me/").status_code == 401


def test_anonymous_is_sent_to_login_from_the_account_pages():
    for path in ("/accounts/tokens/", "/accounts/two-factor/", "/accounts/security/"):
        response = Client().get(path)
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


# --- second factor ------------------------------------------------------------------------------------------


def _confirmed_device(user) -> pyotp.TOTP:
    device = totp.device_pending(user)
    code = pyotp.TOTP(device.secret)
    assert totp.verify(user=user, code=code.at(timezone.now() - timedelta(seconds=30)))
    return code


def test_only_administrators_see_and_set_the_policy(sm_client, acc_client, sm_api, acc_api):
    for page_client in (sm_client, acc_client):
        assert page_client.get("/accounts/security/").status_code == 403
    for api in (sm_api, acc_api):
        assert api.get("/api/v1/security/policy/").status_code == 403
        assert api.put("/api/v1/security/policy/", {"require_admin_totp": True}, format="json").status_code == 403
    assert not SecurityPolicy.objects.exists()


def test_policy_cannot_be_switched_on_by_an_administrator_without_an_authenticator(admin_api, administrator):
    response = admin_api.put("/api/v1/security/policy/", {"require_admin_totp": True}, format="json")
    assert response.status_code == 400 and "require_admin_totp" in response.json()
    assert admin_api.put("/api/v1/security/policy/", {}, format="json").status_code == 400
    _confirmed_device(administrator)
    response = admin_api.put("/api/v1/security/policy/", {"require_admin_totp": True}, format="json")
    assert response.status_code == 200 and response.json()["require_admin_totp"] is True


def test_required_second_factor_for_administrators_in_the_browser(administrator, sales_manager):
    code = _confirmed_device(administrator)
    totp.policy_set(require_admin_totp=True, by=administrator)
    browser = Client()
    response = browser.post("/accounts/login/", {"username": "adm", "password": PASSWORD})
    assert response.status_code == 302
    # every page leads to the second-factor page; the API refuses the session
    blocked = browser.get("/clients/")
    assert blocked.status_code == 302 and blocked["Location"].startswith("/accounts/two-factor/")
    assert browser.get("/api/v1/me/").status_code == 403
    wrong = browser.post("/accounts/two-factor/", {"code": "000000", "next": "/clients/"})
    assert wrong.status_code == 200 and wrong.context["form"].errors["code"]
    passed = browser.post("/accounts/two-factor/", {"code": code.now(), "next": "/clients/"})
    assert passed.status_code == 302 and passed["Location"] == "/clients/"
    assert browser.get("/clients/").status_code == 200
    # a code is good once
    assert not totp.verify(user=administrator, code=code.now())
    # sales managers are not asked
    other = Client()
    other.post("/accounts/login/", {"username": "sm", "password": PASSWORD})
    assert other.get("/clients/").status_code == 200


def test_switching_the_requirement_on_signs_out_other_administrators(administrator):
    from tests.conftest import make_user

    colleague = make_user("adm2", "Administrator")
    their_browser = Client()
    their_browser.force_login(colleague)
    assert their_browser.get("/clients/").status_code == 200
    _confirmed_device(administrator)
    mine = Client()
    mine.force_login(administrator)
    response = mine.post("/accounts/security/", {"require_admin_totp": "on"})
    assert response.status_code == 302
    assert mine.get("/accounts/security/").status_code == 200
    assert their_browser.get("/clients/")["Location"].startswith("/accounts/login/")


def test_token_endpoint_asks_administrators_for_the_code(api_client, administrator):
    code = _confirmed_device(administrator)
    totp.policy_set(require_admin_totp=True, by=administrator)
    missing = _login(api_client, "adm")
    assert missing.status_code == 400 and "otp" in missing.json()
    assert _login(api_client, "adm", otp="123456").status_code == 400
    ok = _login(api_client, "adm", otp=code.now())
    assert ok.status_code == 200 and ok.json()["token"]


def test_setting_up_an_authenticator_through_the_api(sm_api, sales_manager):
    started = sm_api.get("/api/v1/auth/totp/").json()
    assert started["confirmed"] is False and started["provisioning_uri"].startswith("otpauth://totp/")
    secret = TotpDevice.objects.get(user=sales_manager).secret
    assert sm_api.post("/api/v1/auth/totp/", {"code": "12"}, format="json").status_code == 400
    done = sm_api.post("/api/v1/auth/totp/", {"code": pyotp.TOTP(secret).now()}, format="json")
    assert done.status_code == 200 and done.json()["confirmed"] is True


def test_setup_page_shows_a_qr_code_and_confirms(admin_client_role, administrator):
    page = admin_client_role.get("/accounts/two-factor/")
    assert page.status_code == 200 and "<svg" in page.content.decode() and page.context["setup"]
    secret = TotpDevice.objects.get(user=administrator).secret
    done = admin_client_role.post(
        "/accounts/two-factor/", {"code": pyotp.TOTP(secret).now(), "next": "https://evil.example/"}
    )
    assert done.status_code == 302 and done["Location"] == "/"  # no open redirect
    assert TotpDevice.objects.get(user=administrator).confirmed_at is not None


def test_administrator_resets_a_lost_authenticator(admin_client_role, administrator, sales_manager):
    _confirmed_device(sales_manager)
    sm_client = Client()
    sm_client.force_login(sales_manager)
    assert sm_client.post("/accounts/security/", {"reset": sales_manager.pk}).status_code == 403
    assert admin_client_role.post("/accounts/security/", {"reset": sales_manager.pk}).status_code == 302
    assert not TotpDevice.objects.filter(user=sales_manager).exists()
