"""Token authentication against hashed keys (crm.auth_tokens), reading the user's roles in the one query that
finds the token.

Every API request needs both (the role decides what the endpoint allows); asking the database once instead of
twice is a measurable share of a 25-row list's cost. The user comes back once per group (a plain join, cheap
to build and to run) and the roles land where `crm.roles.user_roles` caches them. A revoked or expired token
is refused like an unknown one."""

from django.contrib.auth import get_user_model
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication as DRFTokenAuthentication

from crm.auth_tokens import key_hash, token_touch
from crm.languages import activate_for_api
from crm.models import ApiToken
from crm.roles import user_with_roles

User = get_user_model()


class TokenAuthentication(DRFTokenAuthentication):
    _request = None

    def authenticate(self, request):
        self._request = request
        try:
            return super().authenticate(request)
        finally:
            self._request = None

    def authenticate_credentials(self, key):
        users = User.objects.filter(
            api_tokens__key_hash=key_hash(key),
            api_tokens__revoked_at__isnull=True,
            api_tokens__expires_at__gt=timezone.now(),
        )
        user = user_with_roles(
            users,
            _token_id=F("api_tokens__id"),
            _token_used=F("api_tokens__last_used_at"),
            _language=F("preference__language"),
        )
        if user is None:
            raise exceptions.AuthenticationFailed(_("Invalid or expired token."))
        if not user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        token_touch(user._token_id, user._token_used)
        if self._request is not None:  # the user's language, unless the request's Accept-Language names one
            activate_for_api(self._request, user._language)
        token = ApiToken(id=user._token_id, user=user, last_used_at=user._token_used)
        token._state.adding, token._state.db = False, "default"
        return (user, token)
