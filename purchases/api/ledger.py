"""REST endpoints of the ledger: sales (recorded idempotently by external_id), returns and discount corrections."""

import django_filters
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from clients import selectors as client_selectors
from clients.models import Client
from crm.api.filters import IdFilter, SyncFilterSet, UtcDateTimeFilter
from crm.api.permissions import ALL_ROLES, roles
from crm.roles import Role

from .. import forms, selectors, services
from ..models import Purchase, PurchaseLine
from .catalogue import TierSerializer

SM, ADM = Role.SALES_MANAGER, Role.ADMINISTRATOR
RecordPurchases = roles(SM, ADM, read=ALL_ROLES)


class LineInputSerializer(serializers.Serializer):
    product = serializers.CharField(help_text=gettext_lazy("Product id or SKU."))
    quantity = serializers.DecimalField(max_digits=12, decimal_places=3)
    unit_price = serializers.DecimalField(max_digits=14, decimal_places=2, required=False, allow_null=True)
    reason = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=500,
        help_text=gettext_lazy(
            "Why the price is below the catalogue price by more than PRICE_OVERRIDE_ALLOWANCE_PERCENT "
            "(required then; the line is audited as a price override)."
        ),
    )


class PurchaseCreateSerializer(serializers.Serializer):
    client = serializers.PrimaryKeyRelatedField(queryset=Client.objects.all())
    external_id = serializers.CharField(required=False, allow_blank=True, allow_null=True, max_length=100)
    purchased_at = serializers.DateTimeField(required=False)
    lines = LineInputSerializer(many=True, allow_empty=False)
    discount_override = serializers.DecimalField(
        max_digits=5, decimal_places=2, required=False, allow_null=True, help_text=gettext_lazy("Administrators only.")
    )
    reason = serializers.CharField(
        required=False, allow_blank=True, help_text=gettext_lazy("Required with discount_override.")
    )

    def validate_lines(self, lines) -> list[services.LineInput]:
        return forms.purchase_lines(lines)  # the products behind the references, as the record page finds them


class PurchaseResultSerializer(serializers.ModelSerializer):
    tier = TierSerializer(read_only=True, allow_null=True)
    client_cumulative_total = serializers.DecimalField(
        source="cumulative_after", max_digits=14, decimal_places=2, read_only=True
    )

    class Meta:
        model = Purchase
        fields = [
            "id",
            "gross_total",
            "discount_percent",
            "discount_amount",
            "net_total",
            "tier",
            "client_cumulative_total",
        ]


class PurchaseLineSerializer(serializers.ModelSerializer):
    sku = serializers.CharField(source="product.sku", read_only=True)

    class Meta:
        model = PurchaseLine
        fields = [
            "id",
            "product",
            "sku",
            "original_line",
            "quantity",
            "unit_price",
            "gross_amount",
            "discount_amount",
            "net_amount",
            "unit_cost",
            "discount_eligible",
            "incentive_weight",
        ]


class PurchaseSerializer(PurchaseResultSerializer):
    lines = PurchaseLineSerializer(many=True, read_only=True)
    # Plain strings (not enums) in the schema: "kind" is a name other apps' enums use too.
    kind = serializers.CharField(read_only=True, help_text=gettext_lazy("sale, return or correction"))

    class Meta(PurchaseResultSerializer.Meta):
        fields = [
            *PurchaseResultSerializer.Meta.fields,
            "client",
            "kind",
            "original",
            "external_id",
            "purchased_at",
            "recorded_by",
            "cumulative_before",
            "discount_override_reason",
            "note",
            "lines",
            "created_at",
        ]


class PurchaseFilter(SyncFilterSet):
    # Entries never change, so what changed since the last sync is what was created since (there is no updated_at).
    updated_since = UtcDateTimeFilter(field_name="created_at", lookup_expr="gte")
    client = IdFilter(method="filter_client", help_text=gettext_lazy("The client's ledger, over its lineage."))
    date_from = django_filters.DateFilter(field_name="purchased_at", lookup_expr="date__gte")
    date_to = django_filters.DateFilter(field_name="purchased_at", lookup_expr="date__lte")

    class Meta:
        model = Purchase
        fields = ["client", "kind"]

    def filter_client(self, queryset, name, value):
        return queryset.filter(client_selectors.client_lineage_q(client=int(value)))


