"""The "after a purchase" survey kind, registered into clients.surveys from PurchasesConfig.ready()."""

from django.utils.translation import gettext_lazy as _

from clients.surveys.registry import Occasion, SurveyKind

from .models import Purchase, PurchaseLine


def purchase_occasions(start, end):
    """Sales (not returns) recorded in [start, end), oldest first, with the products on their lines."""
    sales = list(
        Purchase.objects.filter(kind=Purchase.Kind.SALE, purchased_at__gte=start, purchased_at__lt=end)
        .order_by("purchased_at", "id")
        .values_list("id", "client_id", "purchased_at", "client__manager_id")
    )
    products: dict[int, list[int]] = {}
    lines = PurchaseLine.objects.filter(purchase_id__in=[s[0] for s in sales]).values_list("purchase_id", "product_id")
    for purchase_id, product_id in lines.order_by("purchase_id", "id"):
        products.setdefault(purchase_id, []).append(product_id)
    for pk, client_id, purchased_at, manager_id in sales:
        yield Occasion(
            object_id=pk,
            client_id=client_id,
            occurred_at=purchased_at,
            manager_id=manager_id,
            product_ids=tuple(products.get(pk, ())),
        )


PURCHASE = SurveyKind(
    code="purchase",
    label=_("After a purchase"),
    question=_("How satisfied are you with your purchase and the service you received?"),
    occasions=purchase_occasions,
)
