"""Who gets a complaint, how urgent it is and what it costs: the default assignee, the supervisors told of
escalations, the priority lifted by the client's value, and the handling cost of its category."""

from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db.models import Q

from clients.models import Client
from crm.money import money
from crm.roles import Role
from crm.standards import key_clients
from crm.standards.selectors import service_targets
from purchases import selectors as purchase_selectors

from .. import rules
from ..models import ComplaintCategory

User = get_user_model()


def default_assignee(client: Client | None, category: ComplaintCategory | None):
    """The category's owner (when it prefers them or the client has no manager), else the client's manager.
    A complaint whose client is not confirmed yet (None) goes to the category's owner, or nobody."""
    owner = category.owner if category and category.owner_id and category.owner.is_active else None
    if owner and (category.prefer_owner or client is None or client.manager_id is None):
        return owner
    if client is not None and client.manager_id and client.manager.is_active:
        return client.manager
    return owner


def value_lift(client: Client | None) -> int:
    """The steps the client's value lifts a complaint (complaints/rules.py, rule 2): by their place in the
    long-term-value ranking, or by the discount tier when the ranking does not hold them (no value report yet,
    or a client newer than the last one). An unconfirmed client (None) lifts nothing, so typing a top client's
    email into the public form gains no urgency."""
    if client is None:
        return 0
    rank = key_clients.value_rank_get(client_id=client.pk)
    if rank is not None:
        return rules.rank_lift(
            position=rank.position, ranked_clients=rank.ranked_clients, projected_value=rank.projected_value
        )
    account = purchase_selectors.client_account_get(client=client)
    return rules.tier_lift(None if account is None or account.tier is None else account.tier.percent)


def priority_for(*, client: Client | None, severity: str, kind: str) -> int:
    """Priority by severity, lifted by the client's value (see value_lift)."""
    return rules.compute_priority(severity=severity, kind=kind, lift=value_lift(client))


def handling_cost_for(category: ComplaintCategory | None) -> Decimal:
    if category is not None and category.handling_cost is not None:
        return money(category.handling_cost)
    return money(service_targets().complaint_handling_cost)


def supervisors() -> list:
    targets = service_targets()
    if targets.supervisor_id and targets.supervisor.is_active:
        return [targets.supervisor]
    return list(
        User.objects.filter(is_active=True)
        .filter(Q(groups__name=Role.ADMINISTRATOR) | Q(is_superuser=True))
        .distinct()
        .order_by("id")
    )
