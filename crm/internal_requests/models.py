"""Internal requests: one team asks another (accounting, logistics, IT, whichever teams administrators set up)
for something, due by the service standard of its kind on the business calendar. Everyone serves someone:
the requester rates the work when it is done, and the people who did it are scored on that (see selectors).

A request may stand for an object of a higher app (an invoice request is a request of the "invoice" kind,
source "invoice"): that app opens, takes and completes it through the services here, and registers how its
requests are taken in the queue (sources.py)."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Team(models.Model):
    """A team that serves colleagues. `code` names it for the system (the invoice kind belongs to the team
    coded "accounting"); members are who see its queue and take its requests."""

    name = models.CharField(max_length=120, unique=True)
    code = models.SlugField(max_length=40, unique=True)
    description = models.TextField(blank=True)
    members = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="crm_teams")
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        indexes = [models.Index(fields=["updated_at"], name="team_updated_idx")]

    def __str__(self):
        return self.name


class RequestKind(models.Model):
    """A kind of request a team takes, with its service standard: the turnaround in working hours on the
    business calendar (crm.standards). A kind fed by another app (invoices) gets its due time from that app's
    own standard (ServiceTargets.invoice_issue_hours), so both clocks agree."""

    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="kinds")
    code = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=120)
    turnaround_hours = models.DecimalField(
        max_digits=6,
        decimal_places=2,
        default=Decimal("8"),
        validators=[MinValueValidator(Decimal("0.25"))],
        help_text=_("Working hours from the request to its due time."),
    )
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["team", "name"]
        indexes = [models.Index(fields=["updated_at"], name="requestkind_updated_idx")]

    def __str__(self):
        return self.name


class InternalRequest(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        IN_PROGRESS = "in_progress", _("In progress")
        DONE = "done", _("Done")
        CANCELLED = "cancelled", _("Cancelled")

    ACTIVE = (Status.OPEN, Status.IN_PROGRESS)

    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="requests")
    kind = models.ForeignKey(RequestKind, on_delete=models.PROTECT, related_name="requests")
    subject = models.CharField(max_length=200)
    details = models.TextField(blank=True)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField()
    due_at = models.DateTimeField()
    target_hours = models.DecimalField(
        max_digits=8, decimal_places=2, help_text=_("Working hours the standard allowed, from request to due time.")
    )
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.OPEN)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    taken_at = models.DateTimeField(null=True, blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    completed_at = models.DateTimeField(null=True, blank=True)
    completion_note = models.TextField(blank=True)
    turnaround_hours = models.DecimalField(
        max_digits=8, decimal_places=2, null=True, blank=True, help_text=_("Working hours it took.")
    )
    on_time = models.BooleanField(null=True, blank=True)
    # What a higher app's request stands for ("invoice", its id); empty for a request a person wrote.
    source = models.CharField(max_length=40, blank=True, default="")
    source_id = models.PositiveBigIntegerField(null=True, blank=True)
    rating = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    rating_comment = models.TextField(blank=True)
    rated_at = models.DateTimeField(null=True, blank=True)
    due_soon_notified_at = models.DateTimeField(null=True, blank=True)
    overdue_notified_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["due_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "source_id"], condition=~Q(source=""), name="one_internal_request_per_source"
            ),
            models.CheckConstraint(
                condition=Q(rating__isnull=True) | Q(rating__gte=1, rating__lte=5), name="internal_rating_1_to_5"
            ),
        ]
        indexes = [
            models.Index(fields=["team", "status", "due_at"], name="ireq_team_queue_idx"),
            models.Index(fields=["requested_by", "-id"], name="ireq_requester_idx"),
            models.Index(fields=["status", "due_at"], name="ireq_status_due_idx"),
            models.Index(fields=["completed_by", "completed_at"], name="ireq_completed_idx"),
            models.Index(fields=["updated_at"], name="ireq_updated_idx"),
        ]

    def __str__(self):
        return f"#{self.pk} {self.subject}"

    @property
    def is_active(self) -> bool:
        return self.status in self.ACTIVE
