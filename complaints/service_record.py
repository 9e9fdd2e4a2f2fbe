"""The complaints desk's part of the client's service record (crm/standards/failures.py): complaints past
their response or resolution clock, and complaint satisfaction surveys answered with a low score. Registered
from ComplaintsConfig.ready()."""

from django.utils.translation import gettext_lazy

from crm.standards.failures import FailureSource, Found, for_clients, not_recorded, register_failure_source

from .models import Breach, SatisfactionSurvey

COMPLAINT_CLOCK, SURVEY_LOW = "complaint_clock", "survey_low"
# A survey score (1-5) at or below this is a failure of the service.
LOW_SURVEY_SCORE = 2


def _complaint_clocks(*, now, client_ids):
    """A breached clock (first response or resolution) of a complaint of a confirmed client: one failure per
    clock, the breach row the clock detector wrote."""
    qs = Breach.objects.filter(stage=Breach.Stage.BREACHED, complaint__client_id__isnull=False).filter(
        ~not_recorded(COMPLAINT_CLOCK, "breach:")
    )
    for pk, client_id, reference, clock, due_at in for_clients(qs, client_ids, "complaint__client_id").values_list(
        "pk", "complaint__client_id", "complaint__reference", "clock", "due_at"
    ):
        yield Found(client_id, f"breach:{pk}", due_at, f"{reference} {Breach.Clock(clock).label.lower()}")


def _low_surveys(*, now, client_ids):
    qs = SatisfactionSurvey.objects.filter(
        answered_at__isnull=False, score__lte=LOW_SURVEY_SCORE, complaint__client_id__isnull=False
    ).filter(~not_recorded(SURVEY_LOW, "survey:"))
    for pk, client_id, reference, score, at in for_clients(qs, client_ids, "complaint__client_id").values_list(
        "pk", "complaint__client_id", "complaint__reference", "score", "answered_at"
    ):
        yield Found(client_id, f"survey:{pk}", at, f"{reference}: {score}/5")


def register() -> None:
    register_failure_source(FailureSource(COMPLAINT_CLOCK, gettext_lazy("Complaint past its clock"), _complaint_clocks))
    register_failure_source(FailureSource(SURVEY_LOW, gettext_lazy("Low survey score"), _low_surveys))
