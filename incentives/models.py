"""Incentives: who gets credit for a sale, sales plans, frozen period scores and awards.

Scores themselves are never stored for open periods: they are one SQL aggregate over the purchase ledger
(see selectors.py). A closed period's scores are frozen in ScoreSnapshot rows."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy
from django.utils.translation import gettext_lazy as _

from crm.roles import Role

POINTS = {"max_digits": 16, "decimal_places": 2}
MONEY = {"max_digits": 14, "decimal_places": 2}


class IncentiveSettings(models.Model):
    """Singleton (pk=1), set by administrators.

    credit_to decides who is credited with a purchase that has no CreditSplit:
    - recorder: the staff member who recorded the sale (a return or correction is credited to whoever
      recorded the original sale, so it deducts from the same person);
    - manager: the client's permanent manager at the time the score is computed (falls back to the recorder
      when the client has no manager).
    A CreditSplit on a purchase always wins over this setting."""

    class CreditTo(models.TextChoices):
        RECORDER = "recorder", gettext_lazy("Staff member who recorded the sale")
        MANAGER = "manager", gettext_lazy("Client's permanent manager")

    credit_to = models.CharField(max_length=10, choices=CreditTo.choices, default=CreditTo.RECORDER)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = verbose_name_plural = "incentive settings"

    def __str__(self):
        return f"Credit to: {self.get_credit_to_display()}"


class CreditSplit(models.Model):
    """A share of one purchase's credit (the shares of a purchase sum to 100). Returns and corrections of
    the purchase are credited with the same shares."""

    purchase = models.ForeignKey("purchases.Purchase", on_delete=models.PROTECT, related_name="credit_splits")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    share_percent = models.DecimalField(
        max_digits=5,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.01")), MaxValueValidator(Decimal("100"))],
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["purchase", "-share_percent"]
        constraints = [models.UniqueConstraint(fields=["purchase", "user"], name="one_split_per_purchase_user")]

    def __str__(self):
        return f"{self.share_percent}% of purchase {self.purchase_id} to {self.user_id}"


class SalesPlan(models.Model):
    """A target for a period ("2026-11" or "2026-Q4"): the company's (user empty) or one person's."""

    period = models.CharField(max_length=7, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="sales_plans"
    )
    target_points = models.DecimalField(**POINTS, validators=[MinValueValidator(Decimal("0"))])
    target_revenue = models.DecimalField(**MONEY, validators=[MinValueValidator(Decimal("0"))])
    set_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-period", "user_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["period", "user"], condition=Q(user__isnull=False), name="one_personal_plan_per_period"
            ),
            models.UniqueConstraint(fields=["period"], condition=Q(user__isnull=True), name="one_company_plan"),
        ]
        indexes = [models.Index(fields=["updated_at"])]

    def __str__(self):
        return f"Plan {self.period} for {self.user or 'the company'}"


class PeriodClose(models.Model):
    """A period whose scores are frozen. Entries recorded after closed_at but dated inside the period count
    in the period they were recorded in (never earlier than the next one)."""

    period = models.CharField(max_length=7, unique=True)
    kind = models.CharField(max_length=7)  # "month" / "quarter"
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    closed_at = models.DateTimeField()
    closed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    company_score = models.DecimalField(**POINTS, default=Decimal("0"))
    company_revenue = models.DecimalField(**MONEY, default=Decimal("0"))

    class Meta:
        ordering = ["-starts_at"]
        indexes = [models.Index(fields=["kind", "starts_at"])]

    def __str__(self):
        return f"{self.period} closed {self.closed_at:%Y-%m-%d}"


class ScoreSnapshot(models.Model):
    """One person's frozen figures for a closed period."""

    close = models.ForeignKey(PeriodClose, on_delete=models.CASCADE, related_name="snapshots")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    rank = models.PositiveIntegerField()
    weighted_score = models.DecimalField(**POINTS)
    locomotive_score = models.DecimalField(**POINTS)
    revenue = models.DecimalField(**MONEY)
    plan_target = models.DecimalField(**POINTS, null=True)
    revenue_target = models.DecimalField(**MONEY, null=True)
    fulfilment_percent = models.DecimalField(max_digits=9, decimal_places=2, null=True)
    contribution_percent = models.DecimalField(max_digits=9, decimal_places=2, null=True)

    class Meta:
        ordering = ["close", "rank"]
        constraints = [models.UniqueConstraint(fields=["close", "user"], name="one_snapshot_per_user_period")]


