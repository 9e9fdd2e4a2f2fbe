"""A short survey sent to a client after something happened (a purchase, a consultation, ...): the kinds are
registered in clients.surveys.registry; the complaint survey stays in complaints."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Survey(models.Model):
    """One survey per occasion (kind + object id). A row is written for every occasion the sender looked at,
    sent or not, so the reason nobody was asked is kept (no consent, the frequency cap)."""

    class Status(models.TextChoices):
        SENT = "sent", _("Sent")
        SKIPPED = "skipped", _("Not sent")
        ANSWERED = "answered", _("Answered")

    kind = models.CharField(max_length=30, help_text="A registered survey kind: purchase, consultation ...")
    object_id = models.PositiveBigIntegerField(help_text="The purchase, interaction ... the survey is about.")
    client = models.ForeignKey("clients.Client", on_delete=models.CASCADE, related_name="surveys")
    # Who served the client and the client's segment when the survey went out: the scores stay with them.
    manager = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    segment = models.ForeignKey("clients.Segment", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    occurred_at = models.DateTimeField(help_text="When the purchase or consultation took place.")
    status = models.CharField(max_length=10, choices=Status.choices)
    skip_reason = models.CharField(max_length=200, blank=True)
    token = models.CharField(max_length=64, unique=True, null=True, blank=True)
    channel = models.CharField(max_length=10, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    satisfaction = models.PositiveSmallIntegerField(null=True, blank=True, help_text="1 (bad) to 5 (very good).")
    recommendation = models.PositiveSmallIntegerField(null=True, blank=True, help_text="0 to 10 (NPS).")
    comment = models.TextField(blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    is_low = models.BooleanField(default=False, help_text="The answer scored at or below the follow-up limits.")
    follow_up_task = models.ForeignKey(
        "clients.FollowUpTask", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "object_id"], name="one_survey_per_occasion"),
            models.CheckConstraint(
                condition=models.Q(satisfaction__isnull=True) | models.Q(satisfaction__gte=1, satisfaction__lte=5),
                name="survey_satisfaction_1_5",
            ),
            models.CheckConstraint(
                condition=models.Q(recommendation__isnull=True) | models.Q(recommendation__lte=10),
                name="survey_recommendation_0_10",
            ),
        ]
        indexes = [
            models.Index(fields=["client", "-sent_at"], name="survey_client_sent_idx"),
            models.Index(fields=["status", "answered_at"], name="survey_status_answered_idx"),
            models.Index(fields=["updated_at"], name="survey_updated_idx"),
        ]

    def __str__(self):
        return f"{self.kind} survey {self.pk} ({self.status})"


class SurveyProduct(models.Model):
    """A product the occasion was about (the lines of a purchase): scores per product are read over these.
    A plain id, not a foreign key: the products live in a higher app (purchases)."""

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="products")
    product_id = models.PositiveBigIntegerField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["survey", "product_id"], name="one_row_per_survey_product")]
        indexes = [models.Index(fields=["product_id"], name="survey_product_idx")]
