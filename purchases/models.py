from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy
from simple_history.models import HistoricalRecords

MONEY = {"max_digits": 14, "decimal_places": 2}


class Category(models.Model):
    name = models.CharField(max_length=100, unique=True)
    code = models.SlugField(max_length=50, unique=True)
    is_active = models.BooleanField(default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "categories"
        indexes = [models.Index(fields=["updated_at"], name="product_category_updated_idx")]

    def __str__(self):
        return self.name


class Product(models.Model):
    sku = models.CharField(max_length=50, unique=True)
    name = models.CharField(max_length=200)
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="products")
    unit_price = models.DecimalField(**MONEY, validators=[MinValueValidator(Decimal("0"))])
    unit_cost = models.DecimalField(**MONEY, validators=[MinValueValidator(Decimal("0"))])
    # The weight in force today; the effective-dated history is ProductWeight (scores read that).
    incentive_weight = models.DecimalField(
        max_digits=6, decimal_places=3, default=Decimal("1"), validators=[MinValueValidator(Decimal("0"))]
    )
    is_locomotive = models.BooleanField(
        default=False, help_text=gettext_lazy("Locomotive product: drives other sales.")
    )
    is_key = models.BooleanField(default=False, help_text=gettext_lazy("Key product: a consultation follows the sale."))
    consultation_after_days = models.PositiveIntegerField(default=14)
    discount_eligible = models.BooleanField(default=True)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        ordering = ["name"]
        indexes = [models.Index(fields=["updated_at"]), models.Index(fields=["category", "name"])]

    def __str__(self):
        return f"{self.sku} {self.name}"


class ProductWeight(models.Model):
    """Effective-dated incentive weight: the weight in force on a date is the latest effective_from <= date."""

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="weights")
    weight = models.DecimalField(max_digits=6, decimal_places=3, validators=[MinValueValidator(Decimal("0"))])
    effective_from = models.DateField()
    set_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["product", "-effective_from"]
        constraints = [models.UniqueConstraint(fields=["product", "effective_from"], name="one_weight_per_product_day")]


class TaxRate(models.Model):
    """Effective-dated tax rate (percent) of a product or of a whole category. The rate of a sale line is the
    product's rate in force on the sale date (latest effective_from <= date), else its category's, else the
    TAX_DEFAULT_RATE setting. Rates are only added, never edited: documents fix the rate on their lines."""

    product = models.ForeignKey(Product, null=True, blank=True, on_delete=models.PROTECT, related_name="tax_rates")
    category = models.ForeignKey(Category, null=True, blank=True, on_delete=models.PROTECT, related_name="tax_rates")
    rate = models.DecimalField(
        max_digits=5, decimal_places=2, validators=[MinValueValidator(Decimal("0"))], help_text=gettext_lazy("Percent.")
    )
    name = models.CharField(max_length=50, blank=True, help_text=gettext_lazy('e.g. "Standard", "Reduced".'))
    effective_from = models.DateField()
    set_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-effective_from", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(product__isnull=False, category__isnull=True)
                | models.Q(product__isnull=True, category__isnull=False),
                name="tax_rate_for_product_or_category",
            ),
            models.UniqueConstraint(
                fields=["product", "effective_from"],
                condition=models.Q(product__isnull=False),
                name="one_tax_rate_per_product_day",
            ),
            models.UniqueConstraint(
                fields=["category", "effective_from"],
                condition=models.Q(category__isnull=False),
                name="one_tax_rate_per_category_day",
            ),
        ]

    def __str__(self):
        target = self.product.sku if self.product_id else self.category.name
        return f"{target}: {self.rate}% from {self.effective_from}"


