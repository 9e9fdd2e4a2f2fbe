"""REST endpoints for the catalogue, the ledger and invoices. Thin: parse, select, one service, serialize."""

import django_filters
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from clients.models import Client
from crm.api.filters import SyncFilterSet
from crm.api.permissions import ALL_ROLES, ReadAllWriteAdmin, roles
from crm.roles import Role

from . import selectors, services
from .models import DiscountTier, Invoice, InvoicePayment, Product, ProductWeight, Purchase, PurchaseLine
from .pdf import invoice_pdf

SM, ACC, ADM = Role.SALES_MANAGER, Role.ACCOUNTANT, Role.ADMINISTRATOR
RecordPurchases = roles(SM, ADM, read=ALL_ROLES)
AccountantsOnly = roles(ACC)


# --- catalogue ---------------------------------------------------------------------------------------------


class ProductSerializer(serializers.ModelSerializer):
    category_name = serializers.CharField(source="category.name", read_only=True)

    class Meta:
        model = Product
        fields = [
            "id",
            "sku",
            "name",
            "category",
            "category_name",
            "unit_price",
            "unit_cost",
            "incentive_weight",
            "is_locomotive",
            "is_key",
            "consultation_after_days",
            "discount_eligible",
            "is_active",
            "updated_at",
        ]
        read_only_fields = ["id", "updated_at"]
        extra_kwargs = {"incentive_weight": {"help_text": "Changes take effect today; use weights/ to schedule."}}


class ProductFilter(SyncFilterSet):
    class Meta:
        model = Product
        fields = ["category", "is_active", "is_key", "is_locomotive"]


class ProductList(generics.ListCreateAPIView):
    """The catalogue (read: every role; write: administrators)."""

    permission_classes = [ReadAllWriteAdmin]
    serializer_class = ProductSerializer
    filterset_class = ProductFilter
    search_fields = ["sku", "name"]

    def get_queryset(self):
        return selectors.product_list()

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        product = services.product_create(by=request.user, **serializer.validated_data)
        return Response(ProductSerializer(product).data, status=status.HTTP_201_CREATED)


class ProductDetail(generics.RetrieveUpdateAPIView):
    permission_classes = [ReadAllWriteAdmin]
    serializer_class = ProductSerializer

    def get_queryset(self):
        return selectors.product_list()

    def update(self, request, *args, **kwargs):
        product = self.get_object()
        serializer = self.get_serializer(product, data=request.data, partial=kwargs.get("partial", False))
        serializer.is_valid(raise_exception=True)
        product = services.product_update(product=product, by=request.user, **serializer.validated_data)
        return Response(ProductSerializer(product).data)


class ProductWeightSerializer(serializers.ModelSerializer):
    class Meta:
        model = ProductWeight
        fields = ["id", "weight", "effective_from", "created_at"]
        read_only_fields = ["id", "created_at"]


class ProductWeights(generics.ListCreateAPIView):
    """A product's effective-dated incentive weights; POST schedules a weight from a date (today or later)."""

    permission_classes = [ReadAllWriteAdmin]
    serializer_class = ProductWeightSerializer
    pagination_class = None

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return ProductWeight.objects.none()
        return ProductWeight.objects.filter(product_id=self.kwargs["pk"]).order_by("-effective_from")

    def create(self, request, *args, **kwargs):
        product = get_object_or_404(Product, pk=kwargs["pk"])
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        entry = services.product_weight_set(product=product, by=request.user, **serializer.validated_data)
        return Response(ProductWeightSerializer(entry).data, status=status.HTTP_201_CREATED)


class TierSerializer(serializers.ModelSerializer):
    class Meta:
        model = DiscountTier
        fields = ["id", "threshold", "percent", "name"]


class TierList(generics.ListCreateAPIView):
    """Discount tiers: cumulative net threshold -> percent (read: every role; write: administrators)."""

    permission_classes = [ReadAllWriteAdmin]
    serializer_class = TierSerializer
    pagination_class = None

    def get_queryset(self):
        return selectors.tier_list()

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        tier = services.tier_save(**serializer.validated_data)
        return Response(TierSerializer(tier).data, status=status.HTTP_201_CREATED)


