"""Complaints in the top-bar search (crm.search): by reference (exact, the unique index) or by the client's
name, phone or email (the client list's indexed search, bounded). Only the roles that handle complaints."""

from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy

from clients import selectors as client_selectors
from crm import search

from . import rules
from .models import Complaint


def find(*, query: str, user, limit: int) -> list[search.Hit]:
    named_clients = client_selectors.client_ids_matching(search=query)
    rows = (
        Complaint.objects.filter(Q(reference__in={query, query.upper()}) | Q(client_id__in=named_clients))
        .select_related("client")
        .only("id", "reference", "subject", "status", "client__name")
        .order_by("-id")[:limit]
    )
    return [
        search.Hit(
            id=c.pk,
            title=f"{c.reference} {c.subject}".strip(),
            detail=" · ".join(x for x in (c.client.name if c.client_id else "", c.get_status_display()) if x),
            url=reverse("complaints:detail", args=[c.pk]),
        )
        for c in rows
    ]


def register() -> None:
    search.register(
        search.Provider(
            kind="complaints", label=gettext_lazy("Complaints"), roles=tuple(rules.HANDLER_ROLES), find=find, order=30
        )
    )
