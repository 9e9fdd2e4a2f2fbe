"""The survey kind the clients app owns: after a consultation (an interaction of the consultation kind)."""

from django.utils.translation import gettext_lazy as _

from clients.models import Interaction

from .registry import Occasion, SurveyKind


def consultation_occasions(start, end):
    rows = (
        Interaction.objects.filter(kind=Interaction.Kind.CONSULTATION, occurred_at__gte=start, occurred_at__lt=end)
        .order_by("occurred_at", "id")
        .values_list("id", "client_id", "occurred_at", "staff_id")
    )
    for pk, client_id, occurred_at, staff_id in rows.iterator(chunk_size=1000):
        yield Occasion(object_id=pk, client_id=client_id, occurred_at=occurred_at, manager_id=staff_id)


CONSULTATION = SurveyKind(
    code="consultation",
    label=_("After a consultation"),
    question=_("How satisfied are you with the consultation you had with us?"),
    occasions=consultation_occasions,
)
