"""Django and axes report login outcomes as signals only; these receivers hand them to the services."""

from crm.client_ip import client_ip

from . import services


def login_failed(sender, credentials, request=None, **kwargs):
    """Count a failure only when a password was checked: not when axes' lock or the slowdown refused the attempt
    (backends.LoginSlowdownBackend marks the request it let through)."""
    username = (credentials or {}).get("username")
    if request is None or not username or not getattr(request, "login_password_checked", False):
        return
    services.login_failure_record(username=username, address=client_ip(request))


def locked_out(sender, request=None, username=None, ip_address=None, **kwargs):
    if username:
        services.login_lock_notify(username=username, address=ip_address)
