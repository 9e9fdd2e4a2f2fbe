"""The three roles are Django groups (created by migration crm/0001). Every view and endpoint asks here."""

from django.contrib.auth.models import Group, Permission
from django.db import models
from django.utils.translation import gettext_lazy


class Role(models.TextChoices):
    # The values are the group names (never translated); the labels are what people read.
    SALES_MANAGER = "Sales manager", gettext_lazy("Sales manager")
    ACCOUNTANT = "Accountant", gettext_lazy("Accountant")
    ADMINISTRATOR = "Administrator", gettext_lazy("Administrator")


# Model permissions given to each group (app_label.codename); Administrator gets every permission.
# Apps add theirs here as they grow, so the admin and `user.has_perm` agree with the role checks.
ROLE_PERMISSIONS: dict[str, list[str]] = {
    Role.SALES_MANAGER: [
        "clients.view_client",
        "clients.add_client",
        "clients.change_client",
        "clients.view_segment",
        "clients.view_contactperson",
        "clients.add_contactperson",
        "clients.view_interaction",
        "clients.add_interaction",
        "clients.view_promise",
        "clients.add_promise",
        "clients.change_promise",
        "clients.view_followuptask",
        "clients.add_followuptask",
        "clients.change_followuptask",
        "purchases.view_product",
        "purchases.view_purchase",
        "purchases.add_purchase",
        "purchases.view_invoice",
        "purchases.add_invoice",
        "purchases.view_creditnote",
        "purchases.view_taxrate",
        "incentives.view_salesplan",
        "incentives.view_awardtype",
        "incentives.view_award",
        "complaints.view_complaint",
        "complaints.add_complaint",
        "complaints.change_complaint",
        "complaints.add_complaintcomment",
        "complaints.view_goodwillgesture",
        "complaints.add_goodwillgesture",
        "complaints.view_standarddocument",
        "complaints.add_acknowledgement",
    ],
    Role.ACCOUNTANT: [
        "clients.view_client",  # billing details only: the pages and API narrow it further
        "purchases.view_product",
        "purchases.view_purchase",
        "purchases.view_invoice",
        "purchases.change_invoice",
        "purchases.add_invoicepayment",
        "purchases.view_creditnote",
        "purchases.change_creditnote",
        "purchases.view_taxrate",
        "incentives.view_awardtype",
        "incentives.view_award",
        # no complaint or goodwill: accountants' pages and API show them none
        "complaints.view_standarddocument",
        "complaints.add_acknowledgement",
    ],
}


def user_roles(user) -> frozenset[str]:
    """Role names of a user, cached on the user object for the request. A superuser is an administrator."""
    if user is None or not user.is_authenticated or not user.is_active:
        return frozenset()
    cached = getattr(user, "_crm_roles", None)
    if cached is None:
        prefetched = getattr(user, "_prefetched_objects_cache", {}).get("groups")
        if prefetched is not None:  # a list of users with prefetch_related("groups"): no query per user
            cached = remember_roles(user, [g.name for g in prefetched])
        else:
            cached = remember_roles(user, user.groups.filter(name__in=Role.values).values_list("name", flat=True))
    return cached


def remember_roles(user, names) -> frozenset[str]:
    """Cache role names already read with the user (the API's token query reads them in the same query)."""
    names = set(names) & set(Role.values)
    if user.is_superuser:
        names.add(Role.ADMINISTRATOR)
    user._crm_roles = frozenset(names)
    return user._crm_roles


def user_with_roles(users, **annotations):
    """The first user of `users` (a queryset narrowed to one user) with their roles, in one query: the user
    comes back once per group and the roles are cached on it. None when there is no such user."""
    rows = list(users.annotate(_group=models.F("groups__name"), **annotations))
    if not rows:
        return None
    remember_roles(rows[0], [row._group for row in rows if row._group])
    return rows[0]


def role_labels(roles) -> list[str]:
    """The roles' names as people read them (in the active language), in the roles' order; a group that is
    no role keeps its own name."""
    return [str(Role(r).label) if r in Role.values else r for r in sorted(roles)]


def has_role(user, *roles: str) -> bool:
    return bool(user_roles(user) & set(roles))


def is_admin(user) -> bool:
    return has_role(user, Role.ADMINISTRATOR)


def is_sales_manager(user) -> bool:
    return has_role(user, Role.SALES_MANAGER)


def is_accountant(user) -> bool:
    return has_role(user, Role.ACCOUNTANT)


def sync_role_permissions(**kwargs):
    groups = {name: Group.objects.get_or_create(name=name)[0] for name in Role.values}
    groups[Role.ADMINISTRATOR].permissions.set(Permission.objects.all())
    for role, perms in ROLE_PERMISSIONS.items():
        wanted = []
        for perm in perms:
            app_label, codename = perm.split(".", 1)
            wanted += list(Permission.objects.filter(content_type__app_label=app_label, codename=codename))
        groups[role].permissions.set(wanted)
