"""Services for the complaint side of the service standards: response targets per kind and severity, and
complaint categories. The company-wide standards (calendar, targets, documents) are in crm.standards."""

from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from crm.exceptions import ApplicationError
from crm.standards import services as standard_services
from crm.standards import targets as versioned_targets
from crm.standards.models import StandardDocument

from .models import (
    ComplaintCategory,
    Kind,
    ResponseTarget,
    Severity,
)
from .services.access import may_handle
from .services.clocks import target_key

# --- targets and categories ---------------------------------------------------------------------------


def _hours(hours: Decimal, field: str) -> Decimal:
    if hours <= 0:
        raise ApplicationError(gettext("The target must be more than zero hours."), field=field)
    return hours


@transaction.atomic
def target_set(
    *,
    kind: str,
    severity: str,
    first_response_hours: Decimal,
    resolution_hours: Decimal,
    category: ComplaintCategory | None = None,
    by=None,
) -> ResponseTarget:
    """Set a response target. Changing an existing one adds a version of each changed clock effective now
    (crm/standards/targets.py), so the history is kept and running clocks keep the target they started with."""
    if kind not in Kind.values:
        raise ApplicationError(gettext("Unknown kind %(kind)r.") % {"kind": kind}, field="kind")
    if severity not in Severity.values:
        raise ApplicationError(gettext("Unknown severity %(severity)r.") % {"severity": severity}, field="severity")
    first = _hours(first_response_hours, "first_response_hours")
    resolution = _hours(resolution_hours, "resolution_hours")
    if resolution < first:
        raise ApplicationError(gettext("Resolution cannot be due before the first response."), field="resolution_hours")
    target = ResponseTarget.objects.select_for_update().filter(kind=kind, severity=severity, category=category).first()
    if target is None:
        return ResponseTarget.objects.create(
            kind=kind, severity=severity, category=category, first_response_hours=first, resolution_hours=resolution
        )
    for clock, old, new in (
        ("first_response", target.first_response_hours, first),
        ("resolution", target.resolution_hours, resolution),
    ):
        if versioned_targets.hours_at(target_key(target.pk, clock), timezone.now(), configured=old) != new:
            standard_services.target_version_create(key=target_key(target.pk, clock), hours=new, by=by)
    target.first_response_hours, target.resolution_hours = first, resolution
    target.save(update_fields=["first_response_hours", "resolution_hours", "updated_at"])
    return target


@transaction.atomic
def category_save(
    *,
    name: str,
    code: str,
    category: ComplaintCategory | None = None,
    owner=None,
    prefer_owner: bool = False,
    script: StandardDocument | None = None,
    standards=(),
    handling_cost: Decimal | None = None,
    parent: ComplaintCategory | None = None,
    is_active: bool = True,
) -> ComplaintCategory:
    if not (name or "").strip():
        raise ApplicationError(gettext("Name the category."), field="name")
    clash = ComplaintCategory.objects.filter(code=code)
    if category is not None:
        clash = clash.exclude(pk=category.pk)
    if clash.exists():
        raise ApplicationError(gettext("Another category has this code."), field="code")
    if owner is not None and not (owner.is_active and may_handle(owner)):
        raise ApplicationError(gettext("The owner must be an active sales manager or administrator."), field="owner")
    if handling_cost is not None and handling_cost < 0:
        raise ApplicationError(gettext("The cost cannot be negative."), field="handling_cost")
    if script is not None and script.kind != StandardDocument.DocKind.SCRIPT:
        raise ApplicationError(gettext("The script must be a sales script document."), field="script")
    values = {
        "name": name.strip(),
        "code": code,
        "owner": owner,
        "prefer_owner": prefer_owner,
        "script": script,
        "parent": parent,
        "handling_cost": handling_cost,
        "is_active": is_active,
    }
    if category is None:
        category = ComplaintCategory.objects.create(**values)
    else:
        category = ComplaintCategory.objects.select_for_update().get(pk=category.pk)
        for field, value in values.items():
            setattr(category, field, value)
        category.save(update_fields=[*values, "updated_at"])
    category.standards.set(list(standards))
    return category
