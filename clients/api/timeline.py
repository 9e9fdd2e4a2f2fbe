"""Clients API for the relationship: a client's interactions and promises, follow-up tasks, and closing
tasks and resolving promises."""

import django_filters
from django.contrib.auth import get_user_model
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from crm.api.filters import IdFilter, SyncFilterSet
from crm.roles import has_role

from .. import selectors, services
from ..models import Client, FollowUpTask, Interaction, Promise
from .common import ADM, SM, StaffWrite, choice_field


def sync_filter(model_class):
    """A filter set with only `updated_since`, for a list of `model_class`."""
    meta = type("Meta", (), {"model": model_class, "fields": ["updated_since"]})
    return type(f"{model_class.__name__}SyncFilter", (SyncFilterSet,), {"Meta": meta})


class InteractionSerializer(serializers.ModelSerializer):
    kind = choice_field(Interaction.Kind.choices, "InteractionKindEnum")
    staff = serializers.IntegerField(source="staff_id", read_only=True)

    class Meta:
        model = Interaction
        fields = [
            "id", "kind", "occurred_at", "staff", "channel", "summary", "next_step", "next_step_due", "updated_at",
        ]  # fmt: skip
        read_only_fields = ["id", "staff", "updated_at"]
        extra_kwargs = {"occurred_at": {"required": False}}


class PromiseSerializer(serializers.ModelSerializer):
    status = choice_field(Promise.Status.choices, "PromiseStatusEnum", read_only=True)
    promised_by = serializers.IntegerField(source="promised_by_id", read_only=True)

    class Meta:
        model = Promise
        fields = [
            "id", "client", "text", "promised_by", "due_date", "status", "resolution", "resolved_at", "updated_at",
        ]  # fmt: skip
        read_only_fields = ["id", "client", "promised_by", "status", "resolution", "resolved_at", "updated_at"]


class TaskSerializer(serializers.ModelSerializer):
    kind = choice_field(FollowUpTask.Kind.choices, "TaskKindEnum", required=False)
    status = choice_field(FollowUpTask.Status.choices, "TaskStatusEnum", read_only=True)
    client = serializers.PrimaryKeyRelatedField(queryset=Client.objects.filter(merged_into__isnull=True))
    assignee = serializers.PrimaryKeyRelatedField(
        queryset=get_user_model().objects.filter(groups__name__in=[SM, ADM]).distinct(), required=False
    )

    class Meta:
        model = FollowUpTask
        fields = [
            "id", "client", "assignee", "kind", "title", "details", "due_date", "status", "completed_at", "updated_at",
        ]  # fmt: skip
        read_only_fields = ["id", "status", "completed_at", "updated_at"]


class _ClientChildList(generics.ListCreateAPIView):
    """A client's rows; `updated_since` fetches only what changed (ERP sync)."""

    permission_classes = [StaffWrite]
    filter_backends = [django_filters.rest_framework.DjangoFilterBackend]

    def client(self) -> Client:
        if not hasattr(self, "_client"):
            self._client = get_object_or_404(Client, pk=self.kwargs["pk"])
        return self._client


class ClientInteractions(_ClientChildList):
    """The client's timeline. POST logs an interaction on a client you may write on (sales managers: own and
    unassigned clients); a next step with a due date becomes a task."""

    serializer_class = InteractionSerializer
    filterset_class = sync_filter(Interaction)

    queryset = Interaction.objects.none()  # for the schema

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return self.queryset
        return selectors.interaction_list(client=self.client()).order_by("-occurred_at", "-id")

    def perform_create(self, serializer):
        serializer.instance = services.interaction_create(
            client=self.client(), staff=self.request.user, **serializer.validated_data
        )


class ClientPromises(_ClientChildList):
    """The client's promises. POST promises something on a client you may write on."""

    serializer_class = PromiseSerializer
    filterset_class = sync_filter(Promise)

    queryset = Promise.objects.none()  # for the schema

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return self.queryset
        return selectors.promise_list(client=self.client()).order_by("-id")

    def perform_create(self, serializer):
        serializer.instance = services.promise_create(
            client=self.client(), promised_by=self.request.user, **serializer.validated_data
        )


class TaskFilter(SyncFilterSet):
    status = django_filters.ChoiceFilter(choices=FollowUpTask.Status.choices)
    assignee = IdFilter(field_name="assignee_id")
    client = IdFilter(field_name="client_id")
    due_before = django_filters.DateFilter(field_name="due_date", lookup_expr="lte")

    class Meta:
        model = FollowUpTask
        fields = ["status", "assignee", "client", "due_before", "updated_since"]


class TaskListCreate(generics.ListCreateAPIView):
    """Follow-up tasks. Sales managers see their own; administrators everyone's. POST: a task on a client you
    may write on (sales managers: own and unassigned clients), for yourself (`assignee` omitted or your own
    id); only an administrator gives a task to a colleague."""

    permission_classes = [StaffWrite]
    serializer_class = TaskSerializer
    filterset_class = TaskFilter
    filter_backends = [django_filters.rest_framework.DjangoFilterBackend]

    queryset = FollowUpTask.objects.none()  # for the schema

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return self.queryset
        assignee = None if has_role(self.request.user, ADM) else self.request.user
        return selectors.task_list(assignee=assignee).order_by("-id")

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        data.setdefault("assignee", self.request.user)
        serializer.instance, _ = services.task_create(by=self.request.user, **data)


class ResolveSerializer(serializers.Serializer):
    how = serializers.CharField(
        required=False, allow_blank=True, default="", help_text=gettext_lazy("How it was kept.")
    )
    reason = serializers.CharField(
        required=False, allow_blank=True, default="", help_text=gettext_lazy("Why it was broken.")
    )


class TaskClose(APIView):
    """POST tasks/<id>/complete/ or tasks/<id>/cancel/: the assignee or an administrator closes a task."""

    permission_classes = [StaffWrite]
    action = "complete"

    @extend_schema(request=None, responses=TaskSerializer)
    def post(self, request, pk):
        task = get_object_or_404(FollowUpTask, pk=pk)
        close = services.task_complete if self.action == "complete" else services.task_cancel
        task = close(task=task, by=request.user)
        return Response(TaskSerializer(task).data)


class PromiseResolve(APIView):
    """POST promises/<id>/keep/ {"how"} or promises/<id>/break/ {"reason"}: who promised it or an
    administrator resolves an open promise."""

    permission_classes = [StaffWrite]
    action = "keep"

    @extend_schema(request=ResolveSerializer, responses=PromiseSerializer)
    def post(self, request, pk):
        promise = get_object_or_404(Promise, pk=pk)
        data = ResolveSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        if self.action == "keep":
            promise = services.promise_keep(promise=promise, how=data.validated_data["how"], by=request.user)
        else:
            promise = services.promise_break(promise=promise, reason=data.validated_data["reason"], by=request.user)
        return Response(PromiseSerializer(promise).data)
