"""API for what the record page and the tiers page show besides the ledger: a client's account (running total,
tier, progress to the next tier), the price preview of a purchase not yet recorded, and the discount policy."""

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from clients.models import Client
from crm.api.permissions import ALL_ROLES, roles
from crm.money import ZERO
from crm.roles import Role

from .. import forms, selectors, services
from ..models import DiscountPolicy
from .catalogue import TierSerializer
from .ledger import LineInputSerializer

SM, ADM = Role.SALES_MANAGER, Role.ADMINISTRATOR


class AccountSerializer(serializers.Serializer):
    client = serializers.IntegerField()
    cumulative_total = serializers.DecimalField(max_digits=14, decimal_places=2)
    tier = TierSerializer(allow_null=True)
    next_tier = TierSerializer(allow_null=True)
    missing_to_next_tier = serializers.DecimalField(max_digits=14, decimal_places=2)
    progress_percent = serializers.IntegerField(
        help_text=gettext_lazy("How far from the current tier to the next, 0-100.")
    )
    basis = serializers.ChoiceField(choices=DiscountPolicy.Basis.choices)
    window_start = serializers.DateTimeField(
        allow_null=True, help_text=gettext_lazy("Rolling basis: the window's start.")
    )
    recomputed_at = serializers.DateTimeField(allow_null=True)


class ClientAccountView(APIView):
    """A client's account: the running total that sets the discount, its tier and the way to the next tier."""

    permission_classes = [roles(SM, ADM, read=ALL_ROLES)]

    @extend_schema(responses=AccountSerializer)
    def get(self, request, pk: int):
        client = get_object_or_404(Client, pk=pk)
        account = selectors.client_account_get(client=client)
        total = account.cumulative_total if account else ZERO
        progress = selectors.tier_progress(total=total)
        body = {
            "client": client.pk,
            "cumulative_total": total,
            "tier": progress["current"],
            "next_tier": progress["next"],
            "missing_to_next_tier": progress["missing"],
            "progress_percent": progress["value"],
            "basis": services.policy_get().basis,
            "window_start": account.window_start if account else None,
            "recomputed_at": account.recomputed_at if account else None,
        }
        return Response(AccountSerializer(body).data)


class PreviewRequestSerializer(serializers.Serializer):
    client = serializers.PrimaryKeyRelatedField(queryset=Client.objects.filter(merged_into__isnull=True))
    lines = LineInputSerializer(many=True, allow_empty=False)

    def validate_lines(self, lines) -> list[services.LineInput]:
        return forms.purchase_lines(lines)  # the products behind the references, as the record page finds them


class QuoteLineSerializer(serializers.Serializer):
    product = serializers.CharField()
    quantity = serializers.DecimalField(max_digits=12, decimal_places=3)
    unit_price = serializers.DecimalField(max_digits=14, decimal_places=2)
    gross_amount = serializers.DecimalField(max_digits=14, decimal_places=2)
    discount_amount = serializers.DecimalField(max_digits=14, decimal_places=2)
    net_amount = serializers.DecimalField(max_digits=14, decimal_places=2)


class QuoteSerializer(serializers.Serializer):
    lines = QuoteLineSerializer(many=True)
    gross_total = serializers.DecimalField(max_digits=14, decimal_places=2)
    discount_percent = serializers.DecimalField(max_digits=5, decimal_places=2)
    discount_amount = serializers.DecimalField(max_digits=14, decimal_places=2)
    net_total = serializers.DecimalField(max_digits=14, decimal_places=2)
    tier = TierSerializer(allow_null=True)
    cumulative_before = serializers.DecimalField(max_digits=14, decimal_places=2)


class PurchasePreview(APIView):
    """What a purchase would cost now, with the client's tier discount, without recording it (the record
    page's live preview)."""

    permission_classes = [roles(SM, ADM)]

    @extend_schema(request=PreviewRequestSerializer, responses=QuoteSerializer)
    def post(self, request):
        serializer = PreviewRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        quote = services.purchase_preview(client=data["client"], lines=data["lines"])
        lines = [
            {
                "product": line["product"].sku,
                "quantity": line["quantity"],
                "unit_price": line["unit_price"],
                "gross_amount": line["gross"],
                "discount_amount": line["discount"],
                "net_amount": line["net"],
            }
            for line in quote.lines
        ]
        return Response(QuoteSerializer({**quote.__dict__, "lines": lines}).data)


class PolicySerializer(serializers.Serializer):
    basis = serializers.ChoiceField(choices=DiscountPolicy.Basis.choices)
    window_months = serializers.IntegerField(min_value=1, default=12)


class DiscountPolicyView(APIView):
    """How the running total is counted: lifetime, or a rolling window of months (administrators change it)."""

    permission_classes = [roles(ADM, read=ALL_ROLES)]

    @extend_schema(responses=PolicySerializer)
    def get(self, request):
        policy = services.policy_get()
        return Response(PolicySerializer({"basis": policy.basis, "window_months": policy.window_months}).data)

    @extend_schema(request=PolicySerializer, responses=PolicySerializer)
    def put(self, request):
        serializer = PolicySerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        policy = services.policy_set(**serializer.validated_data)
        return Response(PolicySerializer({"basis": policy.basis, "window_months": policy.window_months}).data)
