from django.conf import settings
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy
from simple_history.models import HistoricalRecords

from crm.notifications.models import Purpose


class Channel(models.TextChoices):
    """Ways the company reaches a client. Notifications read the client's order and consent of these."""

    EMAIL = "email", gettext_lazy("Email")
    SMS = "sms", gettext_lazy("SMS")
    PHONE = "phone", gettext_lazy("Phone call")
    LETTER = "letter", gettext_lazy("Printed letter / leaflet")


class Segment(models.Model):
    """Administrator-configured client segment (wholesale, print shop, retail, ...)."""

    name = models.CharField(max_length=80, unique=True)
    code = models.SlugField(max_length=40, unique=True)
    description = models.TextField(blank=True)
    is_active = models.BooleanField(default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class Tag(models.Model):
    name = models.CharField(max_length=50, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class Client(models.Model):
    class Kind(models.TextChoices):
        PERSON = "person", gettext_lazy("Person")
        COMPANY = "company", gettext_lazy("Company")

    class Status(models.TextChoices):
        LEAD = "lead", gettext_lazy("Lead")
        ACTIVE = "active", gettext_lazy("Active")
        DORMANT = "dormant", gettext_lazy("Dormant")
        LOST = "lost", gettext_lazy("Lost")

    class FirstContactChannel(models.TextChoices):
        PHONE = "phone", gettext_lazy("Phone")
        WALK_IN = "walk_in", gettext_lazy("Walk-in")
        WEB_FORM = "web_form", gettext_lazy("Web form")
        EMAIL = "email", gettext_lazy("Email")
        REFERRAL = "referral", gettext_lazy("Referral")
        EXHIBITION = "exhibition", gettext_lazy("Exhibition")
        OTHER = "other", gettext_lazy("Other")

    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.COMPANY)
    name = models.CharField(max_length=200)
    email = models.EmailField(blank=True, help_text=gettext_lazy("Stored lower-case."))
    phone = models.CharField(max_length=20, blank=True, help_text="E.164, e.g. +442079460000.")
    address = models.TextField(blank=True)
    tags = models.ManyToManyField(Tag, blank=True, related_name="clients")
    segment = models.ForeignKey(Segment, null=True, blank=True, on_delete=models.PROTECT, related_name="clients")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.LEAD)
    status_changed_at = models.DateTimeField(null=True, blank=True)
    manager = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="managed_clients"
    )
    first_contact_at = models.DateTimeField(null=True, blank=True)
    first_contact_channel = models.CharField(
        max_length=12, choices=FirstContactChannel.choices, default=FirstContactChannel.PHONE
    )
    first_contact_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    first_contact_request = models.TextField(blank=True, help_text=gettext_lazy("What the client asked for."))
    interests = models.JSONField(default=list, blank=True, help_text=gettext_lazy("Product categories of interest."))
    # Channels in the client's order of preference, e.g. ["email", "sms"]; consent is in ChannelConsent.
    preferred_channels = models.JSONField(default=list, blank=True)
    # The language of every message to the client (crm.notifications renders in it); one of settings.LANGUAGES.
    language = models.CharField(
        gettext_lazy("language"),
        max_length=10,
        choices=settings.LANGUAGES,
        default=settings.LANGUAGE_CODE,
        help_text=gettext_lazy("The language of messages to the client."),
    )
    external_id = models.CharField(max_length=100, null=True, blank=True, unique=True)
    merged_into = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    erased_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text=gettext_lazy("When the person's data was erased (clients/services/personal_data.py)."),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        ordering = ["-id"]
        indexes = [
            models.Index(Lower("name"), name="client_name_lower_idx"),
            models.Index(fields=["email"], name="client_email_idx"),
            models.Index(fields=["phone"], name="client_phone_idx"),
            models.Index(fields=["updated_at"], name="client_updated_idx"),
            models.Index(fields=["manager", "-id"], name="client_manager_idx"),
            models.Index(fields=["segment", "-id"], name="client_segment_idx"),
            models.Index(fields=["status", "-id"], name="client_status_idx"),
            # the list's usual combinations: "my active clients", "lost clients of a segment"
            models.Index(fields=["manager", "status", "-id"], name="client_manager_status_idx"),
            models.Index(fields=["segment", "status", "-id"], name="client_segment_status_idx"),
        ]

    def __str__(self):
        return self.name

    @property
    def is_erased(self) -> bool:
        return self.erased_at is not None


class ContactPerson(models.Model):
    """A person at a company client, with their own ways to be reached."""

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="contacts")
    name = models.CharField(max_length=200)
    role = models.CharField(max_length=100, blank=True)
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=20, blank=True)
    is_primary = models.BooleanField(default=False)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-is_primary", "name"]
        indexes = [models.Index(fields=["email"]), models.Index(fields=["phone"])]

    def __str__(self):
        return f"{self.name} ({self.client})"


