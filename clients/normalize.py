"""Normalising contact details, so duplicates are found and consent matches whatever form was typed."""

import phonenumbers
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext


def normalize_phone(raw: str, region: str | None = None) -> str:
    """E.164 (+442079460000), or "" for blank input. Raises ValidationError for a number that is not one."""
    raw = (raw or "").strip()
    if not raw:
        return ""
    try:
        number = phonenumbers.parse(raw, region or settings.DEFAULT_PHONE_REGION)
    except phonenumbers.NumberParseException:
        raise ValidationError(gettext("%(raw)r is not a phone number.") % {"raw": raw}, code="invalid_phone")
    if not phonenumbers.is_valid_number(number):
        raise ValidationError(gettext("%(raw)r is not a valid phone number.") % {"raw": raw}, code="invalid_phone")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def normalize_email(raw: str) -> str:
    """Lower-cased and trimmed, or "" for blank input. Raises ValidationError for a malformed address."""
    email = (raw or "").strip().lower()
    if not email:
        return ""
    validate_email(email)
    return email
