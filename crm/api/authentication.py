"""Token authentication against hashed keys (crm.auth_tokens), reading the user's roles in the one query that
finds the token.

Every API request needs both (the role decides what the endpoint allows); asking the database once instead of
twice is a measurable share of a 25-row list's cost. The user comes back once per group (a plain join, cheap
to build and to run) and the roles land where `crm.roles.user_roles` caches them. A revoked or expired token
is refused like an unknown one."""

from django.contrib.auth import get_user_model
from django.db import connections, router
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication as DRFTokenAuthentication

from crm.auth_tokens import key_hash, token_touch
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


def _token_query(users_of, hash_value, now):
    """The token's user, one row per group, with the token's id and last use: the query `_token_user` runs."""
    users = users_of.filter(
        api_tokens__key_hash=hash_value,
        api_tokens__revoked_at__isnull=True,
        api_tokens__expires_at__gt=now,
    )
    return users.annotate(
        _group=F("groups__name"), _token_id=F("api_tokens__id"), _token_used=F("api_tokens__last_used_at")
    )


class _CompiledTokenQuery:
    """`_token_query` compiled once per database connection (its SQL, column converters and the user's columns):
    building and compiling a four-table join costs more CPU than running it, on every API request. Each
    request runs the same SQL with its own two parameters and builds the user the way the ORM would."""

    def __init__(self, connection):
        probe_hash, probe_now = "\x00token-hash", timezone.now()
        query = _token_query(User.objects.all(), probe_hash, probe_now).query
        self.compiler = query.get_compiler(connection=connection)
        self.sql, params = self.compiler.as_sql()
        # the moment goes in as the field prepares it for this database (SQLite: text), like the ORM does
        self.expires_at = ApiToken._meta.get_field("expires_at")
        prepared_now = self.expires_at.get_db_prep_value(probe_now, connection)
        if sorted(map(repr, params)) != sorted(map(repr, [probe_hash, prepared_now])):
            raise AssertionError(f"unexpected token query parameters: {params!r}")
        self.hash_first = params[0] == probe_hash  # where each of the two goes in the SQL
        self.converters = self.compiler.get_converters([col for col, _, _ in self.compiler.select])
        fields = self.compiler.klass_info["select_fields"]
        self.user_slice = slice(fields[0], fields[-1] + 1)
        self.attnames = [self.compiler.select[i][0].target.attname for i in fields]
        self.annotations = self.compiler.annotation_col_map

    def run(self, connection, hash_value, now):
        now = self.expires_at.get_db_prep_value(now, connection)
        with connection.cursor() as cursor:
            cursor.execute(self.sql, [hash_value, now] if self.hash_first else [now, hash_value])
            rows = cursor.fetchall()
        if self.converters:
            rows = list(self.compiler.apply_converters(rows, self.converters))
        return rows


def _token_user(hash_value: str, now):
    """The active token's user with `_token_id`, `_token_used` and the roles cached (crm.roles), or None. One
    query, the same as `crm.roles.user_with_roles(_token_query(...))` would run."""
    alias = router.db_for_read(User)
    connection = connections[alias]
    compiled = getattr(connection, "_crm_token_query", None)
    if compiled is None:
        compiled = connection._crm_token_query = _CompiledTokenQuery(connection)
    rows = compiled.run(connection, hash_value, now)
    if not rows:
        return None
    row = rows[0]
    user = User.from_db(alias, compiled.attnames, row[compiled.user_slice])
    for name, index in compiled.annotations.items():
        setattr(user, name, row[index])
    remember_roles(user, [r[compiled.annotations["_group"]] for r in rows if r[compiled.annotations["_group"]]])
    return user
