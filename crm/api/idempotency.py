"""`Idempotency-Key` for every API POST: a retry gets the first answer, never a second effect.

A POST under /api/ that carries the header runs inside one transaction together with the row that records its
answer (IdempotencyRecord, unique per user and key). So the effect and the record commit together or not at
all: a crash in between leaves neither, and the retry simply runs again. A concurrent request with the same
key waits on the unique index until the first one commits, then answers the stored response. The stored
answer is replayed unchanged (status, body, Content-Type, Location) with `Idempotent-Replayed: true` for
IDEMPOTENCY_TTL_HOURS (24 by default); the same key with a different request (method, path or body) is a 422
naming the key. Server errors (5xx), conflicts (409) and throttling (429) are not stored: the work did not
happen, or may succeed later, so a retry runs again. Keys are scoped to the authenticated user; a request that
does not authenticate is left to the view (it answers 401). Natural keys (`external_id`) keep working beside
it."""

import hashlib
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.db import IntegrityError, transaction
from django.http import HttpResponse, JsonResponse
from django.utils import timezone
from rest_framework import exceptions

from crm.models import IdempotencyRecord

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 255
_NOT_STORED = {409, 429}


class _Undo(Exception):
    """Roll back the request's transaction (its answer is not stored) and answer `response` as it is."""

    def __init__(self, response):
        self.response = response


def _ttl() -> timedelta:
    return timedelta(hours=getattr(settings, "IDEMPOTENCY_TTL_HOURS", 24))


def _request_hash(request) -> str:
    digest = hashlib.sha256()
    for part in (request.method, request.get_full_path(), request.content_type or ""):
        digest.update(part.encode("utf-8", "surrogateescape") + b"\0")
    digest.update(request.body)
    return digest.hexdigest()


def _user(request):
    """The user the API will see: the session's, or the token's (DRF's authenticators, as the view will run
    them). None when the request does not authenticate."""
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return user
    from rest_framework.settings import api_settings

    for authenticator in api_settings.DEFAULT_AUTHENTICATION_CLASSES:
        try:
            found = authenticator().authenticate(request)
        except (exceptions.AuthenticationFailed, AttributeError):
            return None
        if found is not None:
            return found[0]
    return None


def _replay(record: IdempotencyRecord) -> HttpResponse:
    response = HttpResponse(bytes(record.body), status=record.status_code, content_type=record.content_type or None)
    if record.location:
        response["Location"] = record.location
    response["Idempotent-Replayed"] = "true"
    return response


def _mismatch(key: str) -> JsonResponse:
    return JsonResponse(
        {
            "detail": f"The Idempotency-Key “{key}” was already used with a different request. "
            "Use a new key for a new request.",
            "code": "idempotency_key_reused",
        },
        status=422,
    )


class IdempotencyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        key = request.headers.get(HEADER)
        if request.method != "POST" or key is None or not request.path_info.startswith("/api/"):
            return self.get_response(request)
        key = key.strip()
        if not key or len(key) > MAX_KEY_LENGTH or not key.isprintable():
            return JsonResponse(
                {HEADER: [f"Give a key of 1 to {MAX_KEY_LENGTH} printable characters (a UUID is a good choice)."]},
                status=400,
            )
        user = _user(request)
        if user is None:
            return self.get_response(request)
        try:
            fingerprint = _request_hash(request)
        except RequestDataTooBig:
            return self.get_response(request)  # a large upload: the view refuses or streams it as before
        try:
            with transaction.atomic():
                record = self._claim(user, key, fingerprint, request)
                if record.status_code is not None:  # answered before
                    return _mismatch(key) if record.request_hash != fingerprint else _replay(record)
                response = self.get_response(request)
                if response.status_code >= 500 or response.status_code in _NOT_STORED or response.streaming:
                    raise _Undo(response)
                record.status_code = response.status_code
                record.content_type = response.get("Content-Type", "")[:100]
                record.location = response.get("Location", "")[:500]
                record.body = response.content
                record.save(update_fields=["status_code", "content_type", "location", "body"])
                return response
        except _Undo as undo:
            return undo.response

    def _claim(self, user, key, fingerprint, request) -> IdempotencyRecord:
        """The record for (user, key): the stored answer, or a new row claimed by this request. Inserting waits
        on the unique index while another request with the key is running, then finds its answer. An answer
        older than IDEMPOTENCY_TTL_HOURS (not yet purged by the daily job) is forgotten and the key claimed
        afresh: looked for only when the key is taken, so a new key costs no statement for it."""
        now = timezone.now()
        for _attempt in range(2):
            try:
                with transaction.atomic():
                    return IdempotencyRecord.objects.create(
                        user=user,
                        key=key,
                        request_hash=fingerprint,
                        method=request.method,
                        path=request.get_full_path()[:500],
                        created_at=now,
                    )
            except IntegrityError:
                record = IdempotencyRecord.objects.get(user=user, key=key)
                if record.created_at >= now - _ttl():
                    return record
                IdempotencyRecord.objects.filter(pk=record.pk, created_at__lt=now - _ttl()).delete()
        return IdempotencyRecord.objects.get(user=user, key=key)  # claimed again meanwhile by another request


def purge_expired() -> int:
    """Forget answers older than IDEMPOTENCY_TTL_HOURS (the daily job)."""
    deleted, _ = IdempotencyRecord.objects.filter(created_at__lt=timezone.now() - _ttl()).delete()
    return deleted
