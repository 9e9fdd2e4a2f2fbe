"""GET /api/v1/ops/: the operations snapshot as JSON, for administrators (a monitoring system polls it with an
administrator's token). /healthz stays the cheap probe for load balancers; this one reads every section."""

from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from crm.api.permissions import IsAdministrator

from . import selectors


class OpsServiceSerializer(serializers.Serializer):
    ok = serializers.BooleanField()
    status = serializers.CharField(help_text=gettext_lazy('"ok", or "down: <error class>"'))


class OpsBrokerSerializer(OpsServiceSerializer):
    transport = serializers.CharField(help_text=gettext_lazy("redis, filesystem, ..."))


class OpsQueueSerializer(serializers.Serializer):
    name = serializers.CharField()
    depth = serializers.IntegerField(
        allow_null=True, help_text=gettext_lazy("Messages waiting; null when the broker cannot say.")
    )


class OpsWorkerSerializer(serializers.Serializer):
    worker = serializers.CharField()
    seen_at = serializers.DateTimeField()
    age_seconds = serializers.IntegerField()
    stale = serializers.BooleanField()


class OpsOldestPendingSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    event = serializers.CharField()
    channel = serializers.CharField()
    created_at = serializers.DateTimeField()
    due_at = serializers.DateTimeField()
    attempts = serializers.IntegerField()
    age_seconds = serializers.IntegerField(help_text=gettext_lazy("Since the row was written."))
    waiting_seconds = serializers.IntegerField(
        help_text=gettext_lazy("Since it fell due (what the threshold measures).")
    )


class OpsOutboxSerializer(serializers.Serializer):
    pending = serializers.IntegerField()
    sending = serializers.IntegerField()
    failed = serializers.IntegerField()
    failed_url = serializers.CharField(help_text=gettext_lazy("The outbox page filtered by failed."))
    oldest_pending = OpsOldestPendingSerializer(
        allow_null=True, help_text=gettext_lazy("The due pending row waiting longest.")
    )


class OpsImportJobSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    filename = serializers.CharField()
    status = serializers.CharField()
    state = serializers.CharField(help_text=gettext_lazy("stuck or failed"))
    created_at = serializers.DateTimeField()
    age_seconds = serializers.IntegerField()
    processed = serializers.IntegerField()
    total = serializers.IntegerField()
    message = serializers.CharField()


class OpsRunSerializer(serializers.Serializer):
    kind = serializers.CharField(help_text='Which job: "report_run", ...')
    id = serializers.IntegerField()
    label = serializers.CharField()
    status = serializers.CharField()
    state = serializers.CharField(help_text="stuck or failed")
    created_at = serializers.DateTimeField()
    age_seconds = serializers.IntegerField()
    processed = serializers.IntegerField(help_text="Steps done.")
    total = serializers.IntegerField(help_text="Steps in all.")
    message = serializers.CharField()
    url = serializers.CharField(help_text="The job's page.")


class OpsStalledNewsSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    processed = serializers.IntegerField()
    total = serializers.IntegerField()
    started_at = serializers.DateTimeField(allow_null=True)
    updated_at = serializers.DateTimeField()
    idle_seconds = serializers.IntegerField()


class OpsJobsSerializer(serializers.Serializer):
    imports = OpsImportJobSerializer(many=True)
    imports_stuck = serializers.IntegerField()
    imports_failed = serializers.IntegerField()
    runs = OpsRunSerializer(many=True, help_text="Other stuck or failed jobs (report runs).")
    runs_stuck = serializers.IntegerField()
    runs_failed = serializers.IntegerField()
    news_stalled = OpsStalledNewsSerializer(many=True)
    news_stalled_after_seconds = serializers.IntegerField()


class OpsPeriodicJobSerializer(serializers.Serializer):
    name = serializers.CharField()
    task = serializers.CharField()
    schedule = serializers.CharField()
    last_run_at = serializers.DateTimeField(allow_null=True)
    next_due_at = serializers.DateTimeField(
        allow_null=True, help_text=gettext_lazy("The run after the last one; null: one-off.")
    )
    late = serializers.BooleanField()


class OpsAlertSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()
    value = serializers.IntegerField()
    limit = serializers.IntegerField()
    crossed = serializers.BooleanField()


class OpsSnapshotSerializer(serializers.Serializer):
    status = serializers.CharField(
        help_text=gettext_lazy('"ok", or "attention" when a service is down or a threshold crossed')
    )
    generated_at = serializers.DateTimeField()
    thresholds = serializers.DictField(child=serializers.IntegerField(), help_text=gettext_lazy("settings.OPS_ALERTS"))
    database = OpsServiceSerializer()
    broker = OpsBrokerSerializer()
    queues = OpsQueueSerializer(many=True)
    workers = OpsWorkerSerializer(many=True)
    outbox = OpsOutboxSerializer()
    jobs = OpsJobsSerializer()
    periodic = OpsPeriodicJobSerializer(many=True)
    alerts = OpsAlertSerializer(many=True)


class OpsSnapshot(APIView):
    permission_classes = [IsAdministrator]

    @extend_schema(
        operation_id="ops_snapshot",
        responses={
            200: OpenApiResponse(
                OpsSnapshotSerializer,
                description=(
                    "Database and broker status, queue depths, worker heartbeats, the outbox (pending, failed, "
                    "the due row waiting longest), stuck or failed jobs, each enabled periodic job with its "
                    "last run and whether it is late, and every alert threshold with its figure."
                ),
            ),
            403: OpenApiResponse(description="Not an administrator."),
        },
    )
    def get(self, request):
        return Response(OpsSnapshotSerializer(selectors.ops_snapshot()).data)
