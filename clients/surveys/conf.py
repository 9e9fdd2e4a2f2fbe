"""Survey parameters. Each can be set in settings (SURVEYS_<NAME>); these are the defaults."""

from django.conf import settings

DEFAULTS = {
    "DELAY_HOURS": 48,  # a survey goes this long after the purchase or consultation
    "LOOKBACK_DAYS": 7,  # occasions older than delay + this are no longer surveyed (a stopped sender catching up)
    "MIN_DAYS_BETWEEN": 30,  # at most one survey per client in this many days
    "LOW_SATISFACTION": 2,  # a satisfaction (1-5) at or below this opens a follow-up task ...
    "LOW_RECOMMENDATION": 6,  # ... and so does a recommendation (0-10) at or below this (an NPS detractor)
    "FOLLOW_UP_DAYS": 1,  # the follow-up task is due this many days after the answer
    # The consent a survey needs (crm.notifications.models.Purpose): "service" (the company's rule: surveys
    # are service messages, stopped by an opt-out) or "marketing" (an opt-in is needed).
    "PURPOSE": "service",
}

# A survey link is a web page: it goes by email or SMS, never as a call task or a printed letter.
CHANNELS = ("email", "sms")


def param(name: str):
    value = getattr(settings, f"SURVEYS_{name}", DEFAULTS[name])
    return value if name == "PURPOSE" else int(value)
