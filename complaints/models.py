from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy

from crm.standards.models import StandardDocument

# --- complaints -----------------------------------------------------------------------------------------
# Complaint handling cost (for cost-to-serve reports): every complaint carries `handling_cost`, a snapshot
# taken when it is created and refreshed when its category changes: the category's `handling_cost` when
# set, otherwise ServiceTargets.complaint_handling_cost (a flat default). Total cost of a complaint for
# reports = Complaint.handling_cost + sum(GoodwillGesture.cost).

MONEY = {"max_digits": 12, "decimal_places": 2}


class Kind(models.TextChoices):
    COMPLAINT = "complaint", gettext_lazy("Complaint")
    CLAIM = "claim", gettext_lazy("Claim")
    OBJECTION = "objection", gettext_lazy("Objection")
    SUGGESTION = "suggestion", gettext_lazy("Suggestion")
    PRAISE = "praise", gettext_lazy("Praise")


class Severity(models.TextChoices):
    LOW = "low", gettext_lazy("Low")
    MEDIUM = "medium", gettext_lazy("Medium")
    HIGH = "high", gettext_lazy("High")
    CRITICAL = "critical", gettext_lazy("Critical")


class Team(models.Model):
    """A group of staff for compliance figures ("by team")."""

    name = models.CharField(max_length=80, unique=True)
    members = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="complaint_teams")

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class ComplaintCategory(models.Model):
    """Administered taxonomy. A category may have an owner (assignee when the client has no manager), its
    own response targets (ResponseTarget.category), the script to follow and the standards that apply."""

    name = models.CharField(max_length=100, unique=True)
    code = models.SlugField(max_length=50, unique=True)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    prefer_owner = models.BooleanField(
        default=False, help_text=gettext_lazy("Assign to the owner even when the client has a manager.")
    )
    script = models.ForeignKey(
        StandardDocument, null=True, blank=True, on_delete=models.SET_NULL, related_name="script_for"
    )
    standards = models.ManyToManyField(StandardDocument, blank=True, related_name="categories")
    handling_cost = models.DecimalField(
        **MONEY, null=True, blank=True, help_text=gettext_lazy("Empty: the flat default.")
    )
    is_active = models.BooleanField(default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "complaint categories"
        indexes = [models.Index(fields=["updated_at"], name="complaint_category_updated_idx")]

    def __str__(self):
        return self.name


class ResponseTarget(models.Model):
    """Working hours to first response and to resolution for a kind and severity; a row with a category
    overrides the general row (category empty) for complaints in that category."""

    kind = models.CharField(max_length=12, choices=Kind.choices)
    severity = models.CharField(max_length=10, choices=Severity.choices)
    category = models.ForeignKey(
        ComplaintCategory, null=True, blank=True, on_delete=models.CASCADE, related_name="targets"
    )
    first_response_hours = models.DecimalField(max_digits=6, decimal_places=2)
    resolution_hours = models.DecimalField(max_digits=7, decimal_places=2)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["kind", "severity"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "severity", "category"],
                condition=models.Q(category__isnull=False),
                name="one_target_per_category",
            ),
            models.UniqueConstraint(
                fields=["kind", "severity"], condition=models.Q(category__isnull=True), name="one_general_target"
            ),
        ]

    def __str__(self):
        return f"{self.kind}/{self.severity}: {self.first_response_hours}h / {self.resolution_hours}h"


class ReferenceCounter(models.Model):
    year = models.PositiveIntegerField(primary_key=True)
    last = models.PositiveIntegerField(default=0)


