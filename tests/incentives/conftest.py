from datetime import datetime, time, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from incentives import periods
from tests.factories import ClientFactory, ProductFactory


def at(day, hour=12):
    return timezone.make_aware(datetime.combine(day, time(hour)))


@pytest.fixture
def this_month():
    return periods.current(periods.MONTH)


@pytest.fixture
def last_month(this_month):
    return this_month.previous()


@pytest.fixture
def shop(db, sales_manager):
    """A client managed by the sales manager, a locomotive product (weight 3) and an ordinary one (weight 1)."""
    client = ClientFactory(manager=sales_manager)
    loco = ProductFactory(name="Offset press", is_locomotive=True, incentive_weight=Decimal("3"))
    plain = ProductFactory(name="Paper", incentive_weight=Decimal("1"))
    return {"client": client, "loco": loco, "plain": plain}


@pytest.fixture
def today_noon():
    now = timezone.localtime()
    # Early on the first of a month "noon today" may be in the future; keep it inside the month and past.
    return min(at(now.date()), now - timedelta(seconds=1))
