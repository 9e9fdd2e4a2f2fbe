"""One error shape for the whole API: 400 with field messages, other errors with a JSON `detail`. A service
that refuses the actor (ApplicationError code "forbidden") answers 403, like a permission class would."""

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from crm.exceptions import ApplicationError, ConflictError


def exception_handler(exc, context):
    if isinstance(exc, ConflictError):
        body = {"detail": exc.message, "code": exc.code, **exc.extra}
        return Response(body, status=status.HTTP_409_CONFLICT)
    if isinstance(exc, ApplicationError) and exc.code == "forbidden":
        return Response({"detail": exc.message}, status=status.HTTP_403_FORBIDDEN)
    if isinstance(exc, ApplicationError):
        body = {exc.field: [exc.message]} if exc.field else {"detail": exc.message}
        body.update(exc.extra)
        return Response(body, status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, DjangoValidationError):
        detail = exc.message_dict if hasattr(exc, "error_dict") else {"detail": exc.messages}
        exc = exceptions.ValidationError(detail=detail)
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    return drf_exception_handler(exc, context)
