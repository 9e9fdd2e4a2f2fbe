"""Invoices and products in the top-bar search (crm.search).

Invoices: by their number (exact, the unique index), or by their client's name, phone or email (the client
list's indexed search, bounded). Products: by SKU (exact, unique index) or name."""

from django.db.models import Q
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from clients import selectors as client_selectors
from crm import search
from crm.roles import Role

from .models import Invoice, Product

ALL = (Role.SALES_MANAGER, Role.ACCOUNTANT, Role.ADMINISTRATOR)


def find_invoices(*, query: str, user, limit: int) -> list[search.Hit]:
    named_clients = client_selectors.client_ids_matching(search=query)
    rows = (
        Invoice.objects.filter(Q(number__in={query, query.upper()}) | Q(client_id__in=named_clients))
        .select_related("client")
        .only("id", "number", "status", "gross_total", "client__name")
        .order_by("-id")[:limit]
    )
    return [
        search.Hit(
            id=i.pk,
            title=i.number or _("Invoice request #%(id)s") % {"id": i.pk},
            detail=f"{i.client.name} · {i.get_status_display()} · {i.gross_total}",
            url=reverse("purchases:invoice", args=[i.pk]),
        )
        for i in rows
    ]


def find_products(*, query: str, user, limit: int) -> list[search.Hit]:
    rows = (
        Product.objects.filter(Q(sku__in={query, query.upper()}) | Q(name__icontains=query))
        .only("id", "sku", "name", "unit_price")
        .order_by("name", "id")[:limit]
    )
    catalogue = reverse("purchases:catalogue")
    return [
        search.Hit(
            id=p.pk, title=p.name, detail=f"{p.sku} · {p.unit_price}", url=f"{catalogue}?{urlencode({'q': p.sku})}"
        )
        for p in rows
    ]


def register() -> None:
    search.register(
        search.Provider(kind="invoices", label=gettext_lazy("Invoices"), roles=ALL, find=find_invoices, order=20)
    )
    search.register(
        search.Provider(kind="products", label=gettext_lazy("Products"), roles=ALL, find=find_products, order=40)
    )
