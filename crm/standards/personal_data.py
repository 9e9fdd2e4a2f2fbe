"""The service record's part of a person's data export and erasure (clients.hooks.personal_data_parts).

Exported: the client's failures, key-client flag and value rank. Erased: the person's strings in the failures'
titles (a promise's text, a client's name) and the resolution notes; the kinds, dates and who resolved them
are kept (the service standards count them)."""

from clients.hooks import ERASED_TEXT, Erasure, PersonalDataPart

from .models import ClientValueRank, KeyClientFlag, ServiceFailure


def export(*, client_ids: list[int]) -> dict[str, list[dict]]:
    return {
        "service_failures": list(ServiceFailure.objects.filter(client_id__in=client_ids).order_by("id").values()),
        "key_client_flags": list(KeyClientFlag.objects.filter(client_id__in=client_ids).values()),
        "client_value_ranks": list(ClientValueRank.objects.filter(client_id__in=client_ids).values()),
    }


def erase(*, erasure: Erasure) -> dict[str, int]:
    failures = ServiceFailure.objects.filter(client_id__in=erasure.client_ids)
    scrubbed = erasure.scrub_rows(failures, ["title"])
    notes = failures.exclude(resolution_note="").update(resolution_note=ERASED_TEXT)
    return {"standards.ServiceFailure": scrubbed + notes}


PART = PersonalDataPart(label="service record", export=export, erase=erase)
