"""Checks every client service shares: a choice is one of its values, a manager is a sales manager, contact
details are normalised. They raise ApplicationError tied to the field, so forms and the API show it there."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import TextChoices
from django.utils.translation import gettext

from crm.exceptions import ApplicationError
from crm.roles import Role, has_role

from ..models import Channel
from ..normalize import normalize_email, normalize_phone


def check_choice(value: str, choices: type[TextChoices], field: str) -> None:
    if value not in choices.values:
        raise ApplicationError(gettext("%(value)r is not a valid choice.") % {"value": value}, field=field)


def check_language(language: str) -> None:
    if language not in dict(settings.LANGUAGES):
        raise ApplicationError(
            gettext("%(language)r is not a valid choice.") % {"language": language}, field="language"
        )


def check_manager(manager) -> None:
    if manager is not None and not has_role(manager, Role.SALES_MANAGER, Role.ADMINISTRATOR):
        raise ApplicationError(gettext("The manager must be a sales manager."), field="manager")


def normalized(email: str, phone: str) -> tuple[str, str]:
    """(email, phone) in their stored form: lower-case email, E.164 phone."""
    try:
        email = normalize_email(email)
    except ValidationError:
        raise ApplicationError(gettext("Enter a valid email address."), field="email")
    try:
        phone = normalize_phone(phone)
    except ValidationError as exc:
        raise ApplicationError(exc.messages[0], field="phone")
    return email, phone


def clean_channels(channels) -> list[str]:
    """Known channels in the client's order of preference, repeats dropped."""
    channels = list(channels or [])
    for channel in channels:
        if channel not in Channel.values:
            raise ApplicationError(
                gettext("Unknown channel %(channel)r.") % {"channel": channel}, field="preferred_channels"
            )
    return list(dict.fromkeys(channels))