class AwardType(models.Model):
    """The award catalogue. Only the kinds below exist: material awards may not be personal items, clothing
    or jewellery (services.award_type_create refuses them)."""

    class Kind(models.TextChoices):
        CASH_BONUS = "cash_bonus", gettext_lazy("Cash bonus")
        GIFT_CERTIFICATE = "gift_certificate", gettext_lazy("Gift certificate")
        EVENT_TICKETS = "event_tickets", gettext_lazy("Event tickets")
        HOUSEHOLD_EQUIPMENT = "household_equipment", gettext_lazy("Household equipment")
        COMPUTER_EQUIPMENT = "computer_equipment", gettext_lazy("Computer equipment")
        RECOGNITION_TITLE = "recognition_title", gettext_lazy("Recognition title")

    name = models.CharField(max_length=120, unique=True)
    kind = models.CharField(max_length=24, choices=Kind.choices)
    description = models.TextField(blank=True)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    @property
    def is_material(self) -> bool:
        return self.kind != self.Kind.RECOGNITION_TITLE


class AwardRule(models.Model):
    """Who wins what when a period closes.

    Scope "sales" (people who sell): the `winners` highest weighted scores among those with plan fulfilment
    >= min_fulfilment_percent. Bonus = bonus_base + bonus_percent % of (score - personal target), never below
    bonus_base, capped by bonus_cap when set: a fixed formula, no user-written expressions.
    Scope "service" (people who serve colleagues, scored on their internal requests: see
    crm/internal_requests/selectors.py): the `winners` highest service scores among those whose share of
    requests done on time is >= min_fulfilment_percent. Bonus = bonus_base (capped); there is no target.
    `role`, when set, keeps only holders of that role (an award for accountants)."""

    class Scope(models.TextChoices):
        SALES = "sales", _("Sales (weighted sales score)")
        SERVICE = "service", _("Service to colleagues (internal request score)")

    name = models.CharField(max_length=120)
    period_kind = models.CharField(
        max_length=7, choices=[("month", gettext_lazy("Month")), ("quarter", gettext_lazy("Quarter"))]
    )
    award_type = models.ForeignKey(AwardType, on_delete=models.PROTECT, related_name="rules")
    winners = models.PositiveSmallIntegerField(default=1, validators=[MinValueValidator(1)])
    min_fulfilment_percent = models.DecimalField(
        max_digits=6, decimal_places=2, default=Decimal("100"), validators=[MinValueValidator(Decimal("0"))]
    )
    bonus_base = models.DecimalField(**MONEY, default=Decimal("0"), validators=[MinValueValidator(Decimal("0"))])
    bonus_percent = models.DecimalField(
        max_digits=6, decimal_places=2, default=Decimal("0"), validators=[MinValueValidator(Decimal("0"))]
    )
    bonus_cap = models.DecimalField(**MONEY, null=True, blank=True, validators=[MinValueValidator(Decimal("0"))])
    scope = models.CharField(max_length=10, choices=Scope.choices, default=Scope.SALES)
    role = models.CharField(
        max_length=30, choices=Role.choices, blank=True, default="", help_text=_("Empty: any role.")
    )
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["period_kind", "name"]

    def __str__(self):
        return self.name


class Award(models.Model):
    """A proposal made when a period closes; an administrator approves or rejects it."""

    class Status(models.TextChoices):
        PROPOSED = "proposed", gettext_lazy("Proposed")
        APPROVED = "approved", gettext_lazy("Approved")
        REJECTED = "rejected", gettext_lazy("Rejected")

    period = models.CharField(max_length=7)
    rule = models.ForeignKey(AwardRule, null=True, blank=True, on_delete=models.PROTECT, related_name="awards")
    award_type = models.ForeignKey(AwardType, on_delete=models.PROTECT, related_name="awards")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="awards")
    weighted_score = models.DecimalField(**POINTS, default=Decimal("0"))
    fulfilment_percent = models.DecimalField(max_digits=9, decimal_places=2, null=True, blank=True)
    cash_amount = models.DecimalField(**MONEY, default=Decimal("0"))
    reason = models.TextField(blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PROPOSED)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-period", "-id"]
        constraints = [models.UniqueConstraint(fields=["period", "rule", "user"], name="one_award_per_rule_user")]
        indexes = [models.Index(fields=["status", "-id"]), models.Index(fields=["updated_at"])]

    def __str__(self):
        return f"{self.award_type} for {self.user} ({self.period})"
