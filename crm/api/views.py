from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils.translation import gettext, gettext_lazy
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.exceptions import Throttled, ValidationError
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import APIView

from crm import auth_tokens, languages, search, totp
from crm.api.throttling import ScopedRateThrottle
from crm.exceptions import ApplicationError
from crm.forms import too_many_attempts_message
from crm.models import ApiToken
from crm.roles import user_roles

from .permissions import IsAdministrator


class TokenRequestSerializer(AuthTokenSerializer):
    name = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=100,
        help_text=gettext_lazy("The device or integration, e.g. 'ERP'."),
    )
    expires_in_days = serializers.IntegerField(
        required=False, min_value=1, help_text=gettext_lazy("Default API_TOKEN_DAYS.")
    )
    otp = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=12,
        help_text=gettext_lazy("Authenticator code, when your role needs one."),
    )


class IssuedTokenSerializer(serializers.Serializer):
    token = serializers.CharField(
        help_text=gettext_lazy("Shown once: keep it. Send it as `Authorization: Token <token>`.")
    )
    id = serializers.IntegerField()
    name = serializers.CharField()
    expires_at = serializers.DateTimeField()


def _issued(issued) -> dict:
    t = issued.token
    return {"token": issued.key, "id": t.pk, "name": t.name, "expires_at": t.expires_at}


class TokenView(APIView):
    """POST username and password (and a device `name`), get `{"token": ...}` for the `Authorization: Token
    <token>` header. The key is shown only here; it expires (`expires_at`). Failed attempts count toward the same
    lockout as the login page; administrators give an authenticator code (`otp`) when the policy asks for it."""

    authentication_classes = []
    permission_classes = [AllowAny]
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "login"
    # ObtainAuthToken names DRF's own parsers; the project's JSON parser bounds nesting and refuses NULs.
    parser_classes = api_settings.DEFAULT_PARSER_CLASSES

    @extend_schema(request=TokenRequestSerializer, responses={200: IssuedTokenSerializer})
    def post(self, request):
        serializer = TokenRequestSerializer(data=request.data, context={"request": request})
        try:
            serializer.is_valid(raise_exception=True)
        except ValidationError:
            # The per-username slowdown refused the attempt before its password was checked (crm.logins).
            wait = getattr(request, "login_retry_after", None)
            if wait:
                raise Throttled(wait=wait, detail=too_many_attempts_message(wait)) from None
            raise
        data = serializer.validated_data
        user = data["user"]
        if totp.totp_required(user):
            if not totp.device_confirmed(user):
                raise ApplicationError(
                    gettext("Your role needs an authenticator: sign in in the browser once to set it up."), field="otp"
                )
            if not totp.verify(user=user, code=data.get("otp", "")):
                raise ApplicationError(gettext("Enter the current code from your authenticator."), field="otp")
        issued = auth_tokens.token_issue(
            user=user, name=data.get("name", ""), expires_in_days=data.get("expires_in_days")
        )
        return Response(_issued(issued))


class ApiTokenSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    user = serializers.CharField(source="user.username", read_only=True)
    name = serializers.CharField(max_length=100, required=False, allow_blank=True)
    prefix = serializers.CharField(read_only=True)
    created_at = serializers.DateTimeField(read_only=True)
    expires_at = serializers.DateTimeField(read_only=True)
    last_used_at = serializers.DateTimeField(read_only=True, allow_null=True)
    revoked_at = serializers.DateTimeField(read_only=True, allow_null=True)
    revoke_reason = serializers.CharField(read_only=True)
    expires_in_days = serializers.IntegerField(write_only=True, required=False, min_value=1)


