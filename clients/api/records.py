"""Clients API: list/create/retrieve/update, the ERP upsert by external id, and possible duplicates."""

import django_filters
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext, gettext_lazy
from drf_spectacular.utils import (
    OpenApiParameter,
    PolymorphicProxySerializer,
    extend_schema,
    extend_schema_view,
    inline_serializer,
)
from rest_framework import generics, serializers, status
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.response import Response
from rest_framework.views import APIView

from crm.api.conditional import IF_MATCH, ConditionalWriteMixin
from crm.api.filters import IdFilter, SyncFilterSet
from crm.compiled_query import CompiledPages, for_shape

from .. import selectors, services
from ..models import Channel, ChannelConsent, Client, Segment
from ..normalize import normalize_email, normalize_phone
from .common import SM, StaffWrite, StaffWriteAccountantRead, choice_field, full_access


class ClientSerializer(serializers.ModelSerializer):
    """Read shape. `to_representation` is hand-written: the list at 100,000 clients is hot, and a field per
    attribute costs more than the database. The declared fields keep the OpenAPI schema honest."""

    segment = serializers.CharField(source="segment.code", allow_null=True, read_only=True)
    manager = serializers.IntegerField(source="manager_id", allow_null=True, read_only=True)
    kind = choice_field(Client.Kind.choices, "ClientKindEnum", read_only=True)
    status = choice_field(Client.Status.choices, "ClientStatusEnum", read_only=True)
    first_contact_channel = choice_field(Client.FirstContactChannel.choices, "FirstContactChannelEnum", read_only=True)
    email = serializers.CharField(read_only=True, help_text=gettext_lazy("Stored lower-case; empty when unknown."))
    merged_into = serializers.IntegerField(
        source="merged_into_id",
        allow_null=True,
        read_only=True,
        help_text=gettext_lazy(
            "Set when this client was merged into another: a tombstone pointing to the surviving record."
        ),
    )
    preferred_channels = serializers.ListField(child=choice_field(Channel.choices, "ClientChannelEnum"), read_only=True)
    consents = serializers.ListField(
        child=inline_serializer(
            "ClientConsent",
            {
                "channel": serializers.CharField(),
                "purpose": serializers.CharField(),
                "status": serializers.CharField(),
                "given_at": serializers.DateTimeField(),
                "source": serializers.CharField(help_text=gettext_lazy("How the client said so (the evidence).")),
            },
        ),
        read_only=True,
    )

    class Meta:
        model = Client
        fields = [
            "id",
            "kind",
            "name",
            "email",
            "phone",
            "address",
            "segment",
            "manager",
            "status",
            "status_changed_at",
            "first_contact_channel",
            "first_contact_at",
            "preferred_channels",
            "consents",
            "language",
            "external_id",
            "merged_into",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def to_representation(self, c):
        def dt(value):
            return value.isoformat().replace("+00:00", "Z") if value else None

        consents = selectors.consent_rows(c)
        if hasattr(c, "segment_code"):
            segment = c.segment_code
        else:
            segment = c.segment.code if c.segment_id else None

        return {
            "id": c.pk,
            "kind": c.kind,
            "name": c.name,
            "email": c.email,
            "phone": c.phone,
            "address": c.address,
            "segment": segment,
            "manager": c.manager_id,
            "status": c.status,
            "status_changed_at": dt(c.status_changed_at),
            "first_contact_channel": c.first_contact_channel,
            "first_contact_at": dt(c.first_contact_at),
            "preferred_channels": c.preferred_channels,
            "consents": [
                {"channel": ch, "purpose": purpose, "status": st, "given_at": dt(at), "source": source}
                for ch, purpose, st, at, source in consents
            ],
            "language": c.language,
            "external_id": c.external_id,
            "merged_into": c.merged_into_id,
            "created_at": dt(c.created_at),
            "updated_at": dt(c.updated_at),
        }


class ClientBillingSerializer(serializers.ModelSerializer):
    """What an accountant may read about a client: billing details only."""

    email = serializers.CharField(read_only=True, help_text=gettext_lazy("Empty when unknown."))

    kind = choice_field(Client.Kind.choices, "ClientKindEnum", read_only=True)

    class Meta:
        model = Client
        fields = ["id", "name", "kind", "address", "email", "phone", "external_id"]
        read_only_fields = fields


class ContactInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    role = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    email = serializers.CharField(required=False, allow_blank=True, default="")
    phone = serializers.CharField(required=False, allow_blank=True, default="")
    is_primary = serializers.BooleanField(required=False, default=False)


class ClientWriteSerializer(serializers.Serializer):
    """Input for create, update and upsert. Phone and email are normalised (E.164, lower case)."""

    name = serializers.CharField(max_length=200)
    kind = choice_field(Client.Kind.choices, "ClientKindEnum", required=False)
    email = serializers.CharField(required=False, allow_blank=True, max_length=254)
    phone = serializers.CharField(required=False, allow_blank=True, max_length=40)
    address = serializers.CharField(required=False, allow_blank=True)
    segment = serializers.SlugRelatedField(
        slug_field="code", queryset=Segment.objects.all(), required=False, allow_null=True
    )
    manager = serializers.PrimaryKeyRelatedField(
        queryset=get_user_model().objects.filter(groups__name=SM), required=False, allow_null=True
    )
    status = choice_field(Client.Status.choices, "ClientStatusEnum", required=False)
    first_contact_channel = choice_field(Client.FirstContactChannel.choices, "FirstContactChannelEnum", required=False)
    first_contact_at = serializers.DateTimeField(required=False)
    first_contact_request = serializers.CharField(required=False, allow_blank=True)
    interests = serializers.ListField(child=serializers.CharField(), required=False)
    preferred_channels = serializers.ListField(child=choice_field(Channel.choices, "ClientChannelEnum"), required=False)
    consents = serializers.DictField(
        child=choice_field(ChannelConsent.Status.choices, "ConsentStatusEnum"),
        required=False,
        help_text=gettext_lazy(
            "Marketing consent per channel. On create, the first contact's answers; on update and the ERP "
            "upsert only opt-outs are recorded (an opt-in needs evidence: POST /clients/{id}/consents/)."
        ),
    )
    external_id = serializers.CharField(required=False, allow_blank=True, allow_null=True, max_length=100)
    language = serializers.ChoiceField(
        choices=settings.LANGUAGES, required=False, help_text=gettext_lazy("The language of messages to the client.")
    )
    tags = serializers.ListField(child=serializers.CharField(max_length=50), required=False)
    contacts = ContactInputSerializer(many=True, required=False, write_only=True)
    force = serializers.BooleanField(required=False, default=False, write_only=True)

    def validate_email(self, value):
        try:
            return normalize_email(value)
        except ValidationError:
            raise serializers.ValidationError(gettext("Enter a valid email address."))

    def validate_phone(self, value):
        try:
            return normalize_phone(value)
        except ValidationError as exc:
            raise serializers.ValidationError(exc.messages[0])

    def validate_consents(self, value):
        unknown = set(value) - set(Channel.values)
        if unknown:
            raise serializers.ValidationError(
                gettext("Unknown channel(s): %(join)s.") % {"join": ", ".join(sorted(unknown))}
            )
        return value


class DuplicateSerializer(serializers.ModelSerializer):
    kind = choice_field(Client.Kind.choices, "ClientKindEnum", read_only=True)
    match = serializers.CharField(read_only=True)

    class Meta:
        model = Client
        fields = ["id", "name", "kind", "email", "phone", "manager", "match"]


class ClientFilter(SyncFilterSet):
    segment = django_filters.CharFilter(method="filter_segment", help_text=gettext_lazy("A segment's code."))
    manager = IdFilter(field_name="manager_id")
    status = django_filters.ChoiceFilter(choices=Client.Status.choices)

    def filter_segment(self, queryset, name, value):
        # the code becomes the id first, so the planner sees segment_id = <n> and its statistics apply
        segment_id = Segment.objects.filter(code=value).values_list("id", flat=True).first()
        return queryset.filter(segment_id=segment_id) if segment_id else queryset.none()

    class Meta:
        model = Client
        fields = ["segment", "manager", "status", "updated_since"]


# What the list page hides from accountants (billing details only), refused in the API too.
BILLING_HIDDEN_FILTERS = {"segment", "manager", "status"}

SEARCH_PARAM = OpenApiParameter("search", str, description="Name, email, phone or a company contact.")


def _client_kwargs(data: dict, *, update: bool = False) -> dict:
    data = dict(data)
    data.pop("force", None)
    if update:
        data.pop("contacts", None)  # contacts are added on create; later through the card
    return data


def _first_contact_kwargs(data: dict) -> dict:
    """An omitted or null `manager` means nobody was picked, as a blank field on the first-contact page:
    client_create then applies the first-contact default."""
    data = _client_kwargs(data)
    if data.get("manager") is None:
        data["manager"] = services.MANAGER_NOT_CHOSEN
    return data


def client_or_billing(many: bool = False):
    """What a read answers: the full record, or the billing details for an accountant."""
    return PolymorphicProxySerializer(
        component_name="ClientOrBilling",
        serializers=[ClientSerializer, ClientBillingSerializer],
        resource_type_field_name=None,
        many=many,
    )


def _compiled_pages(search: str) -> CompiledPages:
    """The list's pages (plain or searched), compiled once per shape and connection (crm.compiled_query): the
    statement `client_list_api()` builds, ordered and cut by the cursor as DRF would. The plain list's is also
    prepared; a search's is not (its best plan depends on the words searched)."""
    shape, values = selectors.list_shape(search=search)
    pages = for_shape(
        f"client_list_pages:{shape}",
        lambda: CompiledPages(
            f"client_list_page:{shape}",
            Client,
            lambda **values: selectors.client_list_api_of(shape, **values),
            field="id",
            probe=987_654_321_987,
            probes=selectors.list_probes(shape),
            prepare=not values,
        ),
    )
    return pages.with_values(**values)


@extend_schema(parameters=[SEARCH_PARAM])
@extend_schema_view(get=extend_schema(responses=client_or_billing(many=True)))
class ClientListCreate(generics.ListCreateAPIView):
    """Clients, newest first, with cursor pagination. Accountants get billing details only, as on the list
    page: no segment, manager or status, not even as a filter (403).
    POST: a phone or email that already belongs to a client answers 409 with the candidates unless
    `?force=true` or `"force": true`. With no `manager` (omitted or null) a sales manager who records the
    client keeps it; an administrator's stays unassigned."""

    permission_classes = [StaffWriteAccountantRead]
    filterset_class = ClientFilter
    filter_backends = [django_filters.rest_framework.DjangoFilterBackend]

    def get_serializer_class(self):
        if self.request.method == "POST":
            return ClientWriteSerializer
        return ClientBillingSerializer if not full_access(self.request.user) else ClientSerializer

    def get_queryset(self):
        search = self.request.query_params.get("search", "")
        if not full_access(self.request.user):
            qs = selectors.client_list(search=search).select_related(None)
            return qs.only(*ClientBillingSerializer.Meta.fields).order_by("-id")
        # A sync (`updated_since`) also gets the clients merged away since, as tombstones (`merged_into` set),
        # so the ERP learns which record survived; a plain listing shows live clients only.
        tombstones = "updated_since" in self.request.query_params
        return selectors.client_list_api(search=search, include_merged=tombstones).order_by("-id")

    def filter_queryset(self, queryset):
        asked = set(self.request.query_params)
        hidden = asked & BILLING_HIDDEN_FILTERS
        if hidden and not full_access(self.request.user):
            # the list page offers accountants no such filter: the API does not either
            raise PermissionDenied(
                gettext("Your role sees billing details only; it may not filter by %(join)s.")
                % {"join": ", ".join(sorted(hidden))}
            )
        # django-filter builds a form per request; skip it when no filter is asked for
        if not asked & set(ClientFilter.base_filters):
            return queryset
        return super().filter_queryset(queryset)

    def list(self, request, *args, **kwargs):
        # The hot path, the plain list and a search (the ERP's first page and every next one): compiled once per
        # shape, and no queryset built to be thrown away.
        if full_access(request.user) and not set(request.query_params) & set(ClientFilter.base_filters):
            page = self.paginate_queryset(_compiled_pages(request.query_params.get("search", "")))
            return self.get_paginated_response(self.get_serializer(page, many=True).data)
        return super().list(request, *args, **kwargs)

    @extend_schema(request=ClientWriteSerializer, responses={201: ClientSerializer})
    def post(self, request, *args, **kwargs):
        serializer = ClientWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        force = serializer.validated_data.get("force") or request.query_params.get("force") in ("true", "1")
        data = _first_contact_kwargs(serializer.validated_data)
        client = services.client_create(by=request.user, allow_duplicate=bool(force), **data)
        return Response(ClientSerializer(selectors.client_get(pk=client.pk)).data, status=status.HTTP_201_CREATED)


@extend_schema_view(
    get=extend_schema(responses=client_or_billing()),
    put=extend_schema(request=ClientWriteSerializer, responses=ClientSerializer, parameters=[IF_MATCH]),
    patch=extend_schema(request=ClientWriteSerializer, responses=ClientSerializer, parameters=[IF_MATCH]),
)
class ClientDetail(ConditionalWriteMixin, generics.RetrieveUpdateAPIView):
    """One client. Sales managers update their own and unassigned clients; administrators any. A new
    `manager`: only an administrator gives a client to another manager; a sales manager may take an unassigned
    client for themself or hand their own back to nobody."""

    permission_classes = [StaffWriteAccountantRead]

    def get_serializer_class(self):
        if self.request.method in ("PUT", "PATCH"):
            return ClientWriteSerializer
        return ClientSerializer if full_access(self.request.user) else ClientBillingSerializer

    def get_object(self):
        return get_object_or_404(selectors.client_list_api(include_merged=True), pk=self.kwargs["pk"])

    @extend_schema(request=ClientWriteSerializer, responses=ClientSerializer)
    def update(self, request, *args, **kwargs):
        client = self.get_object()
        partial = request.method == "PATCH"
        serializer = ClientWriteSerializer(data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        data = _client_kwargs(serializer.validated_data, update=True)
        client = services.client_update(client=client, by=request.user, **data)
        return Response(ClientSerializer(selectors.client_get(pk=client.pk)).data)


class ClientUpsertByExternalId(APIView):
    """PUT creates the client with this ERP key or updates it; repeating the same PUT changes nothing."""

    permission_classes = [StaffWrite]

    @extend_schema(responses=ClientSerializer)
    def get(self, request, external_id):
        """The client with this ERP key. A client merged away answers as a tombstone: `merged_into` names the
        surviving record (which may carry the key itself if it had none)."""
        client = selectors.client_list_api(include_merged=True).filter(external_id=external_id).first()
        if client is None:
            raise NotFound(gettext("No client has this external id."))
        return Response(ClientSerializer(client).data)

    @extend_schema(request=ClientWriteSerializer, responses={200: ClientSerializer, 201: ClientSerializer})
    def put(self, request, external_id):
        serializer = ClientWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        client, created = services.client_upsert_by_external_id(
            external_id=external_id, data=_client_kwargs(serializer.validated_data), by=request.user
        )
        body = ClientSerializer(selectors.client_get(pk=client.pk)).data
        return Response(body, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


class ClientDuplicates(APIView):
    """Possible existing clients for these details: same normalised phone or email (also of contact
    persons), or a similar name."""

    permission_classes = [StaffWrite]

    @extend_schema(
        parameters=[
            OpenApiParameter("phone", str),
            OpenApiParameter("email", str),
            OpenApiParameter("name", str),
        ],
        responses=DuplicateSerializer(many=True),
    )
    def get(self, request):
        params = request.query_params
        found = selectors.client_duplicates(
            phone=params.get("phone", ""), email=params.get("email", ""), name=params.get("name", "")
        )
        return Response(DuplicateSerializer(found, many=True).data)
