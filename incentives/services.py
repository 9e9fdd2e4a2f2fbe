"""The only code that writes incentives: settings, credit splits, plans, the award catalogue and rules,
period closing (snapshot + award proposals) and award decisions."""

from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext as _

from crm.exceptions import ApplicationError, ConflictError
from crm.money import ZERO, money
from crm.notifications import services as notification_services
from crm.notifications.webhooks import event_emit
from crm.roles import Role, has_role
from purchases import services as purchase_services
from purchases.models import Purchase

from . import periods, selectors
from .models import (
    Award,
    AwardRule,
    AwardType,
    CreditSplit,
    IncentiveSettings,
    PeriodClose,
    SalesPlan,
    ScoreSnapshot,
)
from .periods import Period

# Words that mark a material award the company may not give: personal items, clothing, jewellery.
FORBIDDEN_KINDS = {
    "personal_item",
    "personal_items",
    "clothing",
    "clothes",
    "apparel",
    "jewellery",
    "jewelry",
}


# Who may be credited with a sale (the setup page offers these): the people who sell.
CREDITED_ROLES = (Role.SALES_MANAGER, Role.ADMINISTRATOR)


def _not_negative(value: Decimal, *, field: str) -> Decimal:
    """Figures arrive as Decimal (forms and serializers parse them); the rule is that none is negative."""
    if value < 0:
        raise ApplicationError(gettext("This cannot be negative."), field=field)
    return value


@transaction.atomic
def incentive_settings_update(*, credit_to: str, by=None) -> IncentiveSettings:
    if credit_to not in IncentiveSettings.CreditTo.values:
        raise ApplicationError(gettext("Choose who is credited with a sale."), field="credit_to")
    settings_row, _ = IncentiveSettings.objects.select_for_update().get_or_create(pk=1)
    settings_row.credit_to = credit_to
    settings_row.save(update_fields=["credit_to", "updated_at"])
    return settings_row


@transaction.atomic
def credit_split_set(*, purchase: Purchase, shares: list[tuple[object, Decimal]], by=None) -> list[CreditSplit]:
    """Split a sale's credit between at most two staff members (shares in percent, summing to 100).
    An empty list removes the split (the credit setting applies again). Returns of the sale follow it."""
    if purchase.kind != Purchase.Kind.SALE:
        raise ApplicationError(
            gettext("Split the credit of the original sale; its returns follow it."), field="purchase"
        )
    if len(shares) > 2:
        raise ApplicationError(gettext("Credit can be split between two staff members at most."), field="shares")
    users = [user for user, _ in shares]
    if any(not (user.is_active and has_role(user, *CREDITED_ROLES)) for user in users):
        raise ApplicationError(gettext("Credit a sale to active sales managers or administrators."), field="shares")
    if len({u.pk for u in users}) != len(users):
        raise ApplicationError(gettext("Name each staff member once."), field="shares")
    percents = [_not_negative(p, field="shares") for _, p in shares]
    if any(p <= 0 for p in percents):
        raise ApplicationError(gettext("Each share must be above 0%."), field="shares")
    if shares and sum(percents) != Decimal("100"):
        raise ApplicationError(gettext("The shares must add up to 100%."), field="shares")
    Purchase.objects.select_for_update().filter(pk=purchase.pk).first()
    CreditSplit.objects.filter(purchase=purchase).delete()
    return [
        CreditSplit.objects.create(purchase=purchase, user=user, share_percent=pct)
        for user, pct in zip(users, percents, strict=True)
    ]


def _open_period(value: str | Period) -> Period:
    period = value if isinstance(value, Period) else periods.parse(value)
    if PeriodClose.objects.filter(period=str(period)).exists() or period.has_ended():
        raise ApplicationError(
            gettext("%(period)s is closed; plans can be set for open periods only.") % {"period": period},
            field="period",
        )
    return period


@transaction.atomic
def sales_plan_set(
    *, period: str | Period, user=None, target_points: Decimal, target_revenue: Decimal, by=None
) -> SalesPlan:
    """Set the company's (user None) or a person's target for an open period, in points and in revenue."""
    period = _open_period(period)
    points = money(_not_negative(target_points, field="target_points"))
    revenue = money(_not_negative(target_revenue, field="target_revenue"))
    plan, _ = SalesPlan.objects.select_for_update().update_or_create(
        period=str(period), user=user, defaults={"target_points": points, "target_revenue": revenue, "set_by": by}
    )
    return plan


def _kind(kind: str) -> str:
    kind = (kind or "").strip().lower()
    if kind in FORBIDDEN_KINDS or any(word in kind for word in ("cloth", "jewel", "personal")):
        raise ApplicationError(
            gettext("Material awards may not be personal items, clothing or jewellery."), field="kind"
        )
    if kind not in AwardType.Kind.values:
        allowed = ", ".join(str(label) for label in AwardType.Kind.labels)
        raise ApplicationError(
            gettext("Choose an allowed kind of award: %(allowed)s.") % {"allowed": allowed}, field="kind"
        )
    return kind


