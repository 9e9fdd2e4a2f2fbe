"""A merge never rewrites the ledger: the loser's entries, tier history and issued invoices stay on the loser, and
the survivor's ledger is read over its lineage (itself and every client merged into it) wherever a client's
purchases are read: the account, the purchases tab, the API, invoice requests, returns and complaints."""

from decimal import Decimal

import pytest
from django.urls import reverse

from clients import selectors as client_selectors
from clients import services as client_services
from crm.exceptions import ApplicationError
from purchases import selectors, services
from purchases.models import ClientAccount, CreditNote, Invoice, Purchase, TierChange
from purchases.services import ReturnLineInput
from tests.factories import ClientFactory

from .factories import record_sale

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def merged(tiers, product, sales_manager, administrator, accountant):
    survivor, loser = ClientFactory(name="Survivor Ltd"), ClientFactory(name="Loser Ltd")
    kept = record_sale(survivor, product, 4, by=sales_manager)  # 400
    old = record_sale(loser, product, 7, by=sales_manager)  # 700
    issued = services.invoice_issue(
        invoice=services.invoice_request(client=loser, purchases=[old], by=sales_manager), by=accountant
    )
    pending_sale = record_sale(loser, product, 1, by=sales_manager)  # 100
    pending = services.invoice_request(client=loser, purchases=[pending_sale], by=sales_manager)
    loser_tier_changes = TierChange.objects.filter(client=loser).count()
    client_services.client_merge(survivor=survivor, loser=loser, by=administrator)
    return {
        "survivor": survivor,
        "loser": loser,
        "kept": kept,
        "old": old,
        "issued": issued,
        "pending": pending,
        "loser_tier_changes": loser_tier_changes,
    }


def test_merge_leaves_the_ledger_and_issued_invoices_on_the_loser(merged):
    loser, survivor = merged["loser"], merged["survivor"]
    assert Purchase.objects.filter(client=loser).count() == 2
    assert TierChange.objects.filter(client=loser).count() == merged["loser_tier_changes"]
    assert Invoice.objects.get(pk=merged["issued"].pk).client_id == loser.pk  # a document keeps its party
    assert Invoice.objects.get(pk=merged["pending"].pk).client_id == survivor.pk  # a request follows the client


def test_survivor_account_is_the_sum_of_its_lineage(merged):
    survivor = merged["survivor"]
    assert ClientAccount.objects.get(client=survivor).cumulative_total == D("1200.00")
    assert not ClientAccount.objects.filter(client=merged["loser"]).exists()
    assert selectors.ledger_drift() == []
    account = services.client_account_recompute(client=survivor)
    assert account.cumulative_total == D("1200.00")


def test_a_second_merge_keeps_merged_into_flat(merged, product, sales_manager, administrator):
    survivor, loser = merged["survivor"], merged["loser"]
    final = ClientFactory(name="Final Ltd")
    record_sale(final, product, 1, by=sales_manager)
    client_services.client_merge(survivor=final, loser=survivor, by=administrator)
    loser.refresh_from_db()
    assert loser.merged_into_id == final.pk
    assert set(client_selectors.client_lineage_ids(client=final)) == {final.pk, survivor.pk, loser.pk}
    assert ClientAccount.objects.get(client=final).cumulative_total == D("1300.00")
    assert selectors.ledger_drift() == []


def test_purchases_tab_and_api_read_the_lineage(merged, sm_client, sm_api):
    survivor = merged["survivor"]
    tab = sm_client.get(reverse("purchases:client_tab", args=[survivor.pk]))
    assert f'href="/purchases/{merged["old"].pk}/"'.encode() in tab.content
    assert merged["issued"].number.encode() in tab.content
    ids = {row["id"] for row in sm_api.get("/api/v1/purchases/", {"client": survivor.pk}).json()["results"]}
    assert ids == {p.pk for p in Purchase.objects.all()}


def test_a_sale_for_the_loser_is_refused_naming_the_survivor(merged, product, sales_manager):
    with pytest.raises(ApplicationError, match="merged into Survivor Ltd") as caught:
        record_sale(merged["loser"], product, 1, by=sales_manager)
    assert caught.value.field == "client" and caught.value.code == "merged"


