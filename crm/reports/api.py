"""/api/v1/reports/: the latest snapshot of a report (or the newest generated on or before ?generated=),
the list of past snapshots, a snapshot's rows (cursor-paginated; a sales manager gets their own clients'),
CSV, and an administrator's "generate now". The reads are on the replica when one is configured (after
authentication and permissions, which read the primary)."""

import django_filters.rest_framework
from django.http import Http404
from django.utils.translation import gettext, gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response
from rest_framework.views import APIView

from crm.api.filters import SyncFilterSet, since_filterset
from crm.api.pagination import CursorPagination
from crm.api.permissions import IsAdministrator, roles
from crm.db import reads_from_replica

from . import export, running, satisfaction, selectors, services
from .models import ReportKind, ReportPeriod, ReportRow, ReportRun, ReportSnapshot


class SnapshotSerializer(serializers.ModelSerializer):
    # plain strings: "kind"/"period" enums would collide with other apps' choice sets in the schema
    kind = serializers.CharField(read_only=True, help_text=gettext_lazy("value, perks or trends"))
    period = serializers.CharField(read_only=True, help_text=gettext_lazy("weekly or monthly"))

    class Meta:
        model = ReportSnapshot
        fields = ["id", "kind", "period", "period_start", "period_end", "generated_at", "row_count", "parameters"]


class SnapshotDetailSerializer(SnapshotSerializer):
    summary = serializers.SerializerMethodField()
    rows_url = serializers.SerializerMethodField()
    csv_url = serializers.SerializerMethodField()

    class Meta(SnapshotSerializer.Meta):
        fields = [*SnapshotSerializer.Meta.fields, "summary", "rows_url", "csv_url"]

    def get_summary(self, obj) -> dict:
        return selectors.summary_for(snapshot=obj, user=self.context["request"].user)

    def get_rows_url(self, obj) -> str:
        return f"/api/v1/reports/{obj.kind}/snapshots/{obj.pk}/rows/"

    def get_csv_url(self, obj) -> str:
        return f"/api/v1/reports/{obj.kind}/snapshots/{obj.pk}/csv/"


class RowSerializer(serializers.ModelSerializer):
    class Meta:
        model = ReportRow
        fields = ["position", "client_id", "manager", "flagged", "data"]


class LatestQuery(serializers.Serializer):
    generated = serializers.DateField(
        required=False, input_formats=["%Y-%m-%d"], error_messages={"invalid": "Enter a date as YYYY-MM-DD."}
    )


class RowsQuery(serializers.Serializer):
    attention = serializers.BooleanField(required=False, default=False, help_text=gettext_lazy("Only flagged rows."))
    manager = serializers.IntegerField(
        required=False,
        min_value=1,
        help_text=gettext_lazy("Value report: one manager's clients (ignored for sales managers)."),
    )


class GenerateInput(serializers.Serializer):
    period = serializers.ChoiceField(choices=ReportPeriod.choices)


class KindSerializer(serializers.Serializer):
    kind = serializers.CharField()
    label = serializers.CharField()
    latest = SnapshotSerializer(allow_null=True)


def _kind(request, kind: str) -> str:
    if kind not in ReportKind.values:
        raise Http404
    if not selectors.can_view(request.user, kind):
        raise PermissionDenied(gettext("Your role may not see this report."))
    return kind


def _snapshot(request, kind: str, pk: int) -> ReportSnapshot:
    snapshot = selectors.snapshot_get(kind=_kind(request, kind), pk=pk)
    if snapshot is None:
        raise Http404
    return snapshot


class ReportKindList(APIView):
    @extend_schema(responses=KindSerializer(many=True))
    @reads_from_replica
    def get(self, request):
        kinds = selectors.kinds_for(request.user)
        latest = selectors.latest_per_kind(kinds=kinds)
        data = [{"kind": k, "label": ReportKind(k).label, "latest": latest.get(k)} for k in kinds]
        return Response(KindSerializer(data, many=True).data)


