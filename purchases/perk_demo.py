"""Demo perks given without a complaint, one of each kind, so the perks page, the card tab and the perk-return
report show them with their costs: one-off perks (a gift wrapping and a small gift for good buyers, birthday
cards and free samples), a standing free delivery per purchase for a whole segment and a monthly sample box for
one client. The birthday cards went (five months ago) to clients who then bought nothing for three months: the
report marks them a drop candidate."""

from datetime import timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db.models import Q, Sum
from django.utils import timezone

from clients.models import Client, Segment

from . import services
from .models import Perk, PerkKind, Purchase


def _bought(client_ids, start, days) -> dict[int, Decimal]:
    rows = (
        Purchase.objects.filter(client_id__in=client_ids, purchased_at__gte=start)
        .filter(purchased_at__lt=start + timedelta(days=days))
        .values("client_id")
        .annotate(total=Sum("net_total"))
    )
    return {r["client_id"]: r["total"] for r in rows}


def seed(*, rng, stdout) -> None:
    if Perk.objects.filter(note__startswith="demo").exists():
        stdout.write("Perks: already seeded.")
        return
    admin = get_user_model().objects.filter(username="victor").first()
    clients = list(
        Client.objects.filter(merged_into__isnull=True, manager__isnull=False, erased_at__isnull=True).order_by("id")[
            :200
        ]
    )
    if admin is None or len(clients) < 12:
        stdout.write("Perks: not enough clients; skipped.")
        return
    services.perk_kinds_ensure_defaults()
    kinds = {k.code: k for k in PerkKind.objects.all()}
    now = timezone.now()
    given = now - timedelta(days=150)
    bought = _bought([c.pk for c in clients], given, 90)
    idle = [c for c in clients if not bought.get(c.pk)]
    buyers = sorted((c for c in clients if bought.get(c.pk)), key=lambda c: bought[c.pk], reverse=True)
    made = 0

    def give(kind, client=None, **values):
        nonlocal made
        services.perk_record(kind=kinds[kind], client=client, by=client.manager if client else admin, **values)
        made += 1

    for client in idle[:5]:  # nobody bought after their card: a drop candidate
        give("birthday-card", client, scope=Perk.Scope.ONE_OFF, now=given, note="demo: birthday card")
    for client in buyers[:4]:
        give("free-sample", client, scope=Perk.Scope.ONE_OFF, now=given, note="demo: sample of the new paper")
    for days, client in zip((40, 20, 5), rng.sample(clients, 3), strict=True):
        give("gift-wrapping", client, scope=Perk.Scope.ONE_OFF, now=now - timedelta(days=days), note="demo: gift order")
    for client in buyers[4:6]:
        give("small-gift", client, scope=Perk.Scope.ONE_OFF, now=now - timedelta(days=60), note="demo: thank-you gift")
    segment = Segment.objects.filter(Q(code="print") | Q(name__icontains="print")).first() or Segment.objects.first()
    if segment is not None:
        services.perk_record(
            kind=kinds["free-delivery"],
            scope=Perk.Scope.SEGMENT,
            segment=segment,
            cost=Decimal("6.50"),
            accrual=Perk.Accrual.PER_PURCHASE,
            starts_on=timezone.localdate(now - timedelta(days=120)),
            note="demo: free delivery for the segment",
            by=admin,
        )
        made += 1
    give(
        "free-sample",
        buyers[0] if buyers else clients[0],
        scope=Perk.Scope.CLIENT,
        cost=Decimal("12.00"),
        accrual=Perk.Accrual.PER_PERIOD,
        starts_on=timezone.localdate(now - timedelta(days=75)),
        note="demo: monthly sample box",
    )
    stdout.write(f"Perks: {made} given without a complaint (one of each kind, one a drop candidate).")
