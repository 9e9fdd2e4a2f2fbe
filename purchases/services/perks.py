"""Perks (purchases/perks.py has the rules): administrators configure the perk kinds; a perk is recorded by
an administrator, or by a sales manager for a client they may write on (clients.services.rights); a standing
perk for a whole segment is an administrator's decision. A standing perk is ended by setting its last day;
nothing else about a recorded perk changes (its cost is what the report counts)."""

from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from clients.services import rights
from crm.exceptions import ApplicationError
from crm.money import money
from crm.roles import Role, has_role, is_admin

from ..models import Perk, PerkKind
from ..perks import DEFAULT_KINDS


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


@transaction.atomic
def perk_kind_save(
    *,
    name: str,
    code: str,
    default_cost: Decimal = Decimal("0"),
    is_active: bool = True,
    kind: PerkKind | None = None,
) -> PerkKind:
    name = (name or "").strip()
    if not name:
        raise ApplicationError(_("Name the perk kind."), field="name")
    if not code:
        raise ApplicationError(_("Give the perk kind a code."), field="code")
    if default_cost is None or default_cost < 0:
        raise ApplicationError(_("The cost cannot be negative."), field="default_cost")
    others = PerkKind.objects.exclude(pk=kind.pk) if kind else PerkKind.objects.all()
    if others.filter(code=code).exists():
        raise ApplicationError(_("Another perk kind has this code."), field="code")
    if others.filter(name__iexact=name).exists():
        raise ApplicationError(_("Another perk kind has this name."), field="name")
    values = {"name": name, "code": code, "default_cost": money(default_cost), "is_active": is_active}
    if kind is None:
        return PerkKind.objects.create(**values)
    kind = PerkKind.objects.select_for_update().get(pk=kind.pk)
    for field, value in values.items():
        setattr(kind, field, value)
    kind.save(update_fields=[*values, "updated_at"])
    return kind


def perk_kinds_ensure_defaults() -> None:
    """The default perk kinds (purchases/perks.py), where missing; kinds administrators changed stay as they are."""
    for code, name, cost in DEFAULT_KINDS:
        if not PerkKind.objects.filter(code=code).exists():
            perk_kind_save(name=name, code=code, default_cost=cost)


def can_record_perk(user, *, client=None, segment=None) -> bool:
    """Administrators record any perk; sales managers one for a client they may write on."""
    if is_admin(user):
        return True
    if client is None or segment is not None:
        return False
    return has_role(user, Role.SALES_MANAGER) and rights.can_write_client(user, client)


@transaction.atomic
def perk_record(
    *,
    kind: PerkKind,
    scope: str,
    by,
    client=None,
    segment=None,
    cost: Decimal | None = None,
    accrual: str = "",
    starts_on: date | None = None,
    ends_on: date | None = None,
    note: str = "",
    now: datetime | None = None,
) -> Perk:
    now = now or timezone.now()
    today = timezone.localdate(now)
    if scope not in Perk.Scope.values:
        raise ApplicationError(_("Choose one-off or standing."), field="scope")
    if not kind.is_active:
        raise ApplicationError(_("This perk kind is no longer given."), field="kind")
    if scope == Perk.Scope.SEGMENT:
        if segment is None:
            raise ApplicationError(_("Choose the segment."), field="segment")
        client = None
    else:
        if client is None:
            raise ApplicationError(_("Choose the client."), field="client")
        segment = None
        if client.merged_into_id is not None:
            raise ApplicationError(_("This client was merged into another; give the perk there."), field="client")
    if not can_record_perk(by, client=client, segment=segment):
        message = (
            _("Only an administrator gives a perk to a whole segment.")
            if scope == Perk.Scope.SEGMENT
            else _("You may give perks only to your own and unassigned clients.")
        )
        raise ApplicationError(message, field="client" if client else "segment", code="forbidden")
    amount = money(kind.default_cost if cost is None else cost)
    if amount < 0:
        raise ApplicationError(_("The cost cannot be negative."), field="cost")
    if scope == Perk.Scope.ONE_OFF:
        accrual = Perk.Accrual.ONCE
        if starts_on is not None and starts_on > today:
            raise ApplicationError(_("Record a one-off perk once it has been given."), field="starts_on")
        if ends_on is not None:
            raise ApplicationError(_("A one-off perk has no end date."), field="ends_on")
        starts_at = now if starts_on in (None, today) else _day_start(starts_on)
        ends_at = None
    else:
        accrual = accrual or Perk.Accrual.PER_PURCHASE
        if accrual not in (Perk.Accrual.PER_PURCHASE, Perk.Accrual.PER_PERIOD):
            raise ApplicationError(_("A standing perk costs per purchase or per period."), field="accrual")
        starts_on = starts_on or today
        if ends_on is not None and ends_on < starts_on:
            raise ApplicationError(_("The last day cannot be before the first."), field="ends_on")
        starts_at = now if starts_on == today else _day_start(starts_on)
        ends_at = _day_start(ends_on + timedelta(days=1)) if ends_on else None
    return Perk.objects.create(
        kind=kind,
        scope=scope,
        client=client,
        segment=segment,
        cost=amount,
        accrual=accrual,
        starts_at=starts_at,
        ends_at=ends_at,
        note=(note or "").strip()[:300],
        given_by=by,
    )


@transaction.atomic
def perk_end(*, perk: Perk, last_day: date, by) -> Perk:
    """A standing perk stops after `last_day` (its cost stops accruing then)."""
    perk = Perk.objects.select_for_update(of=("self",)).select_related("client").get(pk=perk.pk)
    if not can_record_perk(by, client=perk.client, segment=perk.segment):
        raise ApplicationError(_("You may not change this perk."), field="perk", code="forbidden")
    if not perk.is_standing:
        raise ApplicationError(_("Only a standing perk can be ended."), field="last_day")
    if perk.ends_at is not None and perk.ends_at <= timezone.now():
        raise ApplicationError(_("This perk has already ended."), field="last_day")
    if last_day < timezone.localdate(perk.starts_at):
        raise ApplicationError(_("The last day cannot be before the first."), field="last_day")
    perk.ends_at = _day_start(last_day + timedelta(days=1))
    perk.save(update_fields=["ends_at", "updated_at"])
    return perk
