"""REST endpoints of invoices: requests, the accountants' actions (claim, issue, send, void), payments, the PDF."""

from django.conf import settings
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from clients.models import Client
from crm.api.filters import SyncFilterSet
from crm.api.permissions import ALL_ROLES, roles
from crm.roles import Role

from .. import selectors, services
from ..models import Invoice, InvoiceLine, InvoicePayment, Purchase
from ..pdf import invoice_pdf_response

SM, ACC = Role.SALES_MANAGER, Role.ACCOUNTANT
LINES = Prefetch("lines", queryset=InvoiceLine.objects.select_related("product"))
AccountantsOnly = roles(ACC)


class PaymentSerializer(serializers.ModelSerializer):
    class Meta:
        model = InvoicePayment
        fields = ["id", "paid_on", "amount", "recorded_by", "created_at"]
        read_only_fields = ["id", "recorded_by", "created_at"]


class InvoiceLineSerializer(serializers.ModelSerializer):
    sku = serializers.CharField(source="product.sku", read_only=True)

    class Meta:
        model = InvoiceLine
        fields = [
            "id",
            "purchase_line",
            "product",
            "sku",
            "description",
            "quantity",
            "unit_price",
            "discount_amount",
            "net_amount",
            "tax_rate",
            "tax_amount",
            "gross_amount",
        ]


class InvoiceSerializer(serializers.ModelSerializer):
    balance = serializers.DecimalField(
        max_digits=14, decimal_places=2, read_only=True, help_text="gross_total - credited_total - amount_paid"
    )
    status = serializers.CharField(read_only=True, help_text="requested, issued, sent, paid or void")
    currency = serializers.SerializerMethodField()
    lines = InvoiceLineSerializer(many=True, read_only=True, help_text="Fixed at issue; empty before.")
    credit_notes = serializers.PrimaryKeyRelatedField(many=True, read_only=True)

    def get_currency(self, obj) -> str:
        return settings.CURRENCY

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
            "currency",
            "list_total",
            "discount_amount",
            "net_total",
            "tax_total",
            "gross_total",
            "credited_total",
            "amount_paid",
            "balance",
            "paid_at",
            "voided_at",
            "void_reason",
            "lines",
            "credit_notes",
            "note",
            "updated_at",
        ]


class InvoiceRequestSerializer(serializers.Serializer):
    client = serializers.PrimaryKeyRelatedField(queryset=Client.objects.all())
    purchases = serializers.PrimaryKeyRelatedField(queryset=Purchase.objects.all(), many=True, allow_empty=False)
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
        return selectors.invoice_list().prefetch_related("purchases", LINES, "credit_notes")

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
        return selectors.invoice_list().prefetch_related("purchases", LINES, "credit_notes")


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
    """Void (keeps the number; an issued invoice gets a credit note, issued at once, for what is left of it)."""

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
        return invoice_pdf_response(invoice)
