"""The reports' part of a person's data erasure (clients.hooks.personal_data_parts): report snapshots keep
their figures (they are aggregates the company computed), but a value report's line names its client, and
that name is replaced. The export has nothing of its own to add: the figures come from the ledger, which the
purchases part exports."""

from django.utils.translation import gettext_lazy

from clients.hooks import Erasure, PersonalDataPart

from .models import ReportRow


def export(*, client_ids: list[int]) -> dict[str, list[dict]]:
    return {}


def erase(*, erasure: Erasure) -> dict[str, int]:
    return {
        "reports.ReportRow": erasure.scrub_rows(ReportRow.objects.filter(client_id__in=erasure.client_ids), ["data"])
    }


PART = PersonalDataPart(label=gettext_lazy("reports"), export=export, erase=erase)
