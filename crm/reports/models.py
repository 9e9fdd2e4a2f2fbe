from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy


class ReportKind(models.TextChoices):
    VALUE = "value", gettext_lazy("Long-term value")
    PERKS = "perks", gettext_lazy("Perk return")
    TRENDS = "trends", gettext_lazy("Trends")


class ReportPeriod(models.TextChoices):
    WEEKLY = "weekly", gettext_lazy("Weekly")
    MONTHLY = "monthly", gettext_lazy("Monthly")


class ReportSnapshot(models.Model):
    """One dated run of a report. Figures are frozen when generated: later ledger entries never change them.
    `summary` holds the small aggregate parts (per segment, chart series, flags); the per-client or per-group
    lines are ReportRow children, so a manager's share is filtered in SQL and CSV streams them in order."""

    kind = models.CharField(max_length=10, choices=ReportKind.choices)
    period = models.CharField(max_length=10, choices=ReportPeriod.choices)
    period_start = models.DateTimeField()
    period_end = models.DateTimeField(help_text=gettext_lazy("The report's 'as of' moment: data before it counts."))
    generated_at = models.DateTimeField()
    parameters = models.JSONField(default=dict)
    summary = models.JSONField(default=dict)
    row_count = models.PositiveIntegerField(default=0)
    duration_ms = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-generated_at", "-id"]
        indexes = [models.Index(fields=["kind", "-generated_at"], name="report_kind_generated_idx")]

    def __str__(self):
        return f"{self.get_kind_display()} ({self.get_period_display()}) {self.period_end:%Y-%m-%d}"


class ReportRow(models.Model):
    """A line of a snapshot, in report order (`position`). `manager` lets a sales manager read only the rows of
    their own clients; `flagged` marks the attention list (value) or a trend flag (trends)."""

    snapshot = models.ForeignKey(ReportSnapshot, on_delete=models.CASCADE, related_name="rows")
    position = models.PositiveIntegerField()
    manager = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    client_id = models.BigIntegerField(null=True, blank=True)
    flagged = models.BooleanField(default=False)
    data = models.JSONField(default=dict)

    class Meta:
        ordering = ["snapshot", "position"]
        constraints = [models.UniqueConstraint(fields=["snapshot", "position"], name="report_row_position_uniq")]
        indexes = [
            models.Index(fields=["snapshot", "manager", "position"], name="report_row_manager_idx"),
            models.Index(fields=["snapshot", "flagged", "position"], name="report_row_flagged_idx"),
        ]