class ChannelConsent(models.Model):
    """The client's answer for one channel and one purpose (clients/messaging.py applies it):

    - marketing (news, offers) goes out only on an opt-in; no row means "not asked": no marketing.
    - service (invoices, complaint replies, surveys) needs no opt-in; only an opt-out row stops it.
    - An opt-out is reversed only by an explicit opt-in with evidence (services.contacts.consent_set).

    Every change is kept in `history` (simple_history: who, when, status, and `source`, the evidence)."""

    Purpose = Purpose

    class Status(models.TextChoices):
        OPT_IN = "opt_in", gettext_lazy("Opted in")
        OPT_OUT = "opt_out", gettext_lazy("Opted out")

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="consents")
    channel = models.CharField(max_length=10, choices=Channel.choices)
    purpose = models.CharField(max_length=10, choices=Purpose.choices, default=Purpose.MARKETING)
    status = models.CharField(max_length=10, choices=Status.choices)
    given_at = models.DateTimeField(help_text=gettext_lazy("When the client said so."))
    source = models.CharField(
        max_length=200,
        help_text=gettext_lazy("How (the evidence): 'confirmed link', 'signed form', 'phone call note' ..."),
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    history = HistoricalRecords()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["client", "channel", "purpose"], name="one_consent_per_channel_purpose")
        ]

    def __str__(self):
        return f"{self.client}: {self.channel}/{self.purpose} {self.status}"


class ManagerAssignment(models.Model):
    """Dated history of a client's permanent manager."""

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="manager_history")
    manager = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    previous_manager = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    assigned_at = models.DateTimeField()
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reason = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-assigned_at", "-id"]


class Interaction(models.Model):
    class Kind(models.TextChoices):
        CALL = "call", gettext_lazy("Call")
        MEETING = "meeting", gettext_lazy("Meeting")
        EMAIL = "email", gettext_lazy("Email")
        CONSULTATION = "consultation", gettext_lazy("Consultation")
        NOTE = "note", gettext_lazy("Note")

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="interactions")
    kind = models.CharField(max_length=15, choices=Kind.choices)
    occurred_at = models.DateTimeField()
    staff = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="interactions")
    channel = models.CharField(max_length=20, blank=True)
    summary = models.TextField()
    next_step = models.CharField(max_length=300, blank=True)
    next_step_due = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-occurred_at", "-id"]
        indexes = [
            models.Index(fields=["client", "-occurred_at"]),
            models.Index(fields=["updated_at"], name="interaction_updated_idx"),
        ]


class FollowUpTask(models.Model):
    """A to-do for a staff member about a client ("call back", "consultation after key product sale")."""

    class Kind(models.TextChoices):
        CALL_BACK = "call_back", gettext_lazy("Call back")
        CONSULTATION = "consultation", gettext_lazy("Consultation after key product sale")
        CALL = "call", gettext_lazy("Call the client (notification)")
        OTHER = "other", gettext_lazy("Other")

    class Status(models.TextChoices):
        OPEN = "open", gettext_lazy("Open")
        DONE = "done", gettext_lazy("Done")
        CANCELLED = "cancelled", gettext_lazy("Cancelled")

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="tasks")
    assignee = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="crm_tasks")
    kind = models.CharField(max_length=15, choices=Kind.choices, default=Kind.CALL_BACK)
    title = models.CharField(max_length=200)
    details = models.TextField(blank=True, help_text=gettext_lazy("E.g. the script to read on a call."))
    due_date = models.DateField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    completed_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    source = models.CharField(max_length=100, blank=True, help_text=gettext_lazy("What created it, e.g. purchase:42."))
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["due_date", "id"]
        indexes = [
            models.Index(fields=["assignee", "status", "due_date"]),
            models.Index(fields=["updated_at"], name="task_updated_idx"),
        ]


class Promise(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", gettext_lazy("Open")
        KEPT = "kept", gettext_lazy("Kept")
        BROKEN = "broken", gettext_lazy("Broken")

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="promises")
    text = models.TextField(help_text=gettext_lazy("What was promised to the client."))
    promised_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="promises")
    due_date = models.DateField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    resolution = models.TextField(blank=True, help_text=gettext_lazy("How it was kept, or why it was broken."))
    resolved_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["due_date", "id"]
        indexes = [
            models.Index(fields=["promised_by", "status", "due_date"]),
            models.Index(fields=["updated_at"], name="promise_updated_idx"),
        ]


class ClientMerge(models.Model):
    """Record of a merge: the loser's id and a snapshot of it, kept forever."""

    survivor = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="merges")
    loser_id = models.BigIntegerField()
    loser_snapshot = models.JSONField()
    moved = models.JSONField(default=dict, help_text=gettext_lazy("What moved: {'interactions': 3, ...}"))
    merged_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    merged_at = models.DateTimeField(auto_now_add=True)


