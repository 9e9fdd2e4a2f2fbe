"""Reads of surveys."""

from django.db.models import QuerySet

from crm.roles import is_admin

from . import registry
from .models import Survey


def survey_get(*, token: str) -> Survey | None:
    if not token:
        return None
    return Survey.objects.select_related("client").filter(token=token).first()


def survey_list(*, user, status: str | None = None, updated_since=None) -> QuerySet[Survey]:
    """Administrators see every survey; anyone else the surveys of the clients they manage."""
    qs = Survey.objects.select_related("client", "manager", "segment")
    if not is_admin(user):
        qs = qs.filter(client__manager=user)
    if status:
        qs = qs.filter(status=status)
    if updated_since is not None:
        qs = qs.filter(updated_at__gte=updated_since)
    return qs


def survey_latest_answers(*, user, limit: int = 20) -> list[Survey]:
    """The newest answers the user may see, each with `kind_label` (the registered kind's name)."""
    rows = list(survey_list(user=user, status=Survey.Status.ANSWERED).order_by("-answered_at", "-id")[:limit])
    for survey in rows:
        kind = registry.kind_get(survey.kind)
        survey.kind_label = kind.label if kind else survey.kind
    return rows
