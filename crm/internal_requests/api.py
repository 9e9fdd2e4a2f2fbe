"""REST endpoints of internal requests, the same services and rules as the pages.

Teams and kinds: every role reads, administrators write. GET /internal/requests/ lists what the caller
asked for (POST asks); GET /internal/teams/{id}/queue/ is a team's queue for its members and administrators.
Lists use cursor paging and `updated_since`."""

import django_filters
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers, status
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response
from rest_framework.views import APIView

from crm.api.filters import SyncFilterSet
from crm.api.pagination import CursorPagination
from crm.api.permissions import ALL_ROLES, ReadAllWriteAdmin, roles

from . import forms, selectors, services
from .models import InternalRequest, RequestKind, Team


class InternalTeamSerializer(serializers.ModelSerializer):
    members = serializers.PrimaryKeyRelatedField(many=True, queryset=forms.staff_users(), required=False)
    code = serializers.SlugField(max_length=40, help_text=_("Set at creation; not changed later."))

    class Meta:
        model = Team
        fields = ["id", "name", "code", "description", "members", "is_active", "updated_at"]
        read_only_fields = ["id", "updated_at"]
        extra_kwargs = {"description": {"required": False}, "is_active": {"required": False}}
        validators = []


class RequestKindSerializer(serializers.ModelSerializer):
    team = serializers.PrimaryKeyRelatedField(queryset=Team.objects.all())

    class Meta:
        model = RequestKind
        fields = ["id", "team", "code", "name", "turnaround_hours", "is_active", "updated_at"]
        read_only_fields = ["id", "updated_at"]
        extra_kwargs = {"is_active": {"required": False}, "code": {"validators": []}}


class RequestKindUpdateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=120, required=False)
    turnaround_hours = serializers.DecimalField(max_digits=6, decimal_places=2, required=False)
    is_active = serializers.BooleanField(required=False)


class InternalRequestSerializer(serializers.ModelSerializer):
    team_name = serializers.CharField(source="team.name", read_only=True)
    kind_code = serializers.CharField(source="kind.code", read_only=True)

    class Meta:
        model = InternalRequest
        fields = [
            "id", "team", "team_name", "kind", "kind_code", "subject", "details", "status", "requested_by",
            "requested_at", "due_at", "target_hours", "assignee", "taken_at", "completed_by", "completed_at",
            "completion_note", "turnaround_hours", "on_time", "source", "source_id", "rating", "rating_comment",
            "rated_at", "updated_at",
        ]  # fmt: skip
        read_only_fields = fields


class InternalRequestCreateSerializer(serializers.Serializer):
    kind = serializers.PrimaryKeyRelatedField(queryset=RequestKind.objects.select_related("team"))
    subject = serializers.CharField(max_length=200)
    details = serializers.CharField(required=False, allow_blank=True, default="")


class InternalAssignSerializer(serializers.Serializer):
    assignee = serializers.PrimaryKeyRelatedField(queryset=forms.staff_users())


class InternalCompleteSerializer(serializers.Serializer):
    note = serializers.CharField()


class InternalRateSerializer(serializers.Serializer):
    rating = serializers.IntegerField(min_value=1, max_value=5)
    comment = serializers.CharField(required=False, allow_blank=True, default="")


class TeamFilter(SyncFilterSet):
    class Meta:
        model = Team
        fields = ["is_active"]


class KindFilter(SyncFilterSet):
    class Meta:
        model = RequestKind
        fields = ["team", "is_active"]


class RequestFilter(SyncFilterSet):
    status = django_filters.ChoiceFilter(choices=InternalRequest.Status.choices)

    class Meta:
        model = InternalRequest
        fields = ["status"]


class TeamList(generics.ListCreateAPIView):
    """Teams (every role reads); POST creates one (administrators)."""

    permission_classes = [ReadAllWriteAdmin]
    serializer_class = InternalTeamSerializer
    filterset_class = TeamFilter
    pagination_class = CursorPagination

    def get_queryset(self):
        return Team.objects.prefetch_related("members").order_by("-id")

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        team = services.team_create(by=request.user, **serializer.validated_data)
        return Response(self.get_serializer(team).data, status=status.HTTP_201_CREATED)