class PurchaseList(generics.ListAPIView):
    """The ledger (cursor-paginated; filters: client, kind, date_from, date_to, updated_since). POST records a
    sale (sales managers and administrators); a repeated external_id answers 200 with the first result."""

    permission_classes = [RecordPurchases]
    serializer_class = PurchaseSerializer
    filterset_class = PurchaseFilter

    def get_queryset(self):
        return selectors.purchase_list().prefetch_related("lines__product")

    @extend_schema(request=PurchaseCreateSerializer, responses={201: PurchaseResultSerializer})
    def post(self, request):
        serializer = PurchaseCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        purchase, created = services.purchase_record(
            client=data["client"],
            lines=data["lines"],
            by=request.user,
            external_id=data.get("external_id"),
            purchased_at=data.get("purchased_at"),
            discount_override=data.get("discount_override"),
            reason=data.get("reason", ""),
        )
        code = status.HTTP_201_CREATED if created else status.HTTP_200_OK  # a repeated external_id: the first result
        return Response(PurchaseResultSerializer(purchase).data, status=code)


class PurchaseDetail(generics.RetrieveAPIView):
    permission_classes = [RecordPurchases]
    serializer_class = PurchaseSerializer

    def get_queryset(self):
        return selectors.purchase_list().prefetch_related("lines__product")


class ReturnLineSerializer(serializers.Serializer):
    line = serializers.IntegerField(help_text=gettext_lazy("Id of the purchase line returned."))
    quantity = serializers.DecimalField(max_digits=12, decimal_places=3)


class ReturnCreateSerializer(serializers.Serializer):
    lines = ReturnLineSerializer(many=True, required=False, help_text=gettext_lazy("Omit to return everything left."))
    external_id = serializers.CharField(required=False, allow_blank=True, allow_null=True, max_length=100)
    reason = serializers.CharField(required=False, allow_blank=True)

    def validate_lines(self, lines) -> list[services.ReturnLineInput]:
        return forms.return_lines(lines, original=self.context["original"])


class PurchaseReturns(APIView):
    """POST a return of some lines (or, without lines, of all that is left) of a sale."""

    permission_classes = [roles(SM, ADM)]

    @extend_schema(request=ReturnCreateSerializer, responses={201: PurchaseSerializer})
    def post(self, request, pk):
        original = get_object_or_404(selectors.purchase_list(), pk=pk)
        serializer = ReturnCreateSerializer(data=request.data, context={"original": original})
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        entry, created = services.purchase_return(
            original=original,
            by=request.user,
            lines=data.get("lines"),
            external_id=data.get("external_id"),
            reason=data.get("reason", ""),
        )
        code = status.HTTP_201_CREATED if created else status.HTTP_200_OK
        return Response(PurchaseSerializer(selectors.purchase_get(pk=entry.pk)).data, status=code)


class OverrideSerializer(serializers.Serializer):
    percent = serializers.DecimalField(max_digits=5, decimal_places=2)
    reason = serializers.CharField()


class PurchaseOverride(APIView):
    """An administrator changes a recorded sale's discount: answers the correction entry (audited)."""

    permission_classes = [roles(ADM)]

    @extend_schema(request=OverrideSerializer, responses={201: PurchaseSerializer})
    def post(self, request, pk):
        purchase = get_object_or_404(selectors.purchase_list(), pk=pk)
        serializer = OverrideSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        entry = services.purchase_discount_override(purchase=purchase, by=request.user, **serializer.validated_data)
        return Response(PurchaseSerializer(selectors.purchase_get(pk=entry.pk)).data, status=status.HTTP_201_CREATED)
