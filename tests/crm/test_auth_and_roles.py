import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from crm.navigation import nav_for
from crm.roles import Role, has_role, user_roles
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def test_roles_exist_as_groups_created_by_migration():
    assert set(Group.objects.values_list("name", flat=True)) >= set(Role.values)


def test_administrator_group_holds_every_permission():
    from django.contrib.auth.models import Permission

    admin_group = Group.objects.get(name=Role.ADMINISTRATOR)
    assert admin_group.permissions.count() == Permission.objects.count()


def test_every_page_requires_login(client):
    response = client.get(reverse("dashboard"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_login_page_is_open_and_logs_in(client, sales_manager):
    assert client.get(reverse("login")).status_code == 200
    response = client.post(reverse("login"), {"username": "sm", "password": PASSWORD})
    assert response.status_code == 302
    assert client.get(reverse("dashboard")).status_code == 200


def test_wrong_password_shows_error_on_the_page(client, sales_manager):
    response = client.post(reverse("login"), {"username": "sm", "password": "nope"})
    assert response.status_code == 200
    assert b"Please enter a correct username and password" in response.content


def test_login_locks_out_username_and_address_after_five_failures(client, sales_manager):
    for _ in range(5):
        client.post(reverse("login"), {"username": "sm", "password": "wrong"}, REMOTE_ADDR="10.9.9.9")
    locked = client.post(reverse("login"), {"username": "sm", "password": PASSWORD}, REMOTE_ADDR="10.9.9.9")
    assert locked.status_code == 429
    assert b"Too many failed logins" in locked.content
    # The same user from another address is not locked out.
    other = client.post(reverse("login"), {"username": "sm", "password": PASSWORD}, REMOTE_ADDR="10.1.1.1")
    assert other.status_code == 302


def test_user_without_role_is_refused_the_dashboard(client, no_role_user):
    client.force_login(no_role_user)
    response = client.get(reverse("dashboard"))
    assert response.status_code == 403
    assert b"No role assigned" in response.content


def test_superuser_counts_as_administrator(django_user_model):
    su = django_user_model.objects.create_superuser("root", "root@example.com", PASSWORD)
    assert Role.ADMINISTRATOR in user_roles(su)


def test_navigation_fits_the_role(sales_manager, accountant, administrator):
    admin_labels = {i["label"] for i in nav_for(administrator)}
    sm_labels = {i["label"] for i in nav_for(sales_manager)}
    acc_labels = {i["label"] for i in nav_for(accountant)}
    assert "Admin" in admin_labels
    assert "Admin" not in sm_labels and "Admin" not in acc_labels
    assert "Dashboard" in sm_labels & acc_labels & admin_labels


def test_admin_site_is_for_administrators_only(client, sales_manager, administrator):
    sales_manager.is_staff = True  # even a staff flag does not open the admin without the role
    sales_manager.save()
    client.force_login(sales_manager)
    assert client.get("/admin/").status_code == 302
    client.force_login(administrator)
    assert client.get("/admin/").status_code == 200


def test_password_change(client, sales_manager):
    client.force_login(sales_manager)
    response = client.post(
        reverse("password_change"),
        {
            "old_password": PASSWORD,
            "new_password1": "An0ther-long-pass",
            "new_password2": "An0ther-long-pass",
        },
    )
    assert response.status_code == 302
    sales_manager.refresh_from_db()
    assert sales_manager.check_password("An0ther-long-pass")


def test_pages_send_security_headers_and_csp(sm_client):
    response = sm_client.get(reverse("dashboard"))
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_pages_have_no_inline_scripts(sm_client):
    import re

    html = sm_client.get(reverse("dashboard")).content.decode()
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", html, flags=re.S)
    assert scripts, "the layout loads htmx"
    assert all("src=" in attrs and not body.strip() for attrs, body in scripts)
    assert " on" + "click=" not in html


def test_navigation_lights_only_the_most_specific_entry(sales_manager):
    active = [i["label"] for i in nav_for(sales_manager, "/complaints/standards/")]
    lit = [i["label"] for i in nav_for(sales_manager, "/complaints/standards/") if i["active"]]
    assert "Complaints" in active and lit == ["Standards"]
    assert [i["label"] for i in nav_for(sales_manager, "/complaints/12/") if i["active"]] == ["Complaints"]
    assert [i["label"] for i in nav_for(sales_manager, "/") if i["active"]] == ["Dashboard"]


def test_session_user_and_roles_are_read_in_one_query(sm_client, django_assert_num_queries):
    from django.contrib.auth import get_user

    request = sm_client.get("/healthz").wsgi_request  # any request, to get a session
    request.session = sm_client.session
    with django_assert_num_queries(2):  # the session row, then the user joined with their groups
        user = get_user(request)
        assert user.is_authenticated and has_role(user, Role.SALES_MANAGER)
