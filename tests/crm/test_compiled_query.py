"""The once-compiled user lookups (crm/compiled_query.py) answer exactly what the ORM query they stand for
answers: the same user, fields, annotations and roles, nobody for a revoked, expired or unknown token or a
removed user, in one query each."""

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import F
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from crm.api.authentication import _token_query, _token_user
from crm.auth_backends import RoleAwareModelBackend
from crm.auth_tokens import key_hash, token_issue
from crm.models import ApiToken
from crm.roles import Role, user_roles, user_with_roles

from ..conftest import make_user

pytestmark = pytest.mark.django_db
User = get_user_model()


def _fields(user):
    return {f.attname: getattr(user, f.attname) for f in User._meta.concrete_fields}


def test_token_user_is_the_orm_querys_user_with_its_roles():
    user = make_user("two-roles", Role.SALES_MANAGER)
    user.groups.add(*make_user("acc", Role.ACCOUNTANT).groups.all())
    key = token_issue(user=user, name="t").key
    now = timezone.now()
    with CaptureQueriesContext(connection) as queries:
        found = _token_user(key_hash(key), now)
    assert len(queries) == 1
    expected = user_with_roles(
        User.objects.filter(
            api_tokens__key_hash=key_hash(key),
            api_tokens__revoked_at__isnull=True,
            api_tokens__expires_at__gt=now,
        ),
        _token_id=F("api_tokens__id"),
        _token_used=F("api_tokens__last_used_at"),
    )
    assert _fields(found) == _fields(expected) and found.pk == user.pk
    assert (found._token_id, found._token_used) == (expected._token_id, expected._token_used)
    assert user_roles(found) == {Role.SALES_MANAGER, Role.ACCOUNTANT} == user_roles(expected)
    assert found._state.db == "default" and not found._state.adding
    assert len(list(_token_query(key_hash(key), now))) == 2  # one row per group, as the roles need


def test_no_user_for_a_revoked_expired_or_unknown_token():
    user = make_user("sm", Role.SALES_MANAGER)
    revoked, expired = token_issue(user=user).key, token_issue(user=user).key
    ApiToken.objects.filter(key_hash=key_hash(revoked)).update(revoked_at=timezone.now())
    ApiToken.objects.filter(key_hash=key_hash(expired)).update(expires_at=timezone.now() - timedelta(seconds=1))
    for key in (revoked, expired, "crm_unknown"):
        assert _token_user(key_hash(key), timezone.now()) is None


def test_session_user_with_roles_in_one_query_and_none_once_removed_or_inactive():
    user = make_user("adm", Role.ADMINISTRATOR)
    backend = RoleAwareModelBackend()
    with CaptureQueriesContext(connection) as queries:
        found = backend.get_user(str(user.pk))
    assert len(queries) == 1
    assert _fields(found) == _fields(User.objects.get(pk=user.pk))
    with CaptureQueriesContext(connection) as queries:
        assert user_roles(found) == {Role.ADMINISTRATOR}
    assert len(queries) == 0
    User.objects.filter(pk=user.pk).update(is_active=False)
    assert backend.get_user(user.pk) is None
    assert backend.get_user(user.pk + 1000) is None
    assert backend.get_user("not-an-id") is None
