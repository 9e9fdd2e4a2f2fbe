"""The lists that were answered whole (segments, discount tiers, award types and rules, a product's weights, a
complaint's comments and goodwill, an invoice's payments and refunds) are cursor pages now, and `updated_since`
answers only what was written or changed since that moment, as on every other list the ERP syncs."""

from decimal import Decimal

import pytest
from django.utils import timezone

from clients import services as client_services
from complaints import services as complaint_services
from incentives import services as incentive_services
from purchases import services as purchase_services
from purchases.models import DiscountTier
from tests.complaints.factories import make_complaint
from tests.factories import ClientFactory, ProductFactory, SegmentFactory
from tests.purchases.factories import demo_tiers, record_sale

pytestmark = pytest.mark.django_db


def since(api, url, moment):
    response = api.get(url, {"updated_since": moment.isoformat()})
    assert response.status_code == 200, response.content
    body = response.json()
    assert set(body) == {"next", "previous", "results"}  # a cursor page
    return body["results"]


def test_segments_changed_since_a_moment_and_a_bad_moment_is_a_400(admin_api):
    old, _ = SegmentFactory(code="old"), SegmentFactory(code="kept")
    moment = timezone.now()
    SegmentFactory(code="new")
    assert [s["code"] for s in since(admin_api, "/api/v1/segments/", moment)] == ["new"]
    old.description = "renamed"
    old.save()  # an edit moves the stamp
    assert sorted(s["code"] for s in since(admin_api, "/api/v1/segments/", moment)) == ["new", "old"]
    bad = admin_api.get("/api/v1/segments/", {"updated_since": "yesterday"})
    assert bad.status_code == 400 and "updated_since" in bad.json()


def test_discount_tiers_edited_through_the_api_come_back_in_the_sync(admin_api, acc_api):
    tiers = demo_tiers()
    moment = timezone.now()
    assert since(acc_api, "/api/v1/discount-tiers/", moment) == []
    patched = admin_api.patch(f"/api/v1/discount-tiers/{tiers[1].pk}/", {"percent": "3"}, format="json")
    assert patched.status_code == 200
    rows = since(acc_api, "/api/v1/discount-tiers/", moment)
    assert [(r["id"], r["percent"]) for r in rows] == [(tiers[1].pk, "3.00")]
    assert DiscountTier.objects.get(pk=tiers[1].pk).updated_at >= moment


def test_award_types_and_rules_since_a_moment(admin_api, sm_api, administrator):
    incentive_services.award_type_create(name="Old cup", kind="recognition_title", by=administrator)
    moment = timezone.now()
    new = incentive_services.award_type_create(name="New cup", kind="recognition_title", by=administrator)
    assert [t["name"] for t in since(sm_api, "/api/v1/incentives/award-types/", moment)] == ["New cup"]
    rule = admin_api.post(
        "/api/v1/incentives/award-rules/",
        {"name": "Monthly cup", "period_kind": "month", "award_type": new.pk},
        format="json",
    )
    assert rule.status_code == 201, rule.content
    assert [r["name"] for r in since(sm_api, "/api/v1/incentives/award-rules/", moment)] == ["Monthly cup"]


def test_comments_goodwill_and_weights_written_since_a_moment(sm_api, admin_api, sales_manager, administrator):
    complaint = make_complaint(client=ClientFactory(manager=sales_manager), by=sales_manager)
    complaint_services.comment_add(complaint=complaint, by=sales_manager, body="First call")
    complaint_services.goodwill_add(complaint=complaint, by=sales_manager, kind="gift", cost=Decimal("5"))
    product = ProductFactory()
    weight_before = product.incentive_weight
    moment = timezone.now()
    complaint_services.comment_add(complaint=complaint, by=sales_manager, body="Second call")
    complaint_services.goodwill_add(complaint=complaint, by=sales_manager, kind="gift", cost=Decimal("7.50"))
    purchase_services.product_weight_set(
        product=product, weight=Decimal("2"), effective_from=timezone.localdate(), by=administrator
    )
    url = f"/api/v1/complaints/{complaint.pk}/"
    assert [c["body"] for c in since(sm_api, url + "comments/", moment)] == ["Second call"]
    assert [g["cost"] for g in since(sm_api, url + "goodwill/", moment)] == ["7.50"]
    weights = since(sm_api, f"/api/v1/products/{product.pk}/weights/", moment)
    # the first change also records the weight in force until then: both rows were written after the moment
    assert sorted(Decimal(w["weight"]) for w in weights) == sorted([Decimal("2"), weight_before])


def test_payments_and_refunds_recorded_since_a_moment(acc_api, sales_manager, accountant):
    demo_tiers()
    client = ClientFactory(manager=sales_manager)
    sale = record_sale(client, ProductFactory(unit_price="100.00"), 2, by=sales_manager)
    invoice = purchase_services.invoice_request(client=client, purchases=[sale], by=sales_manager)
    invoice = purchase_services.invoice_issue(invoice=invoice, by=accountant)
    purchase_services.invoice_payment_record(invoice=invoice, amount=Decimal("50"), paid_on=None, by=accountant)
    moment = timezone.now()
    purchase_services.invoice_payment_record(invoice=invoice, amount=Decimal("150"), paid_on=None, by=accountant)
    purchase_services.invoice_refund_record(invoice=invoice, amount=Decimal("20"), refunded_on=None, by=accountant)
    base = f"/api/v1/invoices/{invoice.pk}/"
    assert [p["amount"] for p in since(acc_api, base + "payments/", moment)] == ["150.00"]
    assert [r["amount"] for r in since(acc_api, base + "refunds/", moment)] == ["20.00"]
    everything = acc_api.get(base + "payments/", {"page_size": 1}).json()
    assert len(everything["results"]) == 1 and everything["next"]  # paged by cursor


def test_manager_history_since_a_moment(admin_api, sales_manager, administrator):
    client = ClientFactory(manager=sales_manager)
    moment = timezone.now()
    client_services.client_reassign(client=client, manager=administrator, by=administrator)
    rows = since(admin_api, f"/api/v1/clients/{client.pk}/managers/", moment)
    assert [r["manager"] for r in rows] == [administrator.pk]
