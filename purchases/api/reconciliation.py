"""REST endpoint of the reconciliation: the latest runs with their mismatches (accountants and administrators);
POST runs the checks now and answers the new run."""

from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers, status
from rest_framework.response import Response

from crm.api.filters import since_filterset
from crm.api.permissions import roles
from crm.roles import Role

from .. import selectors, services
from ..models import ReconciliationRun


class ReconciliationRunSerializer(serializers.ModelSerializer):
    trigger = serializers.CharField(read_only=True, help_text=gettext_lazy("nightly or manual"))
    mismatches = serializers.JSONField(
        read_only=True, help_text=gettext_lazy("[{check, message, rows: [{model, id, label}], ...}], one per mismatch")
    )

    class Meta:
        model = ReconciliationRun
        fields = [
            "id", "trigger", "requested_by", "started_at", "finished_at", "checks", "mismatch_count", "mismatches",
        ]  # fmt: skip
        read_only_fields = fields


class ReconciliationRuns(generics.ListAPIView):
    """Reconciliation runs, latest first (accountants and administrators); POST runs the checks now (201)."""

    permission_classes = [roles(Role.ACCOUNTANT, Role.ADMINISTRATOR)]
    serializer_class = ReconciliationRunSerializer
    filterset_class = since_filterset(ReconciliationRun, "started_at")  # a run is written whole when it ends

    def get_queryset(self):
        return selectors.reconciliation_run_list()

    @extend_schema(request=None, responses={201: ReconciliationRunSerializer})
    def post(self, request):
        run = services.reconciliation_run(trigger=ReconciliationRun.Trigger.MANUAL, by=request.user)
        return Response(ReconciliationRunSerializer(run).data, status=status.HTTP_201_CREATED)
