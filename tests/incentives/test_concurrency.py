import threading

import pytest
from django.db import connection, connections

from crm.exceptions import ConflictError
from incentives import services
from incentives.models import PeriodClose, ScoreSnapshot
from tests.incentives.conftest import at
from tests.incentives.factories import record


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_closes_freeze_the_period_once(shop, sales_manager, last_month):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL row locking")
    record(client=shop["client"], by=sales_manager, at=at(last_month.first_day), lines=[(shop["plain"], "100")])
    barrier = threading.Barrier(2)
    outcomes = []

    def close():
        try:
            barrier.wait()
            services.period_close(period=last_month)
            outcomes.append("closed")
        except ConflictError:
            outcomes.append("conflict")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=close) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["closed", "conflict"]
    assert PeriodClose.objects.count() == 1
    assert ScoreSnapshot.objects.filter(user=sales_manager).count() == 1


def test_the_close_job_is_registered_for_beat():
    from crm.registry import periodic_tasks

    assert periodic_tasks()["Close ended incentive periods"][0] == "incentives.close_ended_periods"