class ReportLatest(APIView):
    @extend_schema(
        parameters=[OpenApiParameter("generated", OpenApiTypes.DATE, description="Newest generated on or before.")],
        responses=SnapshotDetailSerializer,
    )
    @reads_from_replica
    def get(self, request, kind: str):
        kind = _kind(request, kind)
        query = LatestQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        snapshot = selectors.snapshot_latest(kind=kind, generated_on=query.validated_data.get("generated"))
        if snapshot is None:
            raise Http404
        return Response(SnapshotDetailSerializer(snapshot, context={"request": request}).data)


class SnapshotList(generics.ListAPIView):
    serializer_class = SnapshotSerializer
    pagination_class = CursorPagination
    filterset_class = since_filterset(ReportSnapshot, "generated_at")  # a snapshot never changes once written

    @reads_from_replica
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return ReportSnapshot.objects.none()
        return ReportSnapshot.objects.filter(kind=_kind(self.request, self.kwargs["kind"]))


class SnapshotDetail(APIView):
    @extend_schema(responses=SnapshotDetailSerializer)
    @reads_from_replica
    def get(self, request, kind: str, pk: int):
        snapshot = _snapshot(request, kind, pk)
        return Response(SnapshotDetailSerializer(snapshot, context={"request": request}).data)


class RowPagination(CursorPagination):
    ordering = "position"
    page_size = 100
    max_page_size = 1000


