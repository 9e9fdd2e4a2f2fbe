"""Report parameters. Each can be set in settings (REPORTS_<NAME>); these are the defaults."""

from decimal import Decimal

from django.conf import settings

DEFAULTS = {
    # Long-term value
    "RETENTION_WINDOW_DAYS": 180,  # a client is retained if they bought in the last window of this length
    "MAX_LIFETIME_MONTHS": 60,  # cap on the expected remaining lifetime
    "FREQUENCY_WINDOW_DAYS": 90,  # "falling frequency": fewer sales in the last window than in the one before
    "ATTENTION_NO_CONTACT_DAYS": 60,  # "no recent contact": no interaction and no purchase for this long
    # Perk return
    "PERK_WINDOW_DAYS": 90,  # purchases compared in this many days before and after the gesture
    "PERK_LOOKBACK_DAYS": 365,  # gestures given in this many days before the report date are measured
    "PERK_VALUE_BANDS": ["500", "2000", "10000"],  # band limits on net purchases in the window before
    # a perk kind whose recipients bought no more than similar clients over this many days after it started
    # is a drop candidate
    "PERK_DROP_HORIZON_DAYS": 90,
    # Trends
    "TREND_PREVIOUS_PERIODS": 3,  # the current period is compared with the average of this many before it
    "TREND_THRESHOLD_PERCENT": "25",  # a change at least this large (up or down) is a flag ...
    "TREND_MIN_VOLUME": "1000",  # ... if the current or previous average net demand reaches this
    "TOPIC_MIN_COUNT": 3,  # complaint/request topics: at least this many in the current period to be rising
    # Storage: a value snapshot keeps a row per client; rows of snapshots older than this are deleted (the
    # snapshot and its summary stay), so a year of weekly runs on 100,000 clients stays a few GB at most.
    "ROWS_RETENTION_DAYS": 400,
}


def param(name: str):
    value = getattr(settings, f"REPORTS_{name}", DEFAULTS[name])
    if name in ("TREND_THRESHOLD_PERCENT", "TREND_MIN_VOLUME"):
        return Decimal(str(value))
    if name == "PERK_VALUE_BANDS":
        return [Decimal(str(v)) for v in value]
    return int(value)
