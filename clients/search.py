"""The clients' part of the top-bar search (crm.search): by name, whole or partial phone, email, or a contact
person's details, through the client list's own indexed search."""

from django.urls import reverse
from django.utils.translation import gettext_lazy

from crm import search
from crm.roles import Role, has_role

from . import selectors


def find(*, query: str, user, limit: int) -> list[search.Hit]:
    # Accountants open the billing view of a client, like from the client list.
    page = "clients:card" if has_role(user, Role.SALES_MANAGER, Role.ADMINISTRATOR) else "clients:billing"
    rows = (
        selectors.client_list(search=query, sort="name")
        .select_related(None)
        .only("id", "name", "phone", "email")[:limit]
    )
    return [
        search.Hit(
            id=c.pk,
            title=c.name,
            detail=" · ".join(x for x in (c.phone, c.email) if x),
            url=reverse(page, args=[c.pk]),
        )
        for c in rows
    ]


def register() -> None:
    search.register(
        search.Provider(
            kind="clients",
            label=gettext_lazy("Clients"),
            roles=(Role.SALES_MANAGER, Role.ACCOUNTANT, Role.ADMINISTRATOR),
            find=find,
            order=10,
        )
    )
