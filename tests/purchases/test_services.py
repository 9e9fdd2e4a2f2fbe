"""Catalogue services with typed input, the CSV reader in front of the import, and the rule that every service
save of an existing row names its fields."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db.models import Model
from django.utils import timezone

from crm.exceptions import ApplicationError
from purchases import forms, services
from purchases.models import Category, DiscountPolicy, Product
from purchases.services import CatalogueRow, LineInput, ReturnLineInput
from tests.factories import ClientFactory, ProductFactory

pytestmark = pytest.mark.django_db
D = Decimal


def test_csv_reader_lists_every_bad_row_and_the_import_gets_nothing():
    csv = (
        b"sku,name,category,unit_price,unit_cost,is_key\n"
        b"A-1,Pen,Office,1.50,0.80,yes\n"
        b"A-2,,Office,1,1,\n"
        b"A-3,Ink,Office,x,1,\n"
        b"A-4,Pad,Office,2,1,\n"
    )
    with pytest.raises(ValidationError) as raised:
        forms.catalogue_csv_rows(csv)
    assert raised.value.messages == [
        "Row 3 (A-2): name: This field is required.",
        "Row 4 (A-3): unit_price: Enter a number.",
    ]
    with pytest.raises(ValidationError, match="Missing columns: unit_cost"):
        forms.catalogue_csv_rows(b"sku,name,category,unit_price\n")
    with pytest.raises(ValidationError, match="UTF-8"):
        forms.catalogue_csv_rows("sku,name".encode("utf-16"))
    assert not Product.objects.exists()


def test_csv_rows_are_typed_and_an_empty_cell_keeps_the_value_on_update():
    product = ProductFactory(sku="A-1", is_key=True, unit_price=D("9.00"))
    rows = forms.catalogue_csv_rows(
        b"sku,name,category,unit_price,unit_cost,is_key,incentive_weight\n"
        b"A-1,Pen,Office,1.50,0.80,,2\n"
        b"B-1,Pad,office,3,1,x,\n"
    )
    assert rows[0] == CatalogueRow(
        number=2,
        sku="A-1",
        category="Office",
        fields={"name": "Pen", "unit_price": D("1.50"), "unit_cost": D("0.80"), "incentive_weight": D("2")},
    )
    assert services.catalogue_import(rows=rows) == {"created": 1, "updated": 1}
    product.refresh_from_db()
    assert product.is_key and product.unit_price == D("1.50") and product.incentive_weight == D("2")
    assert Product.objects.get(sku="B-1").is_key
    assert Category.objects.filter(name="Office").count() == 1  # found again by its code, "office"


def test_catalogue_import_refuses_a_sku_twice_and_imports_nothing():
    row = CatalogueRow(
        number=2, sku="A-1", category="Office", fields={"name": "Pen", "unit_price": D(1), "unit_cost": D(1)}
    )
    with pytest.raises(ApplicationError) as raised:
        services.catalogue_import(rows=[row, CatalogueRow(number=3, sku="A-1", category="Office", fields=row.fields)])
    assert raised.value.extra["rows"] == ["Row 3 (A-1): sku: SKU appears twice in the file."]
    assert not Product.objects.exists() and not Category.objects.exists()


def test_catalogue_services_check_typed_numbers():
    category = Category.objects.create(name="Paper", code="paper")
    with pytest.raises(ApplicationError, match="at least 0"):
        services.product_create(sku="P", name="P", category=category, unit_price=D("-1"), unit_cost=D(0))
    with pytest.raises(ApplicationError, match="at least 0"):
        services.tier_save(threshold=D("-1"), percent=D(1))
    with pytest.raises(ApplicationError, match="At most 100%"):
        services.tier_save(threshold=D(1), percent=D("100.01"))
    with pytest.raises(ApplicationError, match="at least 1"):
        services.policy_set(basis="rolling", window_months=0)
    product = services.product_create(
        sku="P", name="P", category=category, unit_price=D(1), unit_cost=D(0), incentive_weight=D(0)
    )
    assert product.incentive_weight == 0 and product.weights.get().weight == 0
    with pytest.raises(TypeError):
        services.product_update(product=product, price=D(1))


def test_every_service_save_of_an_existing_row_names_its_fields(
    monkeypatch, tiers, sales_manager, accountant, administrator
):
    unnamed = []
    real_save = Model.save

    def save(self, *args, **kwargs):
        if not self._state.adding and kwargs.get("update_fields") is None:
            unnamed.append(type(self).__name__)
        return real_save(self, *args, **kwargs)

    monkeypatch.setattr(Model, "save", save)
    category = services.category_save(name="Paper")
    services.category_save(category=category, name="Office paper", code="paper", is_active=True)
    tier = services.tier_save(threshold=D("100000"), percent=D("12"))
    services.tier_save(tier=tier, threshold=D("90000"), percent=D("11"), name="Platinum")
    services.policy_set(basis=DiscountPolicy.Basis.LIFETIME, window_months=12)
    services.policy_set(basis=DiscountPolicy.Basis.ROLLING, window_months=6)
    product = services.product_create(sku="P-1", name="A4", category=category, unit_price=D(100), unit_cost=D(60))
    services.product_update(product=product, name="A4 white", incentive_weight=D(2), by=administrator)
    services.product_weight_set(product=product, weight=D(3), effective_from=timezone.localdate() + timedelta(days=1))
    client = ClientFactory(manager=sales_manager)
    sale, _ = services.purchase_record(
        client=client, lines=[LineInput(product=product, quantity=D(20))], by=sales_manager
    )
    services.purchase_return(
        original=sale, by=sales_manager, lines=[ReturnLineInput(line=sale.lines.get(), quantity=D(1))]
    )
    services.purchase_discount_override(purchase=sale, percent=D(5), reason="Goodwill", by=administrator)
    invoice = services.invoice_request(client=client, purchases=[sale], by=sales_manager)
    services.invoice_claim(invoice=invoice, by=accountant)
    services.invoice_issue(invoice=invoice, by=accountant)
    services.invoice_mark_sent(invoice=invoice, by=accountant)
    services.invoice_payment_record(invoice=invoice, amount=D(10), paid_on=None, by=accountant)
    services.client_accounts_recompute_all()
    services.client_accounts_merge(loser=ClientFactory(), survivor=client)
    assert unnamed == []
