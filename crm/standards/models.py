"""Company standards: the business calendar every clock runs on, the company-wide service targets, and the
versioned standard documents staff acknowledge. Purchases (invoice due times) and complaints (response
clocks) both use them, so they sit below both.

The tables were created by the complaints app and keep its app label (`app_label = "complaints"`): moving
the code here changed no table, content type, permission or migration. Their schema changes are still
written as complaints migrations."""

from datetime import time
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy


class BusinessCalendar(models.Model):
    """Singleton (pk=1): the working week and hours every response clock runs on, in the company time zone
    (settings.TIME_ZONE). Holidays are listed in Holiday."""

    working_weekdays = models.JSONField(
        default=list, help_text=gettext_lazy("ISO weekdays that are working days, 1=Monday.")
    )
    day_start = models.TimeField(default=time(9, 0))
    day_end = models.TimeField(default=time(17, 0))

    class Meta:
        app_label = "complaints"

    def __str__(self):
        return f"Working days {self.working_weekdays}, {self.day_start:%H:%M}-{self.day_end:%H:%M}"

    def save(self, *args, **kwargs):
        self.pk = 1
        if not self.working_weekdays:
            self.working_weekdays = [1, 2, 3, 4, 5]
        super().save(*args, **kwargs)


class Holiday(models.Model):
    date = models.DateField(unique=True)
    name = models.CharField(max_length=100)

    class Meta:
        app_label = "complaints"
        ordering = ["date"]

    def __str__(self):
        return f"{self.date} {self.name}"


class ServiceTargets(models.Model):
    """Singleton (pk=1): company-wide service targets that are not per complaint kind/severity."""

    invoice_issue_hours = models.DecimalField(
        max_digits=6,
        decimal_places=2,
        default=Decimal("2"),
        help_text=gettext_lazy("Working hours to issue a requested invoice."),
    )
    key_client_max_days_without_contact = models.PositiveIntegerField(default=30)
    complaint_handling_cost = models.DecimalField(
        max_digits=12,
        decimal_places=2,
        default=Decimal("25.00"),
        help_text=gettext_lazy(
            "Flat cost of handling one complaint (a category may override it), for cost-to-serve reports."
        ),
    )
    escalation_warning_hours = models.DecimalField(
        max_digits=6,
        decimal_places=2,
        default=Decimal("1"),
        help_text=gettext_lazy("Working hours before a due time to warn."),
    )
    supervisor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=gettext_lazy("Receives escalations; empty: every administrator."),
    )

    class Meta:
        app_label = "complaints"

    def save(self, *args, **kwargs):
        self.pk = 1
        super().save(*args, **kwargs)