class DiscountTier(models.Model):
    """Cumulative net purchases threshold -> discount percent."""

    threshold = models.DecimalField(**MONEY, unique=True, validators=[MinValueValidator(Decimal("0"))])
    percent = models.DecimalField(max_digits=5, decimal_places=2, validators=[MinValueValidator(Decimal("0"))])
    name = models.CharField(max_length=50, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["threshold"]

    def __str__(self):
        return self.name or f"{self.percent}% from {self.threshold}"


class DiscountPolicy(models.Model):
    """Singleton (pk=1): the basis of the cumulative total, lifetime or a rolling window of N months."""

    class Basis(models.TextChoices):
        LIFETIME = "lifetime", gettext_lazy("Lifetime")
        ROLLING = "rolling", gettext_lazy("Rolling window")

    basis = models.CharField(max_length=10, choices=Basis.choices, default=Basis.LIFETIME)
    window_months = models.PositiveIntegerField(default=12)

    history = HistoricalRecords()


class ClientAccount(models.Model):
    """The client's running cumulative net total and current tier, updated in the same transaction as
    each ledger entry under a row lock (one row per client)."""

    client = models.OneToOneField("clients.Client", on_delete=models.CASCADE, related_name="account")
    cumulative_total = models.DecimalField(**MONEY, default=Decimal("0"))
    tier = models.ForeignKey(DiscountTier, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    # Rolling-window basis: entries dated before window_start no longer count (None: lifetime basis).
    window_start = models.DateTimeField(null=True, blank=True)
    recomputed_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self):
        return f"Account of client {self.client_id}: {self.cumulative_total}"


class Purchase(models.Model):
    """A ledger entry. Never edited or deleted: returns and corrections are new entries with negative
    amounts referencing the original."""

    class Kind(models.TextChoices):
        SALE = "sale", gettext_lazy("Sale")
        RETURN = "return", gettext_lazy("Return")
        CORRECTION = "correction", gettext_lazy("Correction")

    client = models.ForeignKey("clients.Client", on_delete=models.PROTECT, related_name="purchases")
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.SALE)
    original = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="returns")
    external_id = models.CharField(max_length=100, null=True, blank=True, unique=True)
    purchased_at = models.DateTimeField()
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    gross_total = models.DecimalField(**MONEY)
    discount_percent = models.DecimalField(max_digits=5, decimal_places=2)
    discount_amount = models.DecimalField(**MONEY)
    net_total = models.DecimalField(**MONEY)
    tier = models.ForeignKey(DiscountTier, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    cumulative_before = models.DecimalField(**MONEY)
    cumulative_after = models.DecimalField(**MONEY)
    discount_override_reason = models.TextField(blank=True)
    note = models.TextField(blank=True)
    # No updated_at: an entry never changes (a PostgreSQL trigger refuses UPDATE and DELETE, crm/dbguard.py), so
    # "changed since" is "created since".
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["client", "-id"]),
            models.Index(fields=["purchased_at"]),
            models.Index(fields=["created_at"]),
        ]


class PurchaseLine(models.Model):
    purchase = models.ForeignKey(Purchase, on_delete=models.PROTECT, related_name="lines")
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="+")
    original_line = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    quantity = models.DecimalField(max_digits=12, decimal_places=3)
    unit_price = models.DecimalField(**MONEY)
    gross_amount = models.DecimalField(**MONEY)
    discount_amount = models.DecimalField(**MONEY)
    net_amount = models.DecimalField(**MONEY)
    unit_cost = models.DecimalField(**MONEY, help_text=gettext_lazy("Cost at the time, for margin."))
    discount_eligible = models.BooleanField()
    # The product's incentive weight in force on the purchase date, fixed when the line is recorded (weights
    # cannot be backdated, so this never disagrees with ProductWeight); scores are SUM(net_amount * weight).
    incentive_weight = models.DecimalField(max_digits=6, decimal_places=3)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["product", "purchase"])]