class SnapshotRows(generics.ListAPIView):
    serializer_class = RowSerializer
    pagination_class = RowPagination
    filter_backends = []

    @extend_schema(parameters=[RowsQuery])
    @reads_from_replica
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        snapshot = _snapshot(self.request, self.kwargs["kind"], self.kwargs["pk"])
        query = RowsQuery(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        return selectors.row_list(
            snapshot=snapshot,
            user=self.request.user,
            flagged_only=query.validated_data["attention"],
            manager_id=query.validated_data.get("manager"),
        )


class SnapshotCsv(APIView):
    @extend_schema(responses={(200, "text/csv"): OpenApiTypes.STR})
    @reads_from_replica
    def get(self, request, kind: str, pk: int):
        snapshot = _snapshot(request, kind, pk)
        return export.csv_response(
            request, snapshot=snapshot, rows=selectors.row_list(snapshot=snapshot, user=request.user)
        )


class ReportGenerate(APIView):
    permission_classes = [IsAdministrator]

    @extend_schema(request=GenerateInput, responses={202: GenerateInput})
    def post(self, request):
        data = GenerateInput(data=request.data)
        data.is_valid(raise_exception=True)
        services.reports_generation_queue(period=data.validated_data["period"], by=request.user)
        return Response(data.validated_data, status=status.HTTP_202_ACCEPTED)


class SatisfactionQuery(serializers.Serializer):
    months = serializers.ChoiceField(choices=satisfaction.MONTH_CHOICES, required=False, default=12)
    by = serializers.MultipleChoiceField(
        choices=list(satisfaction.DIMENSIONS), required=False, help_text="Breakdowns (default: all three)."
    )


class ScorePoint(serializers.Serializer):
    month = serializers.CharField(help_text="YYYY-MM")
    responses = serializers.IntegerField()
    satisfaction = serializers.FloatField(allow_null=True, help_text="Average, 1 to 5")
    nps = serializers.FloatField(allow_null=True, help_text="Net promoter score, -100 to 100")


class ScoreEntry(serializers.Serializer):
    key = serializers.IntegerField(allow_null=True, help_text="The manager's, segment's or product's id")
    label = serializers.CharField()
    responses = serializers.IntegerField()
    satisfaction = serializers.FloatField(allow_null=True)
    nps = serializers.FloatField(allow_null=True)
    series = ScorePoint(many=True)


class ScoreOverall(serializers.Serializer):
    responses = serializers.IntegerField()
    satisfaction = serializers.FloatField(allow_null=True)
    nps = serializers.FloatField(allow_null=True)
    series = ScorePoint(many=True)


class SatisfactionSerializer(serializers.Serializer):
    months = serializers.ListField(child=serializers.CharField(), help_text="YYYY-MM, oldest first")
    overall = ScoreOverall()
    manager = ScoreEntry(many=True, required=False)
    segment = ScoreEntry(many=True, required=False)
    product = ScoreEntry(many=True, required=False)


def _month_text(data: dict) -> dict:
    def points(series):
        return [{**p, "month": p["month"].strftime("%Y-%m")} for p in series]

    out = {"months": [m.strftime("%Y-%m") for m in data["months"]]}
    out["overall"] = {**data["overall"], "series": points(data["overall"]["series"])}
    for key in satisfaction.DIMENSIONS:
        if key in data:
            out[key] = [{**e, "series": points(e["series"])} for e in data[key]]
    return out


class SatisfactionScores(APIView):
    """Client satisfaction (1-5) and NPS per month, overall and per manager, segment and product (the same
    figures as the page /reports/satisfaction/). Administrators: every answer; sales managers: their own
    clients'."""

    permission_classes = [roles(*satisfaction.VIEWERS)]

    @extend_schema(parameters=[SatisfactionQuery], responses=SatisfactionSerializer)
    @reads_from_replica
    def get(self, request):
        query = SatisfactionQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        by = query.validated_data.get("by") or list(satisfaction.DIMENSIONS)
        data = satisfaction.scores(
            user=request.user,
            months=query.validated_data["months"],
            dimensions=[d for d in satisfaction.DIMENSIONS if d in by],
        )
        return Response(_month_text(data))


# --- report runs: administrators only, read on the primary (progress must be current) ---


class ReportRunSerializer(serializers.ModelSerializer):
    period = serializers.CharField(read_only=True, help_text="weekly or monthly")
    status = serializers.CharField(read_only=True, help_text="queued, running, done or failed")
    kinds = serializers.ListField(child=serializers.CharField(), read_only=True, help_text="One step per report.")
    step_errors = serializers.DictField(
        child=serializers.CharField(), read_only=True, help_text="{kind: reason} of reports that were given up."
    )
    total = serializers.IntegerField(read_only=True, help_text="Steps in all.")
    created_by = serializers.IntegerField(source="created_by_id", read_only=True, allow_null=True)
    snapshots = serializers.SerializerMethodField()

    class Meta:
        model = ReportRun
        fields = [
            "id", "period", "as_of", "kinds", "status", "cursor", "total", "step_errors", "message", "attempts",
            "leased_by", "leased_until", "created_by", "created_at", "updated_at", "started_at", "finished_at",
            "snapshots",
        ]  # fmt: skip
        read_only_fields = fields

    def get_snapshots(self, obj) -> list[int]:
        """The snapshots the run saved so far (prefetched)."""
        return [s.pk for s in obj.snapshots.all()]


class ReportRunInput(serializers.Serializer):
    period = serializers.ChoiceField(choices=ReportPeriod.choices)
    as_of = serializers.DateTimeField(
        required=False, help_text="The reports' 'as of' moment (default: the start of today)."
    )
    kinds = serializers.ListField(
        child=serializers.ChoiceField(choices=ReportKind.choices),
        required=False,
        allow_empty=False,
        help_text="The reports to make (default: all), in order.",
    )


class ReportRunFilter(SyncFilterSet):
    class Meta:
        model = ReportRun
        fields = ["updated_since"]


class ReportRunList(generics.ListAPIView):
    """GET: report runs, newest first (cursor paging; `updated_since` for what changed). POST: start a run
    (an active run for the same period and moment is returned instead of a second one)."""

    permission_classes = [IsAdministrator]
    serializer_class = ReportRunSerializer
    pagination_class = CursorPagination
    filterset_class = ReportRunFilter
    filter_backends = [django_filters.rest_framework.DjangoFilterBackend]

    def get_queryset(self):
        return selectors.run_list().prefetch_related("snapshots")

    @extend_schema(request=ReportRunInput, responses={201: ReportRunSerializer})
    def post(self, request):
        data = ReportRunInput(data=request.data)
        data.is_valid(raise_exception=True)
        run = running.report_run_start(**data.validated_data, by=request.user)
        run = selectors.run_get(pk=run.pk)
        return Response(ReportRunSerializer(run).data, status=status.HTTP_201_CREATED)


class ReportRunDetail(APIView):
    permission_classes = [IsAdministrator]

    @extend_schema(responses=ReportRunSerializer)
    def get(self, request, pk: int):
        run = selectors.run_get(pk=pk)
        if run is None:
            raise Http404
        return Response(ReportRunSerializer(run).data)