@transaction.atomic
def award_type_create(*, name: str, kind: str, description: str = "", by=None) -> AwardType:
    name = (name or "").strip()
    if not name:
        raise ApplicationError(gettext("Give the award a name."), field="name")
    kind = _kind(kind)
    if AwardType.objects.filter(name__iexact=name).exists():
        raise ApplicationError(gettext("An award type with this name exists."), field="name")
    return AwardType.objects.create(name=name, kind=kind, description=description or "")


@transaction.atomic
def award_type_update(*, award_type: AwardType, name: str, kind: str, description: str = "", is_active=True):
    award_type = AwardType.objects.select_for_update().get(pk=award_type.pk)
    award_type.name = (name or "").strip() or award_type.name
    award_type.kind = _kind(kind)
    award_type.description = description or ""
    award_type.is_active = bool(is_active)
    award_type.save(update_fields=["name", "kind", "description", "is_active", "updated_at"])
    return award_type


@transaction.atomic
def award_rule_create(
    *,
    name: str,
    period_kind: str,
    award_type: AwardType,
    winners: int = 1,
    min_fulfilment_percent: Decimal = Decimal("100"),
    bonus_base: Decimal = ZERO,
    bonus_percent: Decimal = ZERO,
    bonus_cap: Decimal | None = None,
    scope: str = AwardRule.Scope.SALES,
    role: str = "",
    by=None,
) -> AwardRule:
    name = (name or "").strip()
    if not name:
        raise ApplicationError(gettext("Give the rule a name."), field="name")
    if period_kind not in (periods.MONTH, periods.QUARTER):
        raise ApplicationError(gettext("Choose month or quarter."), field="period_kind")
    if not award_type.is_active:
        raise ApplicationError(gettext("This award type is retired."), field="award_type")
    if winners < 1:
        raise ApplicationError(gettext("Enter a whole number of winners, at least 1."), field="winners")
    if scope not in AwardRule.Scope.values:
        raise ApplicationError(_("Choose whom the rule scores: sales or service to colleagues."), field="scope")
    if role and role not in Role.values:
        raise ApplicationError(_("Choose a role, or none for every role."), field="role")
    if scope == AwardRule.Scope.SERVICE and min_fulfilment_percent > 100:
        raise ApplicationError(
            _("For a service rule this is the minimum share on time: at most 100%."), field="min_fulfilment_percent"
        )
    cap = None if bonus_cap is None else money(_not_negative(bonus_cap, field="bonus_cap"))
    return AwardRule.objects.create(
        scope=scope,
        role=role or "",
        name=name,
        period_kind=period_kind,
        award_type=award_type,
        winners=winners,
        min_fulfilment_percent=_not_negative(min_fulfilment_percent, field="min_fulfilment_percent"),
        bonus_base=money(_not_negative(bonus_base, field="bonus_base")),
        bonus_percent=_not_negative(bonus_percent, field="bonus_percent"),
        bonus_cap=cap,
    )


def award_bonus(rule: AwardRule, *, score: Decimal, target: Decimal | None) -> Decimal:
    """base + percent % of the weighted score above the personal target (none without a target), capped."""
    over = max(ZERO, score - target) if target is not None else ZERO
    bonus = money(rule.bonus_base + over * rule.bonus_percent / 100)
    if rule.bonus_cap is not None:
        bonus = min(bonus, rule.bonus_cap)
    return bonus


def _winners(rule: AwardRule, board: selectors.Leaderboard) -> list[selectors.Standing]:
    eligible = [
        row
        for row in board.rows
        if row.weighted_score > 0
        and row.fulfilment_percent is not None
        and row.fulfilment_percent >= rule.min_fulfilment_percent
        and (not rule.role or has_role(row.user, rule.role))
    ]
    return eligible[: rule.winners]  # rows are already ranked by weighted score


def _service_winners(rule: AwardRule, rows: list) -> list:
    """The best service scores among those with enough requests done on time (and the rule's role)."""
    eligible = [
        row
        for row in rows
        if row.score > 0
        and row.on_time_percent >= rule.min_fulfilment_percent
        and (not rule.role or has_role(row.user, rule.role))
    ]
    return eligible[: rule.winners]  # rows are already ranked by service score


def _service_award(rule: AwardRule, period: Period, row) -> Award:
    cash = money(rule.bonus_base)
    if rule.bonus_cap is not None:
        cash = min(cash, rule.bonus_cap)
    rating = row.avg_rating if row.avg_rating is not None else "-"
    return Award(
        period=str(period),
        rule=rule,
        award_type=rule.award_type,
        user=row.user,
        weighted_score=row.score,
        fulfilment_percent=row.on_time_percent,
        cash_amount=cash,
        reason=(
            f"{rule.name}: rank {row.rank} in service to colleagues, score {row.score}, {row.done} requests, "
            f"{row.on_time_percent}% on time, average rating {rating}"
        ),
    )


