"""Reads of the company standards."""

from django.contrib.auth import get_user_model
from django.db.models import Exists, OuterRef, QuerySet

from crm.roles import Role

from .models import Acknowledgement, ServiceTargets, StandardDocument


def staff_users() -> QuerySet:
    """Active users holding any CRM role: they must acknowledge the standard documents."""
    return get_user_model().objects.filter(is_active=True, groups__name__in=Role.values).distinct().order_by("username")


def service_targets() -> ServiceTargets:
    """The company-wide service targets (created with defaults on first use)."""
    targets, _ = ServiceTargets.objects.get_or_create(pk=1)
    return targets


def document_list() -> QuerySet[StandardDocument]:
    return StandardDocument.objects.filter(is_active=True).select_related("current_version")


def documents_for_user(*, user) -> list[StandardDocument]:
    """Active documents with `acknowledged` (of the current version) set for this user."""
    acked = Acknowledgement.objects.filter(user=user, version=OuterRef("current_version"))
    return list(document_list().annotate(acknowledged=Exists(acked)))


def unacknowledged_by_user() -> dict[int, list[StandardDocument]]:
    """{user id: [documents whose current version they have not acknowledged]} for all staff."""
    documents = list(document_list().filter(current_version__isnull=False))
    users = list(staff_users().values_list("pk", flat=True))
    acked = set(
        Acknowledgement.objects.filter(version__in=[d.current_version_id for d in documents]).values_list(
            "user_id", "version_id"
        )
    )
    result: dict[int, list] = {}
    for uid in users:
        missing = [d for d in documents if (uid, d.current_version_id) not in acked]
        if missing:
            result[uid] = missing
    return result


def acknowledgement_matrix() -> dict:
    """Who has acknowledged which current version: rows of staff, columns of documents."""
    documents = list(document_list().filter(current_version__isnull=False))
    users = list(staff_users())
    acked = set(
        Acknowledgement.objects.filter(version__in=[d.current_version_id for d in documents]).values_list(
            "user_id", "version_id"
        )
    )
    rows = [{"user": u, "cells": [(u.pk, d.current_version_id) in acked for d in documents]} for u in users]
    missing = sum(1 for r in rows for c in r["cells"] if not c)
    return {"documents": documents, "rows": rows, "missing": missing}
