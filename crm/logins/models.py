from django.db import models
from django.utils.translation import gettext_lazy


class LoginSlowdown(models.Model):
    """Failed logins for one username from any address, within settings.LOGIN_SLOWDOWN["WINDOW_SECONDS"] of
    each other. From AFTER_FAILURES on, each attempt for the username must wait until `next_attempt_at`
    (a delay that doubles per failure, up to a cap); nothing is ever locked. A row exists for any username
    typed, known or not, so the answer never tells which usernames exist."""

    username = models.CharField(max_length=150, unique=True)
    failures = models.PositiveIntegerField(default=0)
    first_failure_at = models.DateTimeField(
        help_text=gettext_lazy("Start of this episode: the first failure in the window.")
    )
    last_failure_at = models.DateTimeField(db_index=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_address = models.GenericIPAddressField(null=True, blank=True)
    notified_at = models.DateTimeField(
        null=True, blank=True, help_text=gettext_lazy("When the user was told (once an episode).")
    )

    class Meta:
        ordering = ["-last_failure_at"]

    def __str__(self):
        return f"{self.username}: {self.failures} failures"
