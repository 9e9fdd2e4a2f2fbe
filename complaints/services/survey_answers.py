"""The client's answer to a satisfaction survey: recorded once; a low score reopens the case and tells the
assignee (or the supervisors)."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from crm.exceptions import ApplicationError
from crm.notifications import services as notification_services

from ..models import Complaint, ComplaintEvent, SatisfactionSurvey
from .events import log_event
from .handling import complaint_transition
from .routing import supervisors

S = Complaint.Status
LOW_SCORE = 2  # a survey score at or below this reopens the case


def _score(value: int | None, *, field: str, low: int, high: int, required: bool) -> int | None:
    if value is None and not required:
        return None
    if value is None or not low <= value <= high:
        raise ApplicationError(
            gettext("Choose a score from %(low)s to %(high)s.") % {"low": low, "high": high}, field=field
        )
    return value


@transaction.atomic
def survey_answer(
    *, token: str, score: int | None, comment: str = "", recommendation: int | None = None
) -> SatisfactionSurvey:
    """Record the client's answer once. A score of LOW_SCORE or less reopens the case and tells the manager."""
    survey = SatisfactionSurvey.objects.select_for_update().filter(token=token).first()
    if survey is None:
        raise ApplicationError(gettext("This survey link is not valid."), field="token")
    if survey.answered_at is not None:
        raise ApplicationError(gettext("This survey has already been answered. Thank you!"), code="already_answered")
    survey.score = _score(score, field="score", low=1, high=5, required=True)
    survey.recommendation = _score(recommendation, field="recommendation", low=0, high=10, required=False)
    survey.comment = (comment or "").strip()[:2000]
    survey.answered_at = timezone.now()
    survey.save(update_fields=["score", "recommendation", "comment", "answered_at"])
    complaint = Complaint.objects.select_for_update().get(pk=survey.complaint_id)
    log_event(complaint, ComplaintEvent.EventKind.SURVEY, note=f"score {survey.score}: {survey.comment}"[:500])
    if survey.score <= LOW_SCORE and complaint.status in (S.RESOLVED, S.CLOSED):
        complaint = complaint_transition(
            complaint=complaint, to_status=S.REOPENED, by=None, note=f"Low satisfaction score ({survey.score})"
        )
        recipients = [complaint.assigned_to] if complaint.assigned_to_id else supervisors()
        for user in recipients:
            with notification_services.in_user_language(user):
                notification_services.notification_enqueue_for_user(
                    user=user,
                    event="complaint_reopened",
                    dedup_key=f"complaint_reopened:{survey.pk}",
                    subject=gettext("%(reference)s reopened: the client scored %(score)s/5")
                    % {"reference": complaint.reference, "score": survey.score},
                    body=survey.comment or "No comment given.",
                    context={"complaint_id": complaint.pk, "score": survey.score},
                )
    return survey