class TeamDetail(APIView):
    """A team; PATCH changes its name, description, members or is_active (administrators)."""

    permission_classes = [ReadAllWriteAdmin]

    def _team(self, pk: int) -> Team:
        return get_object_or_404(Team.objects.prefetch_related("members"), pk=pk)

    @extend_schema(responses=InternalTeamSerializer)
    def get(self, request, pk: int):
        return Response(InternalTeamSerializer(self._team(pk)).data)

    @extend_schema(request=InternalTeamSerializer(partial=True), responses=InternalTeamSerializer)
    def patch(self, request, pk: int):
        team = self._team(pk)
        serializer = InternalTeamSerializer(team, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        services.team_update(
            team=team,
            name=data.get("name", team.name),
            description=data.get("description", team.description),
            members=data.get("members", list(team.members.all())),
            is_active=data.get("is_active", team.is_active),
            by=request.user,
        )
        return Response(InternalTeamSerializer(self._team(pk)).data)


class KindList(generics.ListCreateAPIView):
    """Kinds of request with their turnaround standard (every role reads); POST adds one (administrators)."""

    permission_classes = [ReadAllWriteAdmin]
    serializer_class = RequestKindSerializer
    filterset_class = KindFilter
    pagination_class = CursorPagination

    def get_queryset(self):
        return RequestKind.objects.order_by("-id")

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        data.pop("is_active", None)
        kind = services.kind_create(by=request.user, **data)
        return Response(self.get_serializer(kind).data, status=status.HTTP_201_CREATED)


class KindDetail(APIView):
    permission_classes = [ReadAllWriteAdmin]

    @extend_schema(responses=RequestKindSerializer)
    def get(self, request, pk: int):
        return Response(RequestKindSerializer(get_object_or_404(RequestKind, pk=pk)).data)

    @extend_schema(request=RequestKindUpdateSerializer, responses=RequestKindSerializer)
    def patch(self, request, pk: int):
        kind = get_object_or_404(RequestKind, pk=pk)
        serializer = RequestKindUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        kind = services.kind_update(
            kind=kind,
            name=data.get("name", kind.name),
            turnaround_hours=data.get("turnaround_hours", kind.turnaround_hours),
            is_active=data.get("is_active", kind.is_active),
            by=request.user,
        )
        return Response(RequestKindSerializer(kind).data)


class TeamQueue(generics.ListAPIView):
    """A team's requests, soonest due first (members of the team and administrators). Without `status`:
    the open and in-progress ones."""

    permission_classes = [roles(*ALL_ROLES)]
    serializer_class = InternalRequestSerializer
    filterset_class = RequestFilter

    class Paging(CursorPagination):
        ordering = ("due_at", "id")

    pagination_class = Paging

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return InternalRequest.objects.none()
        team = get_object_or_404(Team, pk=self.kwargs["pk"])
        if not selectors.can_view_queue(self.request.user, team):
            raise PermissionDenied(_("Only members of the team see its queue."))
        status_given = self.request.query_params.get("status")
        return selectors.team_queue(team=team, status="all" if status_given else "active")


class RequestList(generics.ListCreateAPIView):
    """What the caller asked for, newest first; POST asks a team (due by the kind's standard)."""

    permission_classes = [roles(*ALL_ROLES)]
    serializer_class = InternalRequestSerializer
    filterset_class = RequestFilter
    pagination_class = CursorPagination

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return InternalRequest.objects.none()
        return selectors.requests_of(user=self.request.user)

    @extend_schema(request=InternalRequestCreateSerializer, responses={201: InternalRequestSerializer})
    def post(self, request, *args, **kwargs):
        serializer = InternalRequestCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        created = services.request_open(by=request.user, **serializer.validated_data)
        return Response(InternalRequestSerializer(created).data, status=status.HTTP_201_CREATED)


class RequestDetail(generics.RetrieveAPIView):
    """A request the caller asked for, or one of their team's (administrators: any)."""

    permission_classes = [roles(*ALL_ROLES)]
    serializer_class = InternalRequestSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return InternalRequest.objects.none()
        return selectors.visible_to(self.request.user)


class _Action(APIView):
    permission_classes = [roles(*ALL_ROLES)]
    body = None

    def run(self, item, data, by):
        raise NotImplementedError

    def post(self, request, pk: int):
        item = get_object_or_404(selectors.visible_to(request.user), pk=pk)
        data = {}
        if self.body is not None:
            serializer = self.body(data=request.data)
            serializer.is_valid(raise_exception=True)
            data = serializer.validated_data
        item = self.run(item, data, request.user)
        return Response(InternalRequestSerializer(selectors.request_list().get(pk=item.pk)).data)


class RequestTake(_Action):
    """A member of the team takes the request (an invoice request claims the invoice)."""

    @extend_schema(request=None, responses=InternalRequestSerializer)
    def post(self, request, pk: int):
        return super().post(request, pk)

    def run(self, item, data, by):
        return services.request_take(request=item, by=by)


class RequestAssign(_Action):
    """A member of the team (or an administrator) gives the request to a member."""

    body = InternalAssignSerializer

    @extend_schema(request=InternalAssignSerializer, responses=InternalRequestSerializer)
    def post(self, request, pk: int):
        return super().post(request, pk)

    def run(self, item, data, by):
        return services.request_assign(request=item, to=data["assignee"], by=by)


class RequestComplete(_Action):
    """The member who took it (or any member, if nobody did) completes it with a note."""

    body = InternalCompleteSerializer

    @extend_schema(request=InternalCompleteSerializer, responses=InternalRequestSerializer)
    def post(self, request, pk: int):
        return super().post(request, pk)

    def run(self, item, data, by):
        return services.request_complete(request=item, by=by, note=data["note"])


class RequestRate(_Action):
    """The requester rates a done request once, 1 to 5."""

    body = InternalRateSerializer

    @extend_schema(request=InternalRateSerializer, responses=InternalRequestSerializer)
    def post(self, request, pk: int):
        return super().post(request, pk)

    def run(self, item, data, by):
        return services.request_rate(request=item, by=by, **data)