class TierChange(models.Model):
    """Dated history of a client's tier: which entry (or recomputation) moved the total across which threshold."""

    class Direction(models.TextChoices):
        UP = "up", gettext_lazy("Up")
        DOWN = "down", gettext_lazy("Down")

    class Cause(models.TextChoices):
        PURCHASE = "purchase", gettext_lazy("Purchase")
        RETURN = "return", gettext_lazy("Return")
        CORRECTION = "correction", gettext_lazy("Correction")
        RECOMPUTE = "recompute", gettext_lazy("Window recomputation")
        MERGE = "merge", gettext_lazy("Client merge")

    client = models.ForeignKey("clients.Client", on_delete=models.CASCADE, related_name="tier_changes")
    changed_at = models.DateTimeField()
    direction = models.CharField(max_length=4, choices=Direction.choices)
    cause = models.CharField(max_length=12, choices=Cause.choices)
    purchase = models.ForeignKey(Purchase, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    from_tier = models.ForeignKey(DiscountTier, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    to_tier = models.ForeignKey(DiscountTier, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    total_before = models.DecimalField(**MONEY)
    total_after = models.DecimalField(**MONEY)
    explanation = models.TextField()

    class Meta:
        ordering = ["-changed_at", "-id"]
        indexes = [models.Index(fields=["client", "-changed_at"])]


class DiscountOverride(models.Model):
    """Audit of an administrator's discount override (at recording time, or later through a correction)."""

    purchase = models.ForeignKey(Purchase, on_delete=models.PROTECT, related_name="overrides")
    correction = models.ForeignKey(Purchase, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(auto_now_add=True)
    computed_percent = models.DecimalField(max_digits=5, decimal_places=2)
    override_percent = models.DecimalField(max_digits=5, decimal_places=2)
    reason = models.TextField()

    class Meta:
        ordering = ["-at"]


class PriceOverride(models.Model):
    """Audit of a sale line priced below the catalogue price by more than PRICE_OVERRIDE_ALLOWANCE_PERCENT: who,
    why, and the catalogue price at the time. Append-only, like the ledger."""

    purchase = models.ForeignKey(Purchase, on_delete=models.PROTECT, related_name="price_overrides")
    line = models.OneToOneField(PurchaseLine, on_delete=models.PROTECT, related_name="price_override")
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="+")
    catalogue_price = models.DecimalField(**MONEY)
    unit_price = models.DecimalField(**MONEY)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reason = models.TextField()
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["by", "-id"]),
            models.Index(fields=["product", "-id"]),
            models.Index(fields=["at"]),
        ]

    @property
    def below_percent(self) -> Decimal:
        """How far below the catalogue price, in percent (two decimals)."""
        if not self.catalogue_price:
            return Decimal("0.00")
        return ((self.catalogue_price - self.unit_price) * 100 / self.catalogue_price).quantize(Decimal("0.01"))


class InvoiceCounter(models.Model):
    """One row per year, locked while a number is taken: numbers are gapless (a sequence is not)."""

    year = models.PositiveIntegerField(primary_key=True)
    last_number = models.PositiveIntegerField(default=0)


class Invoice(models.Model):
    class Status(models.TextChoices):
        REQUESTED = "requested", gettext_lazy("Requested")
        ISSUED = "issued", gettext_lazy("Issued")
        SENT = "sent", gettext_lazy("Sent")
        PAID = "paid", gettext_lazy("Paid")
        PARTIALLY_REFUNDED = "partially_refunded", gettext_lazy("Partially refunded")
        REFUNDED = "refunded", gettext_lazy("Refunded")
        VOID = "void", gettext_lazy("Void")

    class SendState(models.TextChoices):
        """Where sending the invoice to the client stands; the status turns "sent" only once a message went out."""

        NOT_SENT = "", gettext_lazy("Not sent")
        QUEUED = "queued", gettext_lazy("Queued")
        SENT = "sent", gettext_lazy("Sent")
        FAILED = "failed", gettext_lazy("Not sent")

    # statuses that hold their purchases (a refunded invoice still covers them: a credit note corrects it)
    OPEN = ("requested", "issued", "sent", "paid", "partially_refunded", "refunded")

    client = models.ForeignKey("clients.Client", on_delete=models.PROTECT, related_name="invoices")
    purchases = models.ManyToManyField(Purchase, related_name="invoices")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.REQUESTED)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField()
    due_at = models.DateTimeField()
    note = models.TextField(blank=True)
    claimed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    claimed_at = models.DateTimeField(null=True, blank=True)
    number = models.CharField(max_length=20, null=True, blank=True, unique=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    issued_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    send_state = models.CharField(max_length=10, choices=SendState.choices, default=SendState.NOT_SENT, blank=True)
    send_error = models.TextField(blank=True, help_text=gettext_lazy("Why the last sending did not go out."))
    send_attempts = models.PositiveIntegerField(default=0)
    # Totals: before issue an estimate kept up to date from the ledger (returns and corrections refresh it);
    # at issue fixed from the invoice's lines and never changed again (later returns give credit notes).
    # list_total and discount_amount are in the ledger's price basis (net or gross, PRICES_INCLUDE_TAX);
    # net_total excludes tax, gross_total includes it and is the amount to pay.
    list_total = models.DecimalField(
        **MONEY, default=Decimal("0"), help_text=gettext_lazy("Lines at unit prices, before discount.")
    )
    discount_amount = models.DecimalField(**MONEY, default=Decimal("0"))
    net_total = models.DecimalField(**MONEY, default=Decimal("0"), help_text=gettext_lazy("Excluding tax."))
    tax_total = models.DecimalField(**MONEY, default=Decimal("0"))
    gross_total = models.DecimalField(
        **MONEY, default=Decimal("0"), help_text=gettext_lazy("Including tax: the amount due.")
    )
    # Sum of the gross totals of this invoice's issued credit notes (moved when one is issued).
    credited_total = models.DecimalField(**MONEY, default=Decimal("0"))
    amount_paid = models.DecimalField(**MONEY, default=Decimal("0"))
    amount_refunded = models.DecimalField(**MONEY, default=Decimal("0"))
    paid_at = models.DateTimeField(null=True, blank=True)
    overdue_notified_at = models.DateTimeField(null=True, blank=True)
    voided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    voided_at = models.DateTimeField(null=True, blank=True)
    void_reason = models.TextField(blank=True)
    # Legacy: before credit notes had their own series (CreditNote), voiding an issued invoice took a number
    # from the invoice series into this field. Kept read-only for those rows; new voids issue a CreditNote.
    credit_note_number = models.CharField(max_length=20, null=True, blank=True, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["status", "due_at"]),
            models.Index(fields=["requested_by", "-id"]),
            models.Index(fields=["client", "-id"]),
            models.Index(fields=["updated_at"]),
            # the accountants' "Not sent to the client" list: a handful of rows among all invoices
            models.Index(fields=["-updated_at"], name="invoice_send_failed_idx", condition=Q(send_state="failed")),
        ]

    def __str__(self):
        return self.number or f"Invoice request #{self.pk}"

    @property
    def balance(self) -> Decimal:
        """What the client owes on this invoice: the gross total, less issued credit notes, less payments,
        plus refunds (money handed back no longer counts as paid). Negative: money is due back to the client
        (a credit note on a paid invoice); a refund brings it back toward 0. See purchases/README.md."""
        return self.gross_total - self.credited_total - self.amount_paid + self.amount_refunded

    @property
    def refundable(self) -> Decimal:
        """What was paid and not yet refunded: no refund ever exceeds it."""
        return self.amount_paid - self.amount_refunded

    @property
    def refund_due(self) -> Decimal:
        """What is due back to the client: the part of the net payments the invoice no longer justifies
        (after credit notes), i.e. minus a negative balance; 0 when the client still owes something."""
        return max(Decimal("0"), -self.balance)


