from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy


class WorkerHeartbeat(models.Model):
    """Written by a periodic task, so /healthz can tell whether workers and the scheduler are alive."""

    worker = models.CharField(max_length=200, unique=True)
    seen_at = models.DateTimeField()

    def __str__(self):
        return f"{self.worker} @ {self.seen_at:%Y-%m-%d %H:%M:%S}"


class ApiToken(models.Model):
    """An API token, one per device or integration: stored as a SHA-256 hash (the key is shown once, when it is
    made), with an expiry; the user or an administrator can revoke it, and a password change revokes them all.
    Keys are 40 random URL-safe characters, so an unsalted hash is enough: there is nothing to guess."""

    user = models.ForeignKey("auth.User", on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100, help_text=gettext_lazy("The device or integration that uses it."))
    key_hash = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(max_length=8, help_text=gettext_lazy("The key's first characters, to tell tokens apart."))
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey("auth.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    revoke_reason = models.CharField(max_length=100, blank=True)

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["user", "-id"])]

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"


class TotpDevice(models.Model):
    """A user's authenticator app (TOTP, RFC 6238). `last_step` refuses a code used twice."""

    user = models.OneToOneField("auth.User", on_delete=models.CASCADE, related_name="totp_device")
    secret = models.CharField(max_length=64)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    last_step = models.BigIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)


class SecurityPolicy(models.Model):
    """Company-wide security switches that administrators set (one row)."""

    require_admin_totp = models.BooleanField(
        default=False, help_text=gettext_lazy("Administrators must confirm each sign-in with an authenticator code.")
    )
    changed_by = models.ForeignKey("auth.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    changed_at = models.DateTimeField(null=True, blank=True)


class IdempotencyRecord(models.Model):
    """The first answer to an API POST sent with an `Idempotency-Key` header, kept so that a retry with the same
    key gets the same answer instead of doing the work twice (crm/api/idempotency.py)."""

    user = models.ForeignKey("auth.User", on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    request_hash = models.CharField(max_length=64)
    method = models.CharField(max_length=10)
    path = models.CharField(max_length=500)
    status_code = models.PositiveSmallIntegerField(null=True)
    content_type = models.CharField(max_length=100, blank=True)
    location = models.CharField(max_length=500, blank=True)
    body = models.BinaryField(default=b"")
    created_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="idempotency_user_key")]
        indexes = [models.Index(fields=["created_at"])]


class UserPreference(models.Model):
    """What a staff user chose for themselves: the interface language (one of settings.LANGUAGES). No row means
    "not chosen": the browser's language (or the site default) is used."""

    user = models.OneToOneField("auth.User", on_delete=models.CASCADE, primary_key=True, related_name="preference")
    language = models.CharField(max_length=10, choices=settings.LANGUAGES)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self):
        return f"{self.user_id}: {self.language}"