class StandardDocument(models.Model):
    """A service standard document; its text lives in versions, the newest published version is current."""

    class DocKind(models.TextChoices):
        QUALITY = "quality_standard", gettext_lazy("Service quality standard")
        CONDUCT = "code_of_conduct", gettext_lazy("Code of conduct")
        SCRIPT = "sales_script", gettext_lazy("Sales script (sales card)")
        MEMO = "memo", gettext_lazy("Memo")
        DRESS = "dress_code", gettext_lazy("Dress code")
        CONFLICT = "conflict_procedure", gettext_lazy("Conflict-handling procedure")

    kind = models.CharField(max_length=20, choices=DocKind.choices)
    title = models.CharField(max_length=200)
    is_active = models.BooleanField(default=True)
    current_version = models.ForeignKey(
        "StandardDocumentVersion", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        app_label = "complaints"
        ordering = ["kind", "title"]
        indexes = [models.Index(fields=["updated_at"], name="standard_document_updated_idx")]

    def __str__(self):
        return self.title


class StandardDocumentVersion(models.Model):
    document = models.ForeignKey(StandardDocument, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    body = models.TextField()
    change_note = models.CharField(max_length=200, blank=True)
    published_at = models.DateTimeField()
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        app_label = "complaints"
        ordering = ["document", "-number"]
        constraints = [models.UniqueConstraint(fields=["document", "number"], name="one_version_number")]

    def __str__(self):
        return f"{self.document} v{self.number}"


class Acknowledgement(models.Model):
    version = models.ForeignKey(StandardDocumentVersion, on_delete=models.CASCADE, related_name="acknowledgements")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    acknowledged_at = models.DateTimeField()

    class Meta:
        app_label = "complaints"
        constraints = [models.UniqueConstraint(fields=["version", "user"], name="one_ack_per_version")]


# --- the service record (issue 16: one failure is a total failure) -----------------------------------------
# These tables are the standards app's own (app label "standards"): the failure sources live in several apps
# (crm/standards/failures.py), so the record sits here, below purchases and complaints, above clients.


class ServiceFailure(models.Model):
    """One failure in a client's service record: found by a registered source (crm/standards/failures.py),
    kept forever. `source_key` names what failed (a promise, a complaint clock, an invoice...) so the same
    failure is recorded once; the manager resolves it with a note, and a resolved failure stays in the history."""

    client = models.ForeignKey("clients.Client", on_delete=models.CASCADE, related_name="service_failures")
    kind = models.CharField(max_length=30)
    source_key = models.CharField(max_length=100)
    title = models.CharField(max_length=300)
    occurred_at = models.DateTimeField(help_text="When the failure happened (a due time passed, a message failed).")
    detected_at = models.DateTimeField()
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    resolution_note = models.TextField(blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-occurred_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["kind", "source_key"], name="service_failure_once")]
        indexes = [
            models.Index(fields=["client", "resolved_at"], name="service_failure_client_idx"),
            models.Index(fields=["resolved_at", "client"], name="service_failure_open_idx"),
            models.Index(fields=["updated_at"], name="service_failure_updated_idx"),
        ]

    def __str__(self):
        return f"{self.kind}: {self.title}"

    @property
    def is_open(self) -> bool:
        return self.resolved_at is None


class KeyClientRule(models.Model):
    """Singleton (pk=1): which clients are key clients. Administrators choose one basis: the discount tier
    (tier percent at least `min_tier_percent`), the long-term-value rank (top `top_n`, or top `top_percent`%
    of the last value report), or a manual flag on the client (KeyClientFlag)."""

    class Basis(models.TextChoices):
        TIER = "tier", gettext_lazy("Discount tier")
        TOP_N = "top_n", gettext_lazy("Value rank: top N")
        TOP_PERCENT = "top_percent", gettext_lazy("Value rank: top %")
        FLAG = "flag", gettext_lazy("Manual flag")

    basis = models.CharField(max_length=12, choices=Basis.choices, default=Basis.FLAG)
    min_tier_percent = models.DecimalField(max_digits=5, decimal_places=2, default=Decimal("10"))
    top_n = models.PositiveIntegerField(default=20)
    top_percent = models.DecimalField(max_digits=5, decimal_places=2, default=Decimal("10"))
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    def save(self, *args, **kwargs):
        self.pk = 1
        super().save(*args, **kwargs)


class KeyClientFlag(models.Model):
    """A client an administrator marked as key (the rule's "manual flag" basis)."""

    client = models.OneToOneField("clients.Client", on_delete=models.CASCADE, related_name="key_client_flag")
    flagged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    flagged_at = models.DateTimeField()


class ClientValueRank(models.Model):
    """The latest long-term-value ranking, one row per ranked client. crm.reports rewrites it whenever it
    generates a value report; lower apps (complaints priority, the key-client rule) read it here, as they may
    not import the reports app. Empty until the first value report."""

    client = models.OneToOneField("clients.Client", on_delete=models.CASCADE, related_name="value_rank")
    position = models.PositiveIntegerField(help_text="1 = the most valuable client.")
    ranked_clients = models.PositiveIntegerField(help_text="How many clients the ranking holds.")
    projected_value = models.DecimalField(max_digits=14, decimal_places=2)
    ranked_at = models.DateTimeField(help_text="The as-of moment of the value report the ranking comes from.")

    class Meta:
        indexes = [models.Index(fields=["position"], name="client_value_rank_pos_idx")]


class TargetVersion(models.Model):
    """One version of a service target (crm/standards/targets.py): `hours` in force from `effective_from`
    until the next version of the same key. A clock uses the version in force when it started. Versions are
    only added, never changed: they are the target's history."""

    key = models.CharField(max_length=120, help_text="The target, as its owner names it (see the registry).")
    hours = models.DecimalField(max_digits=8, decimal_places=2)
    effective_from = models.DateTimeField()
    note = models.CharField(max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        app_label = "complaints"
        ordering = ["key", "-effective_from"]
        constraints = [models.UniqueConstraint(fields=["key", "effective_from"], name="one_target_version_per_moment")]
        indexes = [
            models.Index(fields=["key", "-effective_from"], name="target_version_key_idx"),
            models.Index(fields=["created_at"], name="target_version_created_idx"),
        ]

    def __str__(self):
        return f"{self.key}: {self.hours} h from {self.effective_from:%Y-%m-%d}"
