"""Login locks and slowdowns for administrators: list, and DELETE to lift.

GET /api/v1/login-locks/, DELETE /api/v1/login-locks/<id>/ (axes' lock on a username from one address);
GET /api/v1/login-slowdowns/, DELETE /api/v1/login-slowdowns/<id>/ (the per-username slowdown)."""

from django.http import Http404
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from crm.api.permissions import IsAdministrator

from . import selectors, services
from .models import LoginSlowdown


class LoginLockSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text=gettext_lazy("Names the lock for DELETE."))
    username = serializers.CharField()
    ip_address = serializers.IPAddressField(allow_null=True)
    failures = serializers.IntegerField()
    last_attempt_at = serializers.DateTimeField()
    locked_until = serializers.DateTimeField(
        allow_null=True, help_text=gettext_lazy("null: until an administrator lifts it.")
    )


class LoginSlowdownSerializer(serializers.ModelSerializer):
    class Meta:
        model = LoginSlowdown
        fields = [
            "id",
            "username",
            "failures",
            "first_failure_at",
            "last_failure_at",
            "next_attempt_at",
            "last_address",
            "notified_at",
        ]


class LoginLockList(APIView):
    permission_classes = [IsAdministrator]

    @extend_schema(operation_id="login_locks_list", responses=LoginLockSerializer(many=True))
    def get(self, request):
        return Response(LoginLockSerializer(selectors.login_lock_list(), many=True).data)


class LoginLockDetail(APIView):
    permission_classes = [IsAdministrator]

    @extend_schema(
        operation_id="login_locks_lift",
        responses={204: OpenApiResponse(description="Lifted."), 404: OpenApiResponse(description="No such lock.")},
    )
    def delete(self, request, pk: int):
        attempt = selectors.login_lock_get(lock_id=pk)
        if attempt is None:
            raise Http404
        services.login_lock_lift(username=attempt.username, ip_address=attempt.ip_address, by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class LoginSlowdownList(APIView):
    permission_classes = [IsAdministrator]

    @extend_schema(operation_id="login_slowdowns_list", responses=LoginSlowdownSerializer(many=True))
    def get(self, request):
        return Response(LoginSlowdownSerializer(selectors.login_slowdown_list(), many=True).data)


class LoginSlowdownDetail(APIView):
    permission_classes = [IsAdministrator]

    @extend_schema(
        operation_id="login_slowdowns_lift",
        responses={204: OpenApiResponse(description="Lifted."), 404: OpenApiResponse(description="No such slowdown.")},
    )
    def delete(self, request, pk: int):
        slowdown = selectors.login_slowdown_get(slowdown_id=pk)
        if slowdown is None:
            raise Http404
        services.login_slowdown_lift(slowdown=slowdown, by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)
