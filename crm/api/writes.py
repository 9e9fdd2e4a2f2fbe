"""API views whose writes go through the app's save service, the one its page calls, so both give the same
rules and messages. A view names the service in `write`; for an update, `current` gives the row's values that a
PATCH leaves as they are (DRF applies no defaults to a partial update)."""

from rest_framework import status
from rest_framework.response import Response


class ServiceWriteMixin:
    def write(self, instance=None, **data):
        """Save through the app's service: a new row when `instance` is None. Returns the saved row."""
        raise NotImplementedError

    def current(self, instance) -> dict:
        """The values the service takes, as `instance` holds them now."""
        raise NotImplementedError

    def respond(self, instance) -> dict:
        return self.get_serializer(instance).data

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return Response(self.respond(self.write(**serializer.validated_data)), status=status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        instance = self.get_object()
        serializer = self.get_serializer(instance, data=request.data, partial=kwargs.get("partial", False))
        serializer.is_valid(raise_exception=True)
        return Response(self.respond(self.write(instance, **{**self.current(instance), **serializer.validated_data})))