@transaction.atomic
def period_close(*, period: str | Period, by=None) -> PeriodClose:
    """Freeze a period's scores as a snapshot, apply the award rules of its kind and propose the awards
    for an administrator to approve. Entries recorded later count in a later period (see selectors)."""
    period = period if isinstance(period, Period) else periods.parse(period)
    now = timezone.now()
    if not period.has_started(now):
        raise ApplicationError(gettext("A period can be closed once it has started."), field="period")
    if PeriodClose.objects.filter(period=str(period)).exists():
        raise ConflictError(gettext("%(period)s is already closed.") % {"period": period})
    board = selectors.leaderboard(period, live=True)
    try:
        with transaction.atomic():
            close = PeriodClose.objects.create(
                period=str(period),
                kind=period.kind,
                starts_at=period.starts_at,
                ends_at=period.ends_at,
                closed_at=now,
                closed_by=by,
                company_score=board.company_score,
                company_revenue=board.company_revenue,
            )
    except IntegrityError:
        raise ConflictError(gettext("%(period)s is already closed.") % {"period": period})
    ScoreSnapshot.objects.bulk_create(
        ScoreSnapshot(
            close=close,
            user=row.user,
            rank=row.rank,
            weighted_score=row.weighted_score,
            locomotive_score=row.locomotive_score,
            revenue=row.revenue,
            plan_target=row.plan_target,
            revenue_target=row.revenue_target,
            fulfilment_percent=row.fulfilment_percent,
            contribution_percent=row.contribution_percent,
        )
        for row in board.rows
    )
    proposals = []
    rules = list(AwardRule.objects.filter(is_active=True, period_kind=period.kind).select_related("award_type"))
    if any(rule.scope == AwardRule.Scope.SERVICE for rule in rules):
        service_rows = selectors.service_leaderboard(period)
        for rule in rules:
            if rule.scope == AwardRule.Scope.SERVICE:
                proposals += [_service_award(rule, period, row) for row in _service_winners(rule, service_rows)]
    for rule in rules:
        if rule.scope != AwardRule.Scope.SALES:
            continue
        for row in _winners(rule, board):
            proposals.append(
                Award(
                    period=str(period),
                    rule=rule,
                    award_type=rule.award_type,
                    user=row.user,
                    weighted_score=row.weighted_score,
                    fulfilment_percent=row.fulfilment_percent,
                    cash_amount=award_bonus(rule, score=row.weighted_score, target=row.plan_target),
                    reason=(
                        f"{rule.name}: rank {row.rank}, weighted score {row.weighted_score}, "
                        f"{row.fulfilment_percent}% of plan"
                    ),
                )
            )
    Award.objects.bulk_create(proposals)
    if proposals:
        _notify_administrators(period, len(proposals))
    return close


def _notify_administrators(period: Period, count: int) -> None:
    admins = get_user_model().objects.filter(is_active=True, groups__name=Role.ADMINISTRATOR)
    for admin in admins:
        with notification_services.in_user_language(admin):
            notification_services.notification_enqueue_for_user(
                user=admin,
                event="award_proposals",
                dedup_key=f"award_proposals:{period}",
                subject=gettext("%(count)s award proposal(s) for %(label)s await approval")
                % {"count": count, "label": period.label},
                body=gettext("Open Awards to approve or reject them."),
            )


@transaction.atomic
def award_decide(*, award: Award, approve: bool, by) -> Award:
    award = Award.objects.select_for_update().select_related("award_type").get(pk=award.pk)
    if award.status != Award.Status.PROPOSED:
        raise ApplicationError(
            gettext("This award is already %(get_status_display)s.")
            % {"get_status_display": award.get_status_display().lower()},
            field="status",
        )
    award.status = Award.Status.APPROVED if approve else Award.Status.REJECTED
    award.decided_by = by
    award.decided_at = timezone.now()
    award.save(update_fields=["status", "decided_by", "decided_at", "updated_at"])
    event_emit(
        "award.decided",
        entity=f"award:{award.pk}",
        data={"id": award.pk, "user": award.user_id, "status": award.status, "period": str(award.period)},
    )
    if approve:
        with notification_services.in_user_language(award.user):
            notification_services.notification_enqueue_for_user(
                user=award.user,
                event="award_approved",
                dedup_key=f"award_approved:{award.pk}",
                subject=gettext("Congratulations: %(name)s (%(period)s)")
                % {"name": award.award_type.name, "period": award.period},
                body=award.reason,
            )
    return award


def product_weight_set(*, product, weight, effective_from, by):
    """Administrators set weights here from the incentives setup page; the purchases app owns the history."""
    return purchase_services.product_weight_set(product=product, weight=weight, effective_from=effective_from, by=by)
