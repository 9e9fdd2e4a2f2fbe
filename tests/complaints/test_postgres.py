"""Concurrency on PostgreSQL: references stay unique and gapless when complaints arrive at once."""

import threading

import pytest
from django.db import close_old_connections, connection

from complaints import services
from complaints.models import Complaint
from tests.factories import ClientFactory


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_parallel_intake_gives_unique_gapless_references():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL row locks")
    client = ClientFactory()
    errors = []

    def worker():
        try:
            for _ in range(5):
                services.complaint_create(client=client, text="At the same time", channel="api")
        except Exception as exc:  # surfaced below
            errors.append(exc)
        finally:
            close_old_connections()

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    numbers = sorted(int(r.rsplit("-", 1)[1]) for r in Complaint.objects.values_list("reference", flat=True))
    assert numbers == list(range(1, 21))
