"""REST endpoints of credit notes (list, detail, issue, PDF, refunds against one) and tax rates (read: every
role; add: administrators)."""

import django_filters
from django.conf import settings
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from crm.api.filters import AppendOnlyFilterSet, SyncFilterSet
from crm.api.permissions import ALL_ROLES, ReadAllWriteAdmin, roles
from crm.roles import Role

from .. import selectors, services
from ..models import Category, CreditNote, CreditNoteLine, PaymentMethod, Product, Refund, TaxRate
from ..pdf import credit_note_pdf_response
from .invoices import RefundSerializer


class CreditNoteLineSerializer(serializers.ModelSerializer):
    sku = serializers.CharField(source="product.sku", read_only=True)

    class Meta:
        model = CreditNoteLine
        fields = [
            "id",
            "invoice_line",
            "purchase_line",
            "product",
            "sku",
            "description",
            "quantity",
            "unit_price",
            "net_amount",
            "tax_rate",
            "tax_amount",
            "gross_amount",
        ]


class CreditNoteSerializer(serializers.ModelSerializer):
    status = serializers.CharField(read_only=True, help_text=gettext_lazy("requested or issued"))
    reason = serializers.CharField(read_only=True, help_text=gettext_lazy("return, correction or void"))
    invoice_number = serializers.CharField(source="invoice.number", read_only=True)
    client = serializers.IntegerField(source="invoice.client_id", read_only=True)
    currency = serializers.SerializerMethodField()
    lines = CreditNoteLineSerializer(many=True, read_only=True)

    def get_currency(self, obj) -> str:
        return settings.CURRENCY

    class Meta:
        model = CreditNote
        fields = [
            "id",
            "number",
            "status",
            "reason",
            "invoice",
            "invoice_number",
            "client",
            "entry",
            "note",
            "requested_by",
            "requested_at",
            "due_at",
            "issued_by",
            "issued_at",
            "currency",
            "net_total",
            "tax_total",
            "gross_total",
            "sent_at",
            "send_state",
            "send_error",
            "lines",
            "updated_at",
        ]


class CreditNoteFilter(SyncFilterSet):
    client = django_filters.NumberFilter(field_name="invoice__client")

    class Meta:
        model = CreditNote
        fields = ["invoice", "status", "reason"]


def _credit_notes():
    return selectors.credit_note_list().prefetch_related(
        Prefetch("lines", queryset=CreditNoteLine.objects.select_related("product"))
    )


class CreditNoteList(generics.ListAPIView):
    """Credit notes (every role reads); they are requested by the ledger (a return or correction of an issued
    invoice's sale) or by voiding an invoice, never posted here."""

    permission_classes = [roles(*ALL_ROLES)]
    serializer_class = CreditNoteSerializer
    filterset_class = CreditNoteFilter

    def get_queryset(self):
        return _credit_notes()


class CreditNoteDetail(generics.RetrieveAPIView):
    permission_classes = [roles(*ALL_ROLES)]
    serializer_class = CreditNoteSerializer

    def get_queryset(self):
        return _credit_notes()


class CreditNoteIssue(APIView):
    """Issue with the next number of the year's credit-note series (accountants only); 409 when already issued."""

    permission_classes = [roles(Role.ACCOUNTANT)]

    @extend_schema(request=None, responses={200: CreditNoteSerializer})
    def post(self, request, pk):
        note = get_object_or_404(CreditNote, pk=pk)
        services.credit_note_issue(credit_note=note, by=request.user)
        return Response(CreditNoteSerializer(selectors.credit_note_get(pk=pk)).data)


class CreditNoteSend(APIView):
    """Queue the credit note email with its PDF (accountants only); `send_state` says whether it went out."""

    permission_classes = [roles(Role.ACCOUNTANT)]

    @extend_schema(request=None, responses={200: CreditNoteSerializer})
    def post(self, request, pk):
        note = get_object_or_404(CreditNote, pk=pk)
        services.credit_note_send(credit_note=note, by=request.user)
        return Response(CreditNoteSerializer(selectors.credit_note_get(pk=pk)).data)


class CreditNotePdf(APIView):
    permission_classes = [roles(*ALL_ROLES)]

    @extend_schema(responses={(200, "application/pdf"): OpenApiResponse(OpenApiTypes.BINARY)})
    def get(self, request, pk):
        return credit_note_pdf_response(get_object_or_404(_credit_notes(), pk=pk))


class RefundFilter(AppendOnlyFilterSet):
    class Meta:
        model = Refund
        fields = []


class CreditNoteRefunds(generics.ListCreateAPIView):
    """Refunds against a credit note (read: every role; record: accountants), recorded on its invoice too. Not
    more than the note's gross total less its refunds, nor than is due back on the invoice; a repeated
    external_id answers 200 with the refund recorded the first time."""

    permission_classes = [roles(Role.ACCOUNTANT, read=ALL_ROLES)]
    serializer_class = RefundSerializer
    filterset_class = RefundFilter

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Refund.objects.none()
        return Refund.objects.filter(credit_note_id=self.kwargs["pk"]).order_by("id")

    def create(self, request, *args, **kwargs):
        note = get_object_or_404(CreditNote.objects.select_related("invoice"), pk=kwargs["pk"])
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        refund, created = services.invoice_refund_record(
            credit_note=note,
            amount=data["amount"],
            refunded_on=data.get("refunded_on"),
            method=data.get("method", PaymentMethod.TRANSFER),
            reference=data.get("reference", ""),
            external_id=data.get("external_id"),
            by=request.user,
        )
        code = status.HTTP_201_CREATED if created else status.HTTP_200_OK
        return Response(RefundSerializer(refund).data, status=code)


class TaxRateSerializer(serializers.ModelSerializer):
    product = serializers.PrimaryKeyRelatedField(queryset=Product.objects.all(), required=False, allow_null=True)
    category = serializers.PrimaryKeyRelatedField(queryset=Category.objects.all(), required=False, allow_null=True)
    rate = serializers.DecimalField(max_digits=5, decimal_places=2, help_text=gettext_lazy("Percent, 0 to 100."))

    class Meta:
        model = TaxRate
        fields = ["id", "product", "category", "rate", "name", "effective_from", "set_by", "created_at"]
        read_only_fields = ["id", "set_by", "created_at"]
        validators = []  # one rate per product (or category) and day: the service says so, as a 400 on the date


class TaxRateFilter(SyncFilterSet):
    # rates are only added, never changed: what is new since the last sync is what was created since
    updated_since = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="gte")

    class Meta:
        model = TaxRate
        fields = ["product", "category"]


class TaxRateList(generics.ListCreateAPIView):
    """Tax rates per product or category, effective-dated (read: every role; add: administrators). A product's
    rate in force on the sale date beats its category's."""

    permission_classes = [ReadAllWriteAdmin]
    serializer_class = TaxRateSerializer
    filterset_class = TaxRateFilter

    def get_queryset(self):
        return selectors.tax_rate_list()

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        rate = services.tax_rate_create(by=request.user, **serializer.validated_data)
        return Response(TaxRateSerializer(rate).data, status=status.HTTP_201_CREATED)
