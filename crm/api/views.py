from django.contrib.auth import get_user_model
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import APIView

from crm.api.throttling import ScopedRateThrottle
from crm.roles import user_roles

from .permissions import IsAdministrator


class TokenView(ObtainAuthToken):
    """POST username and password, get `{"token": ...}` for the `Authorization: Token <token>` header.
    Failed attempts count toward the same lockout as the login page."""

    permission_classes = [AllowAny]
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "login"
    # ObtainAuthToken names DRF's own parsers; the project's JSON parser bounds nesting and refuses NULs.
    parser_classes = api_settings.DEFAULT_PARSER_CLASSES


class UserSerializer(serializers.ModelSerializer):
    roles = serializers.SerializerMethodField()
    full_name = serializers.CharField(source="get_full_name", read_only=True)

    class Meta:
        model = get_user_model()
        fields = ["id", "username", "full_name", "email", "is_active", "roles"]

    def get_roles(self, user) -> list[str]:
        return sorted(user_roles(user))


class MeView(APIView):
    @extend_schema(responses=UserSerializer)
    def get(self, request):
        return Response(UserSerializer(request.user).data)


class UserList(generics.ListAPIView):
    """Staff with their roles (administrators only), so the ERP can map its users to CRM managers."""

    permission_classes = [IsAdministrator]
    serializer_class = UserSerializer
    queryset = get_user_model().objects.prefetch_related("groups").order_by("-id")
    search_fields = ["username", "first_name", "last_name", "email"]
