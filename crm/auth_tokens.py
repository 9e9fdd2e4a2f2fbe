"""API tokens: issue (the key is shown once), authenticate by hash, list, revoke.

A key is `crm_` + 40 random URL-safe characters; only its SHA-256 and its first characters are stored. Each
token is named after the device or integration that uses it; issuing a token under a name the user already
uses replaces that token, so a device that logs in again does not pile up keys. Tokens expire
(API_TOKEN_DAYS by default, at most API_TOKEN_MAX_DAYS), and a password change revokes every token of the
user (crm.apps connects `tokens_revoke_on_password_change`)."""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from .exceptions import ApplicationError
from .models import ApiToken
from .roles import is_admin

KEY_PREFIX = "crm_"
LAST_USED_RESOLUTION = timedelta(minutes=5)  # last_used_at is written at most this often per token


def key_hash(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()


@dataclass(frozen=True)
class IssuedToken:
    token: ApiToken
    key: str  # shown once; never stored


def _days(expires_in_days) -> int:
    default, cap = settings.API_TOKEN_DAYS, settings.API_TOKEN_MAX_DAYS
    if expires_in_days in (None, ""):
        return default
    try:
        days = int(expires_in_days)
    except (TypeError, ValueError):
        raise ApplicationError(gettext("Give the number of days as a whole number."), field="expires_in_days") from None
    if not 1 <= days <= cap:
        raise ApplicationError(
            gettext("A token lives between 1 and %(cap)s days.") % {"cap": cap}, field="expires_in_days"
        )
    return days


@transaction.atomic
def token_issue(*, user, name: str = "", expires_in_days=None) -> IssuedToken:
    name = (name or "").strip() or "API token"
    if len(name) > 100:
        raise ApplicationError(gettext("Keep the name under 100 characters."), field="name")
    days = _days(expires_in_days)
    now = timezone.now()
    # Same device, new login: the old key stops working.
    ApiToken.objects.filter(user=user, name=name, revoked_at__isnull=True).update(
        revoked_at=now, revoke_reason="replaced by a new token for the same name"
    )
    key = KEY_PREFIX + secrets.token_urlsafe(30)
    token = ApiToken.objects.create(
        user=user,
        name=name,
        key_hash=key_hash(key),
        prefix=key[:8],
        expires_at=now + timedelta(days=days),
        last_used_at=now,
    )
    return IssuedToken(token=token, key=key)


def token_touch(token_id: int, last_used_at) -> None:
    """Remember when a token was last used, at most every few minutes (a write per request would cost)."""
    now = timezone.now()
    if last_used_at is None or now - last_used_at > LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=token_id).update(last_used_at=now)


def tokens_visible_to(user):
    """Administrators see every user's tokens (never the keys); everyone else their own."""
    qs = ApiToken.objects.select_related("user", "revoked_by")
    return qs if is_admin(user) else qs.filter(user=user)


@transaction.atomic
def token_revoke(*, token: ApiToken, by, reason: str = "revoked") -> ApiToken:
    if token.user_id != by.pk and not is_admin(by):
        raise ApplicationError(gettext("You can revoke only your own tokens."), code="forbidden")
    token = ApiToken.objects.select_for_update().get(pk=token.pk)
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.revoked_by = by
        token.revoke_reason = reason[:100]
        token.save(update_fields=["revoked_at", "revoked_by", "revoke_reason"])
    return token


def tokens_revoke_all(*, user, reason: str) -> int:
    return ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(
        revoked_at=timezone.now(), revoke_reason=reason[:100]
    )


def tokens_revoke_on_password_change(sender, instance, raw=False, **kwargs):
    """pre_save of the user model: a new password hash revokes every token of the user."""
    if raw or instance.pk is None:
        return
    update_fields = kwargs.get("update_fields")
    if update_fields is not None and "password" not in update_fields:
        return
    old = type(instance)._default_manager.filter(pk=instance.pk).values_list("password", flat=True).first()
    if old is not None and old != instance.password:
        tokens_revoke_all(user=instance, reason="password changed")