class Complaint(models.Model):
    Kind = Kind
    Severity = Severity

    class Channel(models.TextChoices):
        PHONE = "phone", gettext_lazy("Phone")
        WALK_IN = "walk_in", gettext_lazy("Walk-in")
        EMAIL = "email", gettext_lazy("Email received")
        WEB_FORM = "web_form", gettext_lazy("Web form")
        API = "api", gettext_lazy("API")
        INBOUND_EMAIL = "inbound_email", gettext_lazy("Inbound email")

    class Status(models.TextChoices):
        NEW = "new", gettext_lazy("New")
        TRIAGED = "triaged", gettext_lazy("Triaged")
        IN_PROGRESS = "in_progress", gettext_lazy("In progress")
        WAITING = "waiting_for_client", gettext_lazy("Waiting for client")
        RESOLVED = "resolved", gettext_lazy("Resolved")
        CLOSED = "closed", gettext_lazy("Closed")
        REOPENED = "reopened", gettext_lazy("Reopened")

    class Priority(models.IntegerChoices):
        P1 = 1, gettext_lazy("P1 urgent")
        P2 = 2, gettext_lazy("P2 high")
        P3 = 3, gettext_lazy("P3 normal")
        P4 = 4, gettext_lazy("P4 low")

    class RootCause(models.TextChoices):
        PRODUCT_DEFECT = "product_defect", gettext_lazy("Product defect")
        DELIVERY = "delivery", gettext_lazy("Delivery / logistics")
        BILLING = "billing", gettext_lazy("Billing / invoice")
        STAFF_CONDUCT = "staff_conduct", gettext_lazy("Staff conduct")
        COMMUNICATION = "communication", gettext_lazy("Communication")
        PROCESS = "process", gettext_lazy("Process")
        EXPECTATION = "expectation", gettext_lazy("Client expectation")
        OTHER = "other", gettext_lazy("Other")

    class ClientMatch(models.TextChoices):
        """An anonymous complaint (web form, inbound email) is never attached to a client on its word: whose
        details it matches is only a suggestion, until staff confirm it (services.triage)."""

        PENDING = "pending", gettext_lazy("Match waiting for staff")
        CONFIRMED = "confirmed", gettext_lazy("Match confirmed")
        REJECTED = "rejected", gettext_lazy("Match rejected")
        NONE = "none", gettext_lazy("No matching client")

    reference = models.CharField(max_length=20, unique=True)
    kind = models.CharField(max_length=12, choices=Kind.choices, default=Kind.COMPLAINT)
    channel = models.CharField(max_length=15, choices=Channel.choices)
    # Empty for an anonymous complaint until staff confirm whose it is (client_match).
    client = models.ForeignKey(
        "clients.Client", null=True, blank=True, on_delete=models.PROTECT, related_name="complaints"
    )
    client_match = models.CharField(
        max_length=10,
        choices=ClientMatch.choices,
        blank=True,
        help_text=gettext_lazy("Blank: recorded by staff for a client."),
    )
    suggested_client = models.ForeignKey(
        "clients.Client", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    match_decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    match_decided_at = models.DateTimeField(null=True, blank=True)
    purchase = models.ForeignKey(
        "purchases.Purchase", null=True, blank=True, on_delete=models.SET_NULL, related_name="complaints"
    )
    product = models.ForeignKey(
        "purchases.Product", null=True, blank=True, on_delete=models.SET_NULL, related_name="complaints"
    )
    category = models.ForeignKey(
        ComplaintCategory, null=True, blank=True, on_delete=models.PROTECT, related_name="complaints"
    )
    severity = models.CharField(max_length=10, choices=Severity.choices, default=Severity.MEDIUM)
    priority = models.PositiveSmallIntegerField(choices=Priority.choices, default=Priority.P3)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.NEW)
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="complaints"
    )
    subject = models.CharField(max_length=200, blank=True)
    text = models.TextField()
    claimed_amount = models.DecimalField(**MONEY, null=True, blank=True, help_text=gettext_lazy("Claims only."))
    contact_name = models.CharField(max_length=200, blank=True)
    contact_email = models.EmailField(blank=True)
    contact_phone = models.CharField(max_length=30, blank=True)
    first_response_due = models.DateTimeField(null=True, blank=True)
    resolution_due = models.DateTimeField(null=True, blank=True)
    first_responded_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    # Working hours the clocks ran (pauses excluded) until the first response and until resolution: the
    # standards page's quarter figures read them in SQL (complaints/target_figures.py).
    first_response_work_hours = models.DecimalField(max_digits=8, decimal_places=2, null=True, blank=True)
    resolution_work_hours = models.DecimalField(max_digits=8, decimal_places=2, null=True, blank=True)
    # The clock pauses while waiting for the client: paused_at is when the pause began; on resume the working
    # time paused is added to paused_total and both due times move by it.
    paused_at = models.DateTimeField(null=True, blank=True)
    paused_total = models.DurationField(default=timedelta(0))
    first_response_breached = models.BooleanField(default=False)
    resolution_breached = models.BooleanField(default=False)
    resolution_note = models.TextField(blank=True)
    root_cause = models.CharField(max_length=20, choices=RootCause.choices, blank=True)
    handling_cost = models.DecimalField(**MONEY, default=Decimal("0"))
    reopen_count = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    external_id = models.CharField(max_length=100, null=True, blank=True, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["status", "-id"], name="complaint_status_idx"),
            models.Index(fields=["assigned_to", "status"], name="complaint_assignee_idx"),
            models.Index(fields=["client", "-id"], name="complaint_client_idx"),
            models.Index(fields=["kind", "-created_at"], name="complaint_kind_idx"),
            models.Index(fields=["category", "-created_at"], name="complaint_category_idx"),
            models.Index(fields=["created_at"], name="complaint_created_idx"),
            models.Index(fields=["updated_at"], name="complaint_updated_idx"),
            models.Index(fields=["client_match", "-id"], name="complaint_match_idx"),
        ]

    def __str__(self):
        return self.reference

    @property
    def requester_name(self) -> str:
        """Who the complaint is from: the client, or (before staff confirm one) the name as typed."""
        if self.client_id is not None:
            return self.client.name
        return self.contact_name or self.contact_email or self.contact_phone or "(anonymous)"

    @property
    def is_open(self) -> bool:
        return self.status not in (self.Status.RESOLVED, self.Status.CLOSED)

    @property
    def is_breached(self) -> bool:
        return self.first_response_breached or self.resolution_breached


