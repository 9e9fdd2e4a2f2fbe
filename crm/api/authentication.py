"""Token authentication against hashed keys (crm.auth_tokens), reading the user's roles in the one query that
finds the token.

Every API request needs both (the role decides what the endpoint allows); asking the database once instead of
twice is a measurable share of a 25-row list's cost. The user comes back once per group (a plain join, cheap
to build and to run) and the roles land where `crm.roles.user_roles` caches them. A revoked or expired token
is refused like an unknown one."""

from datetime import UTC, datetime

from django.contrib.auth import get_user_model
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication as DRFTokenAuthentication

from crm.auth_tokens import key_hash, token_touch
from crm.compiled_query import CompiledQuery
from crm.languages import activate_for_api
from crm.models import ApiToken
from crm.roles import remember_roles

User = get_user_model()


class TokenAuthentication(DRFTokenAuthentication):
    def authenticate(self, request):
        """Once per request: the Idempotency-Key middleware authenticates a POST before the view does (to scope
        the key to its user), and the view's answer is the same, so the second asks the database nothing."""
        http_request = getattr(request, "_request", request)
        found = getattr(http_request, "_crm_token_auth", None)
        if found is None:
            found = super().authenticate(request)
            if found is not None:
                http_request._crm_token_auth = found
        if found is not None:  # the user's language, unless the request's Accept-Language names one
            activate_for_api(request, found[0]._language)
        return found

    def authenticate_credentials(self, key):
        user = _token_user(key_hash(key), timezone.now())
        if user is None:
            raise exceptions.AuthenticationFailed(_("Invalid or expired token."))
        if not user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        token_touch(user._token_id, user._token_used)
        token = ApiToken(id=user._token_id, user=user, last_used_at=user._token_used)
        token._state.adding, token._state.db = False, "default"
        return (user, token)


def _token_query(hash_value, now):
    """The token's user, one row per group, with the token's id, its last use and the user's language."""
    users = User.objects.filter(
        api_tokens__key_hash=hash_value,
        api_tokens__revoked_at__isnull=True,
        api_tokens__expires_at__gt=now,
    )
    return users.annotate(
        _group=F("groups__name"),
        _token_id=F("api_tokens__id"),
        _token_used=F("api_tokens__last_used_at"),
        _language=F("preference__language"),
    )


# Compiled once per connection: rebuilding a four-table join cost more CPU than running it, on every API request.
TOKEN_USER = CompiledQuery(
    "token_user",
    User,
    _token_query,
    probes={
        "hash_value": (ApiToken._meta.get_field("key_hash"), "\x00probe"),
        "now": (ApiToken._meta.get_field("expires_at"), datetime(2000, 1, 2, 3, 4, 5, tzinfo=UTC)),
    },
)


def _token_user(hash_value: str, now):
    """The active token's user with `_token_id`, `_token_used` and the roles cached (crm.roles), or None: one
    query, as `crm.roles.user_with_roles(_token_query(...))` would run it."""
    rows = TOKEN_USER.instances(hash_value=hash_value, now=now)
    if not rows:
        return None
    remember_roles(rows[0], [row._group for row in rows if row._group])
    return rows[0]