class InvoiceLine(models.Model):
    """A line of an issued invoice: one sale line net of what had been returned (or corrected) by the issue,
    with the tax rate in force on the sale date. Written once, at issue; never updated or deleted."""

    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="lines")
    purchase_line = models.ForeignKey(PurchaseLine, on_delete=models.PROTECT, related_name="invoice_lines")
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="+")
    description = models.CharField(max_length=250)
    quantity = models.DecimalField(max_digits=12, decimal_places=3)
    unit_price = models.DecimalField(**MONEY)
    discount_amount = models.DecimalField(**MONEY)
    net_amount = models.DecimalField(**MONEY, help_text=gettext_lazy("Excluding tax."))
    tax_rate = models.DecimalField(max_digits=5, decimal_places=2, help_text=gettext_lazy("Percent."))
    tax_amount = models.DecimalField(**MONEY)
    gross_amount = models.DecimalField(**MONEY, help_text=gettext_lazy("Including tax."))

    class Meta:
        ordering = ["id"]


class PaymentMethod(models.TextChoices):
    TRANSFER = "transfer", gettext_lazy("Bank transfer")
    CARD = "card", gettext_lazy("Card")
    CASH = "cash", gettext_lazy("Cash")
    OTHER = "other", gettext_lazy("Other")


class InvoicePayment(models.Model):
    """A payment received against an invoice (append-only). `external_id` (the ERP's or bank's id) makes
    recording it idempotent: a repeat answers the payment recorded the first time."""

    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="payments")
    paid_on = models.DateField()
    amount = models.DecimalField(**MONEY)
    method = models.CharField(max_length=10, choices=PaymentMethod.choices, blank=True)
    reference = models.CharField(max_length=100, blank=True)
    external_id = models.CharField(max_length=100, null=True, blank=True, unique=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["paid_on", "id"]


class CreditNoteCounter(models.Model):
    """The credit notes' own gapless yearly series (CN-2026-000001), locked like InvoiceCounter."""

    year = models.PositiveIntegerField(primary_key=True)
    last_number = models.PositiveIntegerField(default=0)


class CreditNote(models.Model):
    """A credit against an issued invoice, for a return or a discount correction recorded after the issue
    (`entry`), or for what was left of the invoice when it was voided (no entry). Amounts are positive: what is
    credited. Requested when the entry is recorded; an accountant issues it (the number is taken then)."""

    class Status(models.TextChoices):
        REQUESTED = "requested", gettext_lazy("Requested")
        ISSUED = "issued", gettext_lazy("Issued")

    class Reason(models.TextChoices):
        RETURN = "return", gettext_lazy("Return")
        CORRECTION = "correction", gettext_lazy("Discount correction")
        VOID = "void", gettext_lazy("Invoice voided")

    # The client is the invoice's (no copy of it here: a client merge has nothing to move).
    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="credit_notes")
    entry = models.OneToOneField(Purchase, null=True, blank=True, on_delete=models.PROTECT, related_name="credit_note")
    reason = models.CharField(max_length=12, choices=Reason.choices)
    note = models.TextField(blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.REQUESTED)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField()
    due_at = models.DateTimeField()
    number = models.CharField(max_length=20, null=True, blank=True, unique=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    issued_at = models.DateTimeField(null=True, blank=True)
    net_total = models.DecimalField(**MONEY, help_text=gettext_lazy("Excluding tax."))
    tax_total = models.DecimalField(**MONEY)
    gross_total = models.DecimalField(**MONEY, help_text=gettext_lazy("Including tax."))
    # Sending to the client, as for invoices: sent only once the outbox reports the email went out.
    sent_at = models.DateTimeField(null=True, blank=True)
    send_state = models.CharField(
        max_length=10, choices=Invoice.SendState.choices, default=Invoice.SendState.NOT_SENT, blank=True
    )
    send_error = models.TextField(blank=True, help_text=gettext_lazy("Why the last sending did not go out."))
    send_attempts = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["status", "due_at"]),
            models.Index(fields=["updated_at"]),
            models.Index(fields=["-updated_at"], name="credit_note_send_failed_idx", condition=Q(send_state="failed")),
        ]

    def __str__(self):
        return self.number or f"Credit note request #{self.pk}"


