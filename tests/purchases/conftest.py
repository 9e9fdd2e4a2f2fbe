import pytest

from tests.factories import ClientFactory, ProductFactory

from .factories import demo_tiers


@pytest.fixture
def tiers(db):
    return demo_tiers()


@pytest.fixture
def client_obj(db, sales_manager):
    return ClientFactory(manager=sales_manager)


@pytest.fixture
def product(db):
    return ProductFactory(unit_price="100.00", unit_cost="60.00")
