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


class BusinessCalendar(models.Model):
    """Singleton (pk=1): the working week and hours every response clock runs on, in the company time zone
    (settings.TIME_ZONE). Holidays are listed in Holiday."""

    working_weekdays = models.JSONField(default=list, help_text="ISO weekdays that are working days, 1=Monday.")
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
        max_digits=6, decimal_places=2, default=Decimal("2"), help_text="Working hours to issue a requested invoice."
    )
    key_client_max_days_without_contact = models.PositiveIntegerField(default=30)
    complaint_handling_cost = models.DecimalField(
        max_digits=12,
        decimal_places=2,
        default=Decimal("25.00"),
        help_text="Flat cost of handling one complaint (a category may override it), for cost-to-serve reports.",
    )
    escalation_warning_hours = models.DecimalField(
        max_digits=6, decimal_places=2, default=Decimal("1"), help_text="Working hours before a due time to warn."
    )
    supervisor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Receives escalations; empty: every administrator.",
    )

    class Meta:
        app_label = "complaints"

    def save(self, *args, **kwargs):
        self.pk = 1
        super().save(*args, **kwargs)


class StandardDocument(models.Model):
    """A service standard document; its text lives in versions, the newest published version is current."""

    class DocKind(models.TextChoices):
        QUALITY = "quality_standard", "Service quality standard"
        CONDUCT = "code_of_conduct", "Code of conduct"
        SCRIPT = "sales_script", "Sales script (sales card)"
        MEMO = "memo", "Memo"
        DRESS = "dress_code", "Dress code"
        CONFLICT = "conflict_procedure", "Conflict-handling procedure"

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
