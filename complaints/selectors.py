"""Reads for complaints and their standards (lists, details, the board, the client card tab, dashboard
panels, surveys, categories and targets), with the eager loading each page needs. The aggregates behind the
compliance and systematization pages are in analytics.py."""

from datetime import timedelta

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone

from .models import (
    Breach,
    Complaint,
    ComplaintCategory,
    ComplaintComment,
    ComplaintEvent,
    GoodwillGesture,
    ResponseTarget,
    SatisfactionSurvey,
)
from .rules import OPEN_STATES

# --- complaints ---------------------------------------------------------------------------------------


def complaint_list(
    *,
    kind: str = "",
    category: int | None = None,
    severity: str = "",
    manager: int | None = None,
    status: str = "",
    breached: bool | None = None,
    client: int | None = None,
    q: str = "",
    open_only: bool = False,
) -> QuerySet[Complaint]:
    qs = Complaint.objects.select_related("client", "category", "assigned_to", "product")
    if kind:
        qs = qs.filter(kind=kind)
    if category:
        qs = qs.filter(category_id=category)
    if severity:
        qs = qs.filter(severity=severity)
    if manager:
        qs = qs.filter(assigned_to_id=manager)
    if status:
        qs = qs.filter(status=status)
    if client:
        qs = qs.filter(client_id=client)
    if open_only:
        qs = qs.filter(status__in=OPEN_STATES)
    if breached is True:
        qs = qs.filter(Q(first_response_breached=True) | Q(resolution_breached=True))
    elif breached is False:
        qs = qs.filter(first_response_breached=False, resolution_breached=False)
    if q:
        qs = qs.filter(
            Q(reference__iexact=q)
            | Q(client__name__icontains=q)
            | Q(contact_name__icontains=q)
            | Q(subject__icontains=q)
        )
    return qs.order_by("-id")


def client_match_queue() -> QuerySet[Complaint]:
    """Anonymous complaints whose contact details match a client, waiting for staff to confirm or reject the
    match, oldest first, with the suggested client (and their manager) loaded."""
    return (
        Complaint.objects.filter(client_match=Complaint.ClientMatch.PENDING, client__isnull=True)
        .select_related("suggested_client", "suggested_client__manager", "category", "assigned_to")
        .order_by("id")
    )


def complaint_get(*, pk: int) -> Complaint:
    return (
        Complaint.objects.select_related(
            "client", "category", "category__script__current_version", "assigned_to", "product", "purchase"
        )
        .prefetch_related(
            Prefetch("events", queryset=ComplaintEvent.objects.select_related("by", "from_user", "to_user")),
            Prefetch("comments", queryset=ComplaintComment.objects.select_related("author")),
            Prefetch("goodwill", queryset=GoodwillGesture.objects.select_related("given_by")),
            "surveys",
            "breaches",
            "category__standards",
        )
        .get(pk=pk)
    )


def board_columns(*, manager: int | None = None, limit: int = 50) -> list[dict]:
    """Columns by state, each the newest `limit` cards (one indexed query per column, so a crowded column
    never starves another); the closed column shows the last 30 days only."""
    qs = complaint_list(manager=manager)
    counts = dict(qs.values_list("status").annotate(n=Count("id")).order_by())
    recent = timezone.now() - timedelta(days=30)
    columns = []
    for status in Complaint.Status:
        column = qs.filter(status=status)
        if status == Complaint.Status.CLOSED:
            column = column.filter(closed_at__gte=recent)
        columns.append(
            {
                "status": status.value,
                "label": status.label,
                "items": list(column[:limit]),
                "count": counts.get(status, 0),
            }
        )
    return columns


def client_complaints(*, client_id: int) -> list[Complaint]:
    return list(
        Complaint.objects.filter(client_id=client_id)
        .select_related("assigned_to", "category")
        .prefetch_related(
            Prefetch("surveys", queryset=SatisfactionSurvey.objects.filter(answered_at__isnull=False)),
            "goodwill",
        )
        .order_by("-id")[:100]
    )


def my_open_complaints(*, user, limit: int = 10) -> list[Complaint]:
    return list(
        Complaint.objects.filter(assigned_to=user, status__in=OPEN_STATES)
        .select_related("client")
        .order_by("resolution_due", "id")[:limit]
    )


def recent_breaches(*, user=None, limit: int = 10) -> list[Breach]:
    qs = Breach.objects.filter(complaint__status__in=OPEN_STATES).select_related("complaint", "complaint__client")
    if user is not None:
        qs = qs.filter(complaint__assigned_to=user)
    return list(qs.order_by("-detected_at")[:limit])


def survey_get(*, token: str) -> SatisfactionSurvey | None:
    return SatisfactionSurvey.objects.select_related("complaint").filter(token=token).first()


# --- standards ----------------------------------------------------------------------------------------


def category_list() -> QuerySet[ComplaintCategory]:
    return ComplaintCategory.objects.select_related("owner", "script", "parent").prefetch_related("standards")


def target_list() -> QuerySet[ResponseTarget]:
    return ResponseTarget.objects.select_related("category").order_by("category__name", "kind", "severity")


def complaints_recorded_by(*, user) -> QuerySet[Complaint]:
    """What a person recorded at intake, newest first: for staff who do not handle complaints (accountants)
    to tell a caller who handles theirs. The intake page shows reference, client, handler and status only."""
    return (
        Complaint.objects.filter(created_by=user)
        .select_related("client", "assigned_to")
        .only(
            "id",
            "reference",
            "status",
            "created_at",
            "subject",
            "client__name",
            "contact_name",
            "assigned_to__username",
            "assigned_to__first_name",
            "assigned_to__last_name",
        )
        .order_by("-id")
    )