class TokenList(generics.ListCreateAPIView):
    """Your API tokens (administrators: everyone's), never their keys. POST makes a new named token for the
    signed-in user; the key is in that answer only."""

    serializer_class = ApiTokenSerializer
    filterset_fields = ["user"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return ApiToken.objects.none()
        return auth_tokens.tokens_visible_to(self.request.user)

    @extend_schema(responses={201: IssuedTokenSerializer})
    def post(self, request):
        serializer = ApiTokenSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        issued = auth_tokens.token_issue(
            user=request.user, name=data.get("name", ""), expires_in_days=data.get("expires_in_days")
        )
        return Response(_issued(issued), status=201)


class TokenDetail(generics.RetrieveDestroyAPIView):
    """DELETE revokes the token (your own; administrators any). The row stays, marked revoked."""

    serializer_class = ApiTokenSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return ApiToken.objects.none()
        return auth_tokens.tokens_visible_to(self.request.user)

    def perform_destroy(self, instance):
        auth_tokens.token_revoke(token=instance, by=self.request.user)


class SecurityPolicySerializer(serializers.Serializer):
    require_admin_totp = serializers.BooleanField()
    changed_at = serializers.DateTimeField(read_only=True, allow_null=True)


class SecurityPolicyView(APIView):
    """The company's security switches (administrators only)."""

    permission_classes = [IsAdministrator]

    @extend_schema(responses=SecurityPolicySerializer)
    def get(self, request):
        return Response(SecurityPolicySerializer(totp.policy()).data)

    @extend_schema(request=SecurityPolicySerializer, responses=SecurityPolicySerializer)
    def put(self, request):
        serializer = SecurityPolicySerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        row = totp.policy_set(require_admin_totp=serializer.validated_data["require_admin_totp"], by=request.user)
        return Response(SecurityPolicySerializer(row).data)


class TotpSetupSerializer(serializers.Serializer):
    provisioning_uri = serializers.CharField(read_only=True)
    confirmed = serializers.BooleanField(read_only=True)
    code = serializers.CharField(write_only=True, max_length=12)


class TotpView(APIView):
    """Your authenticator: GET gives the otpauth:// URI to load into the app (a new secret while it is not
    confirmed), POST a current `code` confirms it."""

    @extend_schema(responses=TotpSetupSerializer)
    def get(self, request):
        device = totp.device_pending(request.user)
        confirmed = device.confirmed_at is not None
        return Response(
            {"provisioning_uri": "" if confirmed else totp.provisioning_uri(device), "confirmed": confirmed}
        )

    @extend_schema(request=TotpSetupSerializer, responses=TotpSetupSerializer)
    def post(self, request):
        serializer = TotpSetupSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        totp.device_pending(request.user)
        if not totp.verify(user=request.user, code=serializer.validated_data["code"]):
            raise ApplicationError(gettext("That code is not the current one."), field="code")
        return Response({"provisioning_uri": "", "confirmed": True})


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


class LanguageSerializer(serializers.Serializer):
    language = serializers.ChoiceField(choices=settings.LANGUAGES)


class MyLanguageView(APIView):
    """Your interface language: the language of your pages, and of the API's answers when a request sends no
    Accept-Language."""

    @extend_schema(responses=LanguageSerializer)
    def get(self, request):
        return Response({"language": languages.user_language(request.user) or settings.LANGUAGE_CODE})

    @extend_schema(request=LanguageSerializer, responses=LanguageSerializer)
    def put(self, request):
        serializer = LanguageSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        chosen = languages.user_language_set(user=request.user, language=serializer.validated_data["language"])
        return Response({"language": chosen})


class UserList(generics.ListAPIView):
    """Staff with their roles (administrators only), so the ERP can map its users to CRM managers."""

    permission_classes = [IsAdministrator]
    serializer_class = UserSerializer
    queryset = get_user_model().objects.prefetch_related("groups").order_by("-id")
    search_fields = ["username", "first_name", "last_name", "email"]


class SearchHitSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    detail = serializers.CharField()
    url = serializers.CharField(help_text="The page that shows it (the client card, the invoice ...).")


class SearchGroupSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=["clients", "invoices", "complaints", "products"])
    label = serializers.CharField()
    hits = SearchHitSerializer(many=True)


class SearchResultSerializer(serializers.Serializer):
    q = serializers.CharField()
    results = SearchGroupSerializer(many=True)


class SearchQuerySerializer(serializers.Serializer):
    q = serializers.CharField(
        min_length=search.MIN_QUERY_LENGTH,
        max_length=search.MAX_QUERY_LENGTH,
        help_text="A name, an invoice number, a complaint reference, a SKU, a phone number or an email address.",
    )
    kind = serializers.MultipleChoiceField(
        choices=["clients", "invoices", "complaints", "products"], required=False, help_text="Only these kinds."
    )
    limit = serializers.IntegerField(min_value=1, max_value=search.MAX_LIMIT, default=search.DEFAULT_LIMIT)


class SearchView(APIView):
    """The top-bar search: clients, invoices, complaints and products by name, number, phone or email, grouped
    by kind; each kind only for the roles that may see it (accountants get no complaints, for instance)."""

    @extend_schema(parameters=[SearchQuerySerializer], responses={200: SearchResultSerializer})
    def get(self, request):
        params = SearchQuerySerializer(data={"q": request.query_params.get("q", ""), **_rest(request.query_params)})
        params.is_valid(raise_exception=True)
        data = params.validated_data
        data["q"] = search.clean_query(data["q"])
        groups = search.search(
            user=request.user, query=data["q"], limit=data["limit"], kinds=sorted(data.get("kind") or [])
        )
        results = [{**g, "hits": [hit.__dict__ for hit in g["hits"]]} for g in groups]
        return Response(SearchResultSerializer({"q": data["q"], "results": results}).data)


def _rest(query_params) -> dict:
    out = {}
    if "kind" in query_params:
        out["kind"] = query_params.getlist("kind")
    if "limit" in query_params:
        out["limit"] = query_params.get("limit")
    return out
