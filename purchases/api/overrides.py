"""REST endpoint of the price overrides (administrators): sale lines priced below the catalogue price beyond
PRICE_OVERRIDE_ALLOWANCE_PERCENT, with who and why."""

import django_filters
from rest_framework import generics, serializers

from crm.api.filters import UtcDateTimeFilter
from crm.api.permissions import roles
from crm.roles import Role

from .. import selectors
from ..models import PriceOverride


class PriceOverrideSerializer(serializers.ModelSerializer):
    client = serializers.IntegerField(source="purchase.client_id", read_only=True)
    sku = serializers.CharField(source="product.sku", read_only=True)
    below_percent = serializers.DecimalField(max_digits=6, decimal_places=2, read_only=True)

    class Meta:
        model = PriceOverride
        fields = [
            "id",
            "purchase",
            "line",
            "client",
            "product",
            "sku",
            "catalogue_price",
            "unit_price",
            "below_percent",
            "by",
            "reason",
            "at",
        ]


class PriceOverrideFilter(django_filters.FilterSet):
    date_from = django_filters.DateFilter(field_name="at", lookup_expr="date__gte")
    date_to = django_filters.DateFilter(field_name="at", lookup_expr="date__lte")
    updated_since = UtcDateTimeFilter(field_name="at", lookup_expr="gte")  # an override is written once

    class Meta:
        model = PriceOverride
        fields = ["by", "product"]


class PriceOverrideList(generics.ListAPIView):
    """Price overrides, newest first (cursor-paginated; filters: by, product, date_from, date_to).
    Administrators only."""

    permission_classes = [roles(Role.ADMINISTRATOR)]
    serializer_class = PriceOverrideSerializer
    filterset_class = PriceOverrideFilter

    def get_queryset(self):
        return selectors.price_override_list()
