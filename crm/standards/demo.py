"""Demo part of the service record: the key-client rule (manual flags on the most valuable clients and on one
not contacted for long), the failures every source finds in the demo data, and a few resolved by their
manager. Runs after every app seeded (demo_order in apps.py). Idempotent."""

from django.contrib.auth import get_user_model
from django.db.models import Max
from django.utils import timezone

from clients.models import Client

from . import failures, key_clients
from .models import ClientValueRank, KeyClientFlag, KeyClientRule, ServiceFailure
from .selectors import service_targets


def seed(*, rng, stdout) -> None:
    if ServiceFailure.objects.exists():
        stdout.write("Service record: already seeded.")
        return
    admin = get_user_model().objects.filter(username="victor").first()
    if admin is None:
        return
    rule = key_clients.key_client_rule()
    rule.basis, rule.updated_by = KeyClientRule.Basis.FLAG, admin
    rule.save()
    now = timezone.now()
    top = list(ClientValueRank.objects.filter(projected_value__gt=0).order_by("position")[:8])
    for rank in top:
        KeyClientFlag.objects.get_or_create(client_id=rank.client_id, defaults={"flagged_by": admin, "flagged_at": now})
    # maria's client with the oldest last contact becomes an overdue key client (if it is overdue)
    stale = (
        Client.objects.filter(manager__username="maria", merged_into__isnull=True, interactions__isnull=False)
        .annotate(last=Max("interactions__occurred_at"))
        .order_by("last", "id")
        .first()
    )
    if stale is not None:
        KeyClientFlag.objects.get_or_create(client=stale, defaults={"flagged_by": admin, "flagged_at": now})
    found = failures.failures_detect()
    # the first few of maria's open failures were dealt with: they stay in the record, resolved
    resolved = 0
    for failure in (
        ServiceFailure.objects.filter(client__manager__username="maria")
        .exclude(kind=failures.KEY_CONTACT)
        .order_by("id")[:3]
    ):
        failures.failure_resolve(failure=failure, by=failure.client.manager, note="Called the client and apologised.")
        resolved += 1
    overdue = sum(1 for f in found if f.kind == failures.KEY_CONTACT)
    stdout.write(
        f"Service record: {len(found)} failures ({resolved} resolved, {overdue} key clients overdue for contact "
        f"after {service_targets().key_client_max_days_without_contact} days), "
        f"{KeyClientFlag.objects.count()} key clients flagged."
    )
