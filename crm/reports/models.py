from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy
from django.utils.translation import gettext_lazy as _


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
    # The run that made it (None: made on its own); a run makes each of its reports once.
    run = models.ForeignKey("ReportRun", null=True, blank=True, on_delete=models.SET_NULL, related_name="snapshots")

    class Meta:
        ordering = ["-generated_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["run", "kind"], name="report_snapshot_run_kind_uniq")]
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


class ReportRun(models.Model):
    """One generation of the reports of a period, as a job that survives its worker (crm/reports/running.py).

    Each report (`kinds`, in order) is one step; `cursor` counts the steps done and moves in the transaction
    that writes the step's snapshot (which points back here, once per kind). A run holds the job by a lease
    (`leased_by`, `leased_until`) taken with SKIP LOCKED; when the lease runs out the sweep resumes the run
    from the cursor. `step_errors` keeps the reason of each report that could not be made (the others are
    still made); the run then ends FAILED with them in `message`."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    period = models.CharField(max_length=10, choices=ReportPeriod.choices)
    as_of = models.DateTimeField(help_text="The reports' 'as of' moment (the end of their period).")
    kinds = models.JSONField(default=list, help_text="The reports to make, in order: one step each.")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    cursor = models.PositiveSmallIntegerField(default=0, help_text="Steps done (reports made or given up).")
    step_errors = models.JSONField(default=dict, help_text="{kind: reason} of the reports that could not be made.")
    message = models.TextField(blank=True, help_text="The summary when done, the reason when failed.")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    leased_by = models.CharField(max_length=100, blank=True, help_text="The run holding the job: host:pid/token.")
    leased_until = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0, help_text="Runs started since a step was last written.")
    queued_at = models.DateTimeField(null=True, blank=True, help_text="When a run was queued that no worker took yet.")

    class Meta:
        ordering = ["-id"]
        constraints = [
            # the beat firing twice, or two administrators pressing the button, make one run
            models.UniqueConstraint(
                fields=["period", "as_of"],
                condition=models.Q(status__in=["queued", "running"]),
                name="report_run_one_active_per_period",
            )
        ]
        indexes = [models.Index(fields=["status", "leased_until"], name="report_run_status_lease_idx")]

    def __str__(self):
        return f"Report run {self.pk}: {self.get_period_display()} {self.as_of:%Y-%m-%d}"

    @property
    def total(self) -> int:
        return len(self.kinds)

    @property
    def percent(self) -> int:
        return int(self.cursor * 100 / self.total) if self.total else 100

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)