class ImportJob(models.Model):
    """An uploaded client file: parsed and checked first (preview with per-row errors), imported later in
    a Celery task that reports progress here."""

    class Status(models.TextChoices):
        PREVIEW = "preview", gettext_lazy("Checked, waiting for confirmation")
        QUEUED = "queued", gettext_lazy("Queued")
        RUNNING = "running", gettext_lazy("Importing")
        DONE = "done", gettext_lazy("Done")
        FAILED = "failed", gettext_lazy("Failed")

    filename = models.CharField(max_length=200)
    rows = models.JSONField(default=list, help_text=gettext_lazy("Parsed rows: [{'row': 2, 'data': {...}}, ...]"))
    errors = models.JSONField(default=list, help_text=gettext_lazy("[{'row': 3, 'field': 'phone', 'message': '...'}]"))
    skip_bad_rows = models.BooleanField(default=False)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PREVIEW)
    total = models.PositiveIntegerField(default=0)
    processed = models.PositiveIntegerField(default=0)
    created_count = models.PositiveIntegerField(default=0)
    skipped_count = models.PositiveIntegerField(default=0)
    message = models.TextField(blank=True, help_text=gettext_lazy("The summary when done, the reason when failed."))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # A resumable run (clients/import_running.py): `processed` is the cursor, moved in the transaction that
    # writes each chunk; a run holds the job while `leased_until` is ahead and renews it with every chunk, so
    # a job whose worker died is taken over when the lease runs out and resumed from the cursor.
    leased_by = models.CharField(
        max_length=100, blank=True, help_text=gettext_lazy("The run holding the job: host:pid/token.")
    )
    leased_until = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(
        default=0, help_text=gettext_lazy("Runs started since a chunk was last written.")
    )
    queued_at = models.DateTimeField(
        null=True, blank=True, help_text=gettext_lazy("When a run was queued that no worker took yet.")
    )

    class Meta:
        ordering = ["-id"]

    def __str__(self):
        return f"Import {self.pk}: {self.filename}"

    @property
    def percent(self) -> int:
        return int(self.processed * 100 / self.total) if self.total else 100

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)

    @property
    def is_stalled(self) -> bool:
        """Running, but the run holding it stopped renewing its lease: the next run resumes from the cursor."""
        return (
            self.status == self.Status.RUNNING and self.leased_until is not None and self.leased_until <= timezone.now()
        )


class PersonalDataAudit(models.Model):
    """Append-only record of what was done with a person's data: an export handed out, an erasure, a
    retention run. It names the client by id only and counts rows per table, so it holds no personal data
    itself and outlives the erasure it records. Nothing updates or deletes these rows (a database trigger
    refuses an UPDATE)."""

    class Action(models.TextChoices):
        EXPORT = "export", gettext_lazy("Personal data exported")
        ERASE = "erase", gettext_lazy("Personal data erased")
        RETENTION = "retention", gettext_lazy("Retention run")

    action = models.CharField(max_length=10, choices=Action.choices)
    client_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)
    counts = models.JSONField(default=dict, help_text=gettext_lazy("Rows per table: {'clients.Interaction': 3, ...}"))

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self):
        target = f"client {self.client_id}" if self.client_id else "all clients"
        return f"{self.get_action_display()}: {target} at {self.at:%Y-%m-%d %H:%M}"


class News(models.Model):
    """Company news to the clients of some segments on some channels, sent in batches by workers (see
    clients/news.py). It needs segments and clients, so it lives above them, on the clients side."""

    class Status(models.TextChoices):
        DRAFT = "draft", gettext_lazy("Draft")
        SCHEDULED = "scheduled", gettext_lazy("Scheduled")
        SENDING = "sending", gettext_lazy("Sending")
        SENT = "sent", gettext_lazy("Sent")
        CANCELLED = "cancelled", gettext_lazy("Cancelled")

    title = models.CharField(max_length=200)
    subject = models.CharField(max_length=200)
    body = models.TextField()
    segments = models.ManyToManyField(Segment, related_name="+")
    channels = models.JSONField(
        default=list, help_text=gettext_lazy("Channels it may go out on, e.g. ['email', 'sms'].")
    )
    scheduled_at = models.DateTimeField(help_text=gettext_lazy("When sending starts."))
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.SCHEDULED)
    total = models.PositiveIntegerField(default=0, help_text=gettext_lazy("Recipients counted when sending started."))
    processed = models.PositiveIntegerField(default=0, help_text=gettext_lazy("Recipients handled so far."))
    last_client_id = models.BigIntegerField(default=0, help_text=gettext_lazy("Batch cursor: the last client handled."))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        app_label = "notifications"  # created by the notifications app: same table, content type, history
        ordering = ["-id"]
        verbose_name_plural = "news"
        indexes = [models.Index(fields=["status", "scheduled_at"], name="news_due_idx")]

    def __str__(self):
        return self.title

    @property
    def percent(self) -> int:
        if self.status == self.Status.SENT:
            return 100
        if not self.total:
            return 0
        return min(100, self.processed * 100 // self.total)