class TierDetail(generics.RetrieveUpdateDestroyAPIView):
    permission_classes = [ReadAllWriteAdmin]
    serializer_class = TierSerializer

    def get_queryset(self):
        return selectors.tier_list()

    def update(self, request, *args, **kwargs):
        tier = self.get_object()
        serializer = self.get_serializer(tier, data=request.data, partial=kwargs.get("partial", False))
        serializer.is_valid(raise_exception=True)
        data = {"threshold": tier.threshold, "percent": tier.percent, "name": tier.name, **serializer.validated_data}
        return Response(TierSerializer(services.tier_save(tier=tier, **data)).data)

    def destroy(self, request, *args, **kwargs):
        services.tier_delete(tier=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- ledger ------------------------------------------------------------------------------------------------


class LineInputSerializer(serializers.Serializer):
    product = serializers.CharField(help_text="Product id or SKU.")
    quantity = serializers.DecimalField(max_digits=12, decimal_places=3)
    unit_price = serializers.DecimalField(max_digits=14, decimal_places=2, required=False, allow_null=True)


class PurchaseCreateSerializer(serializers.Serializer):
    client = serializers.PrimaryKeyRelatedField(queryset=Client.objects.all())
    external_id = serializers.CharField(required=False, allow_blank=True, allow_null=True, max_length=100)
    purchased_at = serializers.DateTimeField(required=False)
    lines = LineInputSerializer(many=True, allow_empty=False)
    discount_override = serializers.DecimalField(
        max_digits=5, decimal_places=2, required=False, allow_null=True, help_text="Administrators only."
    )
    reason = serializers.CharField(required=False, allow_blank=True, help_text="Required with discount_override.")


class PurchaseResultSerializer(serializers.ModelSerializer):
    tier = TierSerializer(read_only=True)
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
    kind = serializers.CharField(read_only=True, help_text="sale, return or correction")

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
            "updated_at",
        ]


class PurchaseFilter(SyncFilterSet):
    date_from = django_filters.DateFilter(field_name="purchased_at", lookup_expr="date__gte")
    date_to = django_filters.DateFilter(field_name="purchased_at", lookup_expr="date__lte")

    class Meta:
        model = Purchase
        fields = ["client", "kind"]


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
            lines=[dict(line) for line in data["lines"]],
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
    line = serializers.IntegerField(help_text="Id of the purchase line returned.")
    quantity = serializers.DecimalField(max_digits=12, decimal_places=3)


class ReturnCreateSerializer(serializers.Serializer):
    lines = ReturnLineSerializer(many=True, required=False, help_text="Omit to return everything left.")
    external_id = serializers.CharField(required=False, allow_blank=True, allow_null=True, max_length=100)
    reason = serializers.CharField(required=False, allow_blank=True)


