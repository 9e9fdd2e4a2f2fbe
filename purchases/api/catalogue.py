"""REST endpoints of the catalogue: product categories, products (with their effective-dated weights, and an
upsert by SKU for the ERP) and discount tiers."""

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from crm.api.conditional import ConditionalWriteMixin
from crm.api.filters import AppendOnlyFilterSet, SyncFilterSet
from crm.api.permissions import ReadAllWriteAdmin
from crm.api.writes import ServiceWriteMixin

from .. import selectors, services
from ..models import Category, DiscountTier, Product, ProductWeight


class ProductCategorySerializer(serializers.ModelSerializer):
    code = serializers.CharField(
        max_length=50, required=False, allow_blank=True, help_text=gettext_lazy("Empty: made from the name.")
    )

    class Meta:
        model = Category
        fields = ["id", "name", "code", "is_active", "updated_at"]
        read_only_fields = ["id", "updated_at"]
        # Uniqueness is the service's rule (name or code, case-insensitive): one message for page and API.
        extra_kwargs = {"name": {"validators": []}}


class CategoryFilter(SyncFilterSet):
    class Meta:
        model = Category
        fields = ["is_active"]


class _Categories(ServiceWriteMixin):
    # what the list and the detail share: who may do what, the rows, and the service that writes
    permission_classes = [ReadAllWriteAdmin]
    serializer_class = ProductCategorySerializer

    def get_queryset(self):
        return selectors.category_list()

    def write(self, instance=None, **data):
        return services.category_save(category=instance, **data)


class CategoryList(_Categories, generics.ListCreateAPIView):
    """Product categories, the ids a product needs (read: every role; write: administrators)."""

    filterset_class = CategoryFilter
    search_fields = ["name", "code"]


class CategoryDetail(_Categories, generics.RetrieveUpdateAPIView):
    def current(self, instance) -> dict:
        return {"name": instance.name, "code": instance.code, "is_active": instance.is_active}


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


class ProductDetail(ConditionalWriteMixin, generics.RetrieveUpdateAPIView):
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


class ProductUpsertSerializer(ProductSerializer):
    sku = serializers.CharField(read_only=True, help_text=gettext_lazy("From the path."))


class ProductUpsertBySku(APIView):
    """PUT creates the product with this SKU or updates it; repeating the same PUT changes nothing (201 when
    created, 200 when updated). A `sku` in the body is ignored: the path names the product."""

    permission_classes = [ReadAllWriteAdmin]

    @extend_schema(request=ProductUpsertSerializer, responses={200: ProductSerializer, 201: ProductSerializer})
    def put(self, request, sku: str):
        serializer = ProductUpsertSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        product, created = services.catalogue.product_upsert_by_sku(
            sku=sku, data=serializer.validated_data, by=request.user
        )
        body = ProductSerializer(selectors.product_list().get(pk=product.pk)).data
        return Response(body, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


class ProductWeightSerializer(serializers.ModelSerializer):
    class Meta:
        model = ProductWeight
        fields = ["id", "weight", "effective_from", "created_at"]
        read_only_fields = ["id", "created_at"]


class ProductWeightFilter(AppendOnlyFilterSet):
    class Meta:
        model = ProductWeight
        fields = []


class ProductWeights(generics.ListCreateAPIView):
    """A product's effective-dated incentive weights; POST schedules a weight from a date (today or later)."""

    permission_classes = [ReadAllWriteAdmin]
    serializer_class = ProductWeightSerializer
    filterset_class = ProductWeightFilter

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
        fields = ["id", "threshold", "percent", "name", "updated_at"]
        read_only_fields = ["id", "updated_at"]


class TierFilter(SyncFilterSet):
    class Meta:
        model = DiscountTier
        fields = []


class _Tiers(ServiceWriteMixin):
    # what the list and the detail share: who may do what, the rows, and the service that writes
    permission_classes = [ReadAllWriteAdmin]
    serializer_class = TierSerializer

    def get_queryset(self):
        return selectors.tier_list()

    def write(self, instance=None, **data):
        return services.tier_save(tier=instance, **data)


class TierList(_Tiers, generics.ListCreateAPIView):
    """Discount tiers: cumulative net threshold -> percent (read: every role; write: administrators)."""

    filterset_class = TierFilter


class TierDetail(_Tiers, generics.RetrieveUpdateDestroyAPIView):
    def current(self, instance) -> dict:
        return {"threshold": instance.threshold, "percent": instance.percent, "name": instance.name}

    def destroy(self, request, *args, **kwargs):
        services.tier_delete(tier=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)
