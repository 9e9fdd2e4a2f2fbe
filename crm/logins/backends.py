"""The per-username slowdown at the door, for every way in (login page, token endpoint, admin login): second in
AUTHENTICATION_BACKENDS, after axes' lock check and before the backend that checks the password."""

from django.core.exceptions import PermissionDenied

from crm.client_ip import client_ip
from crm.forms import too_many_attempts_message

from . import services


class LoginSlowdownBackend:
    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None or not username:
            return None
        wait = services.login_attempt_wait(username=username, address=client_ip(request))
        if wait:
            # Read by the login page and the token endpoint to say how long to wait (429, Retry-After).
            request.login_retry_after = wait
            raise PermissionDenied(too_many_attempts_message(wait))
        request.login_password_checked = True
        return None  # the next backend checks the password (no get_user: this backend never logs anyone in)