class ComplaintEvent(models.Model):
    """Append-only log: creation, transitions, reassignments, escalations, surveys."""

    class EventKind(models.TextChoices):
        CREATED = "created", gettext_lazy("Created")
        TRANSITION = "transition", gettext_lazy("Status changed")
        ASSIGNED = "assigned", gettext_lazy("Assigned")
        TRIAGED = "triaged", gettext_lazy("Triaged")
        ESCALATED = "escalated", gettext_lazy("Escalated")
        SURVEY = "survey", gettext_lazy("Survey answered")
        CLIENT_MATCH = "client_match", gettext_lazy("Client match decided")

    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=12, choices=EventKind.choices)
    from_status = models.CharField(max_length=20, blank=True)
    to_status = models.CharField(max_length=20, blank=True)
    from_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    to_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    note = models.TextField(blank=True)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "id"]


class ComplaintComment(models.Model):
    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    body = models.TextField()
    is_response = models.BooleanField(
        default=False, help_text=gettext_lazy("A reply given to the client (counts as response).")
    )
    from_client = models.BooleanField(
        default=False, help_text=gettext_lazy("The client's own message (e.g. an email reply).")
    )
    message_id = models.CharField(
        max_length=100, blank=True, help_text=gettext_lazy("Email Message-ID, so a reply counts once.")
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]


class Breach(models.Model):
    """A response clock that ran out (or was about to): recorded once per complaint, clock and stage."""

    class Clock(models.TextChoices):
        FIRST_RESPONSE = "first_response", gettext_lazy("First response")
        RESOLUTION = "resolution", gettext_lazy("Resolution")

    class Stage(models.TextChoices):
        WARNING = "warning", gettext_lazy("About to breach")
        BREACHED = "breached", gettext_lazy("Breached")

    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="breaches")
    clock = models.CharField(max_length=15, choices=Clock.choices)
    stage = models.CharField(max_length=10, choices=Stage.choices)
    due_at = models.DateTimeField()
    detected_at = models.DateTimeField()
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    escalated_to = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="+")

    class Meta:
        ordering = ["-detected_at"]
        constraints = [
            models.UniqueConstraint(fields=["complaint", "clock", "stage"], name="one_breach_per_clock_stage")
        ]


class GoodwillGesture(models.Model):
    """What a complaint cost in goodwill. Reports read these for cost-to-serve and perk returns."""

    class GestureKind(models.TextChoices):
        APOLOGY_DISCOUNT = "apology_discount", gettext_lazy("Apology discount")
        GIFT = "gift", gettext_lazy("Gift")
        FREE_DELIVERY = "free_delivery", gettext_lazy("Free delivery")
        FREE_NEXT_ORDER = "free_next_order", gettext_lazy("Free next order")
        REFUND = "refund", gettext_lazy("Refund")

    complaint = models.ForeignKey(Complaint, on_delete=models.PROTECT, related_name="goodwill")
    client = models.ForeignKey("clients.Client", on_delete=models.PROTECT, related_name="goodwill_gestures")
    kind = models.CharField(max_length=20, choices=GestureKind.choices)
    cost = models.DecimalField(**MONEY)
    given_at = models.DateTimeField(default=timezone.now)
    given_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    note = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-given_at", "-id"]
        indexes = [
            models.Index(fields=["client", "-given_at"], name="goodwill_client_idx"),
            models.Index(fields=["given_at"], name="goodwill_given_idx"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.cost}"


class SatisfactionSurvey(models.Model):
    """Sent after each resolution; answered once through its token link, no login."""

    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="surveys")
    token = models.CharField(max_length=64, unique=True)
    sent_at = models.DateTimeField()
    answered_at = models.DateTimeField(null=True, blank=True)
    score = models.PositiveSmallIntegerField(null=True, blank=True, help_text="1-5")
    recommendation = models.PositiveSmallIntegerField(null=True, blank=True, help_text="0-10")
    comment = models.TextField(blank=True)

    class Meta:
        ordering = ["-sent_at", "-id"]
        indexes = [models.Index(fields=["answered_at"], name="survey_answered_idx")]