class CreditNoteLine(models.Model):
    """What one invoice line is credited: linked to the return/correction ledger line it follows (none for a
    void). Written with the credit note; never updated or deleted."""

    credit_note = models.ForeignKey(CreditNote, on_delete=models.PROTECT, related_name="lines")
    invoice_line = models.ForeignKey(InvoiceLine, on_delete=models.PROTECT, related_name="credit_lines")
    purchase_line = models.ForeignKey(
        PurchaseLine, null=True, blank=True, on_delete=models.PROTECT, related_name="credit_note_lines"
    )
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="+")
    description = models.CharField(max_length=250)
    quantity = models.DecimalField(
        max_digits=12, decimal_places=3, help_text=gettext_lazy("Units credited (0: a price correction).")
    )
    unit_price = models.DecimalField(**MONEY)
    net_amount = models.DecimalField(**MONEY)
    tax_rate = models.DecimalField(max_digits=5, decimal_places=2)
    tax_amount = models.DecimalField(**MONEY)
    gross_amount = models.DecimalField(**MONEY)

    class Meta:
        ordering = ["id"]


class Refund(models.Model):
    """Money paid back to the client against a paid invoice, or against a credit note (then `credit_note` is
    set and `invoice` is the credit note's invoice, whose amounts it moves). Append-only; never more than was
    paid and not yet refunded. `external_id` makes recording it idempotent, as for payments."""

    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="refunds")
    credit_note = models.ForeignKey(CreditNote, null=True, blank=True, on_delete=models.PROTECT, related_name="refunds")
    refunded_on = models.DateField()
    amount = models.DecimalField(**MONEY)
    method = models.CharField(max_length=10, choices=PaymentMethod.choices, default=PaymentMethod.TRANSFER)
    reference = models.CharField(max_length=100, blank=True)
    external_id = models.CharField(max_length=100, null=True, blank=True, unique=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["refunded_on", "id"]
        constraints = [models.CheckConstraint(condition=models.Q(amount__gt=0), name="refund_amount_positive")]


class ReconciliationRun(models.Model):
    """One run of the reconciliation checks (purchases/reconciliation.py): what was checked and every
    mismatch found, each naming the rows it is about."""

    class Trigger(models.TextChoices):
        NIGHTLY = "nightly", gettext_lazy("Nightly")
        MANUAL = "manual", gettext_lazy("Run now")

    trigger = models.CharField(max_length=10, choices=Trigger.choices)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField()
    checks = models.JSONField(default=list, help_text=gettext_lazy("Names of the checks that ran."))
    mismatch_count = models.PositiveIntegerField(default=0)
    mismatches = models.JSONField(default=list, help_text=gettext_lazy("[{check, message, rows: [{model, id}], ...}]"))

    class Meta:
        ordering = ["-id"]

    def __str__(self):
        return f"Reconciliation {self.started_at:%Y-%m-%d %H:%M}: {self.mismatch_count} mismatch(es)"

    @property
    def is_clean(self) -> bool:
        return self.mismatch_count == 0


class PerkKind(models.Model):
    """A kind of extra given without a complaint (gift wrapping, a small gift, free delivery, a free sample, a
    birthday card, ...): administrators configure the list. See purchases/perks.py for how costs count."""

    name = models.CharField(max_length=100, unique=True)
    code = models.SlugField(max_length=50, unique=True)
    default_cost = models.DecimalField(**MONEY, default=Decimal("0"), validators=[MinValueValidator(Decimal("0"))])
    is_active = models.BooleanField(default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        indexes = [models.Index(fields=["updated_at"], name="perk_kind_updated_idx")]

    def __str__(self):
        return self.name


class Perk(models.Model):
    """An extra given beyond what the client expected, with what it costs. One-off (to one client, once) or
    standing (to one client or to every client of a segment, from `starts_at` until `ends_at`, exclusive;
    no end: still in force). How the cost of a standing perk accrues is `accrual` (purchases/perks.py)."""

    class Scope(models.TextChoices):
        ONE_OFF = "one_off", gettext_lazy("One-off, for a client")
        CLIENT = "standing_client", gettext_lazy("Standing, for a client")
        SEGMENT = "standing_segment", gettext_lazy("Standing, for a segment")

    class Accrual(models.TextChoices):
        ONCE = "once", gettext_lazy("Once")
        PER_PURCHASE = "per_purchase", gettext_lazy("Per purchase")
        PER_PERIOD = "per_period", gettext_lazy("Per 30 days in force")

    kind = models.ForeignKey(PerkKind, on_delete=models.PROTECT, related_name="perks")
    scope = models.CharField(max_length=20, choices=Scope.choices)
    client = models.ForeignKey("clients.Client", null=True, blank=True, on_delete=models.PROTECT, related_name="perks")
    segment = models.ForeignKey(
        "clients.Segment", null=True, blank=True, on_delete=models.PROTECT, related_name="perks"
    )
    cost = models.DecimalField(**MONEY, validators=[MinValueValidator(Decimal("0"))])
    accrual = models.CharField(max_length=20, choices=Accrual.choices, default=Accrual.ONCE)
    starts_at = models.DateTimeField(help_text="One-off: when it was given. Standing: from when it is in force.")
    ends_at = models.DateTimeField(null=True, blank=True, help_text="Standing: in force until (exclusive).")
    note = models.CharField(max_length=300, blank=True)
    given_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["client", "-starts_at"], name="perk_client_idx"),
            models.Index(fields=["segment", "-starts_at"], name="perk_segment_idx"),
            models.Index(fields=["starts_at"], name="perk_starts_idx"),
            models.Index(fields=["updated_at"], name="perk_updated_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(scope="one_off", client__isnull=False, segment__isnull=True, accrual="once")
                    | models.Q(scope="standing_client", client__isnull=False, segment__isnull=True)
                    & ~models.Q(accrual="once")
                    | models.Q(scope="standing_segment", client__isnull=True, segment__isnull=False)
                    & ~models.Q(accrual="once")
                ),
                name="perk_scope_recipient_accrual",
            ),
            models.CheckConstraint(condition=models.Q(cost__gte=0), name="perk_cost_not_negative"),
        ]

    def __str__(self):
        return f"{self.kind} {self.cost}"

    @property
    def is_standing(self) -> bool:
        return self.scope != self.Scope.ONE_OFF