class PurchaseReturns(APIView):
    """POST a return of some lines (or, without lines, of all that is left) of a sale."""

    permission_classes = [roles(SM, ADM)]

    @extend_schema(request=ReturnCreateSerializer, responses={201: PurchaseSerializer})
    def post(self, request, pk):
        original = get_object_or_404(selectors.purchase_list(), pk=pk)
        serializer = ReturnCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        entry, created = services.purchase_return(
            original=original,
            by=request.user,
            lines=[dict(line) for line in data.get("lines") or []],
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


# --- invoices ----------------------------------------------------------------------------------------------


class PaymentSerializer(serializers.ModelSerializer):
    class Meta:
        model = InvoicePayment
        fields = ["id", "paid_on", "amount", "recorded_by", "created_at"]
        read_only_fields = ["id", "recorded_by", "created_at"]


class InvoiceSerializer(serializers.ModelSerializer):
    balance = serializers.DecimalField(max_digits=14, decimal_places=2, read_only=True)
    status = serializers.CharField(read_only=True, help_text="requested, issued, sent, paid or void")

    class Meta:
        model = Invoice
        fields = [
            "id",
            "client",
            "purchases",
            "status",
            "number",
            "credit_note_number",
            "requested_by",
            "requested_at",
            "due_at",
            "claimed_by",
            "issued_by",
            "issued_at",
            "sent_at",
            "gross_total",
            "discount_amount",
            "net_total",
            "amount_paid",
            "balance",
            "paid_at",
            "voided_at",
            "void_reason",
            "note",
            "updated_at",
        ]


class InvoiceRequestSerializer(serializers.Serializer):
    client = serializers.PrimaryKeyRelatedField(queryset=Client.objects.all())
    purchases = serializers.ListField(child=serializers.IntegerField(), allow_empty=False)
    note = serializers.CharField(required=False, allow_blank=True)


class InvoiceFilter(SyncFilterSet):
    class Meta:
        model = Invoice
        fields = ["client", "status", "requested_by"]


class InvoiceList(generics.ListAPIView):
    """Invoices (every role reads); POST requests one (sales managers)."""

    permission_classes = [roles(SM, read=ALL_ROLES)]
    serializer_class = InvoiceSerializer
    filterset_class = InvoiceFilter

    def get_queryset(self):
        return selectors.invoice_list().prefetch_related("purchases")

    @extend_schema(request=InvoiceRequestSerializer, responses={201: InvoiceSerializer})
    def post(self, request):
        serializer = InvoiceRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        invoice = services.invoice_request(by=request.user, **serializer.validated_data)
        return Response(InvoiceSerializer(invoice).data, status=status.HTTP_201_CREATED)


class InvoiceDetail(generics.RetrieveAPIView):
    permission_classes = [roles(*ALL_ROLES)]
    serializer_class = InvoiceSerializer

    def get_queryset(self):
        return selectors.invoice_list().prefetch_related("purchases")


class _InvoiceAction(APIView):
    permission_classes = [AccountantsOnly]

    def run(self, invoice, request):
        raise NotImplementedError

    @extend_schema(request=None, responses={200: InvoiceSerializer})
    def post(self, request, pk):
        invoice = get_object_or_404(Invoice, pk=pk)
        invoice = self.run(invoice, request)
        return Response(InvoiceSerializer(selectors.invoice_get(pk=invoice.pk)).data)


class InvoiceClaim(_InvoiceAction):
    """An accountant takes a request (accountants only)."""

    def run(self, invoice, request):
        return services.invoice_claim(invoice=invoice, by=request.user)


class InvoiceIssue(_InvoiceAction):
    """Issue with the next number of the year's series (accountants only); 409 when already issued."""

    def run(self, invoice, request):
        return services.invoice_issue(invoice=invoice, by=request.user)


class InvoiceSend(_InvoiceAction):
    def run(self, invoice, request):
        return services.invoice_mark_sent(invoice=invoice, by=request.user)


class VoidSerializer(serializers.Serializer):
    reason = serializers.CharField()


class InvoiceVoid(_InvoiceAction):
    """Void (keeps the number; an issued invoice gets a credit note numbered in the same series)."""

    @extend_schema(request=VoidSerializer, responses={200: InvoiceSerializer})
    def post(self, request, pk):
        return super().post(request, pk)

    def run(self, invoice, request):
        serializer = VoidSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return services.invoice_void(invoice=invoice, by=request.user, **serializer.validated_data)


class InvoicePayments(generics.ListCreateAPIView):
    """Payments of an invoice (read: every role; record: accountants)."""

    permission_classes = [roles(ACC, read=ALL_ROLES)]
    serializer_class = PaymentSerializer
    pagination_class = None

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return InvoicePayment.objects.none()
        return InvoicePayment.objects.filter(invoice_id=self.kwargs["pk"]).order_by("paid_on", "id")

    def create(self, request, *args, **kwargs):
        invoice = get_object_or_404(Invoice, pk=kwargs["pk"])
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        payment = services.invoice_payment_record(
            invoice=invoice,
            amount=serializer.validated_data["amount"],
            paid_on=serializer.validated_data["paid_on"],
            by=request.user,
        )
        return Response(PaymentSerializer(payment).data, status=status.HTTP_201_CREATED)


class InvoicePdf(APIView):
    permission_classes = [roles(*ALL_ROLES)]

    @extend_schema(responses={(200, "application/pdf"): OpenApiResponse(OpenApiTypes.BINARY)})
    def get(self, request, pk):
        invoice = get_object_or_404(selectors.invoice_list(), pk=pk)
        return pdf_response(invoice)


def pdf_response(invoice) -> HttpResponse:
    body = invoice_pdf(invoice, selectors.invoice_lines(invoice=invoice))
    response = HttpResponse(body, content_type="application/pdf")
    name = invoice.number or f"request-{invoice.pk}"
    response["Content-Disposition"] = f'attachment; filename="invoice-{name}.pdf"'
    return response