def test_api_answers_400_for_a_sale_on_the_loser(merged, sm_api, product):
    lines = [{"product": product.sku, "quantity": 1}]
    response = sm_api.post("/api/v1/purchases/", {"client": merged["loser"].pk, "lines": lines}, format="json")
    assert response.status_code == 400 and "Survivor Ltd" in response.json()["client"][0]


def test_a_return_of_the_losers_sale_is_recorded_on_the_survivor(merged, sales_manager, administrator):
    old, survivor = merged["old"], merged["survivor"]
    entry, _ = services.purchase_return(
        original=old, by=sales_manager, lines=[ReturnLineInput(line=old.lines.get(), quantity=D(2))]
    )
    assert entry.client_id == survivor.pk and entry.original_id == old.pk
    correction = services.purchase_discount_override(purchase=old, percent=D("10"), reason="goodwill", by=administrator)
    assert correction.client_id == survivor.pk
    assert ClientAccount.objects.get(client=survivor).cumulative_total == D("1200.00") + entry.net_total + (
        correction.net_total
    )
    assert selectors.ledger_drift() == []


def test_a_return_after_the_merge_credits_the_losers_issued_invoice(merged, sales_manager, accountant):
    """The loser's issued invoice keeps its party; the return (recorded on the survivor) asks for a credit note of
    that invoice, which the survivor's lineage reads, and issuing it credits the invoice without touching its
    frozen figures."""
    old, loser, survivor, issued = merged["old"], merged["loser"], merged["survivor"], merged["issued"]
    entry, _ = services.purchase_return(
        original=old, by=sales_manager, lines=[ReturnLineInput(line=old.lines.get(), quantity=D(2))]
    )
    note = CreditNote.objects.get(entry=entry)
    assert note.invoice_id == issued.pk and note.invoice.client_id == loser.pk
    assert note.gross_total == issued.gross_total * 2 / 7 and note.net_total == -entry.net_total
    assert list(selectors.credit_note_list(client=survivor)) == [note]
    note = services.credit_note_issue(credit_note=note, by=accountant)
    invoice = Invoice.objects.get(pk=issued.pk)
    assert note.number and invoice.credited_total == note.gross_total
    assert (invoice.number, invoice.gross_total, invoice.client_id) == (issued.number, issued.gross_total, loser.pk)
    assert invoice.balance == issued.gross_total - note.gross_total
    assert selectors.ledger_drift() == []


def test_a_repeated_return_of_the_losers_sale_answers_the_first(merged, sales_manager):
    old = merged["old"]
    first, created = services.purchase_return(original=old, by=sales_manager, external_id="RET-1")
    again, created_again = services.purchase_return(original=old, by=sales_manager, external_id="RET-1")
    assert created and not created_again and again.pk == first.pk


def test_invoice_request_for_the_survivor_may_cover_the_losers_sales(merged, product, sales_manager):
    loser_sale = Purchase.objects.filter(client=merged["loser"]).exclude(pk=merged["old"].pk).get()
    other = ClientFactory()
    with pytest.raises(ApplicationError, match="belong to the client"):
        services.invoice_request(client=other, purchases=[merged["kept"]], by=sales_manager)
    Invoice.objects.filter(pk=merged["pending"].pk).update(status=Invoice.Status.VOID)  # free the loser's sale
    invoice = services.invoice_request(
        client=merged["survivor"], purchases=[merged["kept"], loser_sale], by=sales_manager
    )
    assert invoice.net_total == D("500.00")
    merged["loser"].refresh_from_db()
    with pytest.raises(ApplicationError, match="merged into"):
        services.invoice_request(client=merged["loser"], purchases=[loser_sale], by=sales_manager)


def test_record_page_shows_the_refusal_for_a_merged_client(merged, sm_client, product):
    post = {"client": merged["loser"].pk, "product": [product.sku], "quantity": ["1"], "unit_price": [""]}
    response = sm_client.post(reverse("purchases:record"), post)
    assert response.status_code == 200 and b'id="record-error"' in response.content
    assert b"merged into Survivor Ltd" in response.content
    assert Purchase.objects.filter(client=merged["loser"]).count() == 2
