from datetime import timedelta
from decimal import Decimal

import pytest
from django.db.models import Sum
from django.utils import timezone

from clients.models import FollowUpTask
from crm.exceptions import ApplicationError, ConflictError
from crm.money import money
from crm.notifications.models import Notification
from purchases import services
from purchases.models import ClientAccount, DiscountOverride, Purchase, PurchaseLine, TierChange
from purchases.services import LineInput, ReturnLineInput
from tests.factories import ClientFactory, ProductFactory
from tests.purchases.factories import record_sale

pytestmark = pytest.mark.django_db

D = Decimal


def buy(client, product, quantity, by, **kw):
    purchase, _ = services.purchase_record(
        client=client, lines=[LineInput(product=product, quantity=D(quantity))], by=by, **kw
    )
    return purchase


@pytest.mark.parametrize(
    "before,percent",
    [
        ("0", "0"),
        ("999.99", "0"),
        ("1000", "2"),
        ("1000.01", "2"),
        ("4999.99", "2"),
        ("5000", "5"),
        ("19999.99", "5"),
        ("20000", "10"),
        ("50000", "10"),
    ],
)
def test_purchase_record_applies_tier_reached_before_purchase(
    tiers, client_obj, product, sales_manager, before, percent
):
    ClientAccount.objects.create(client=client_obj, cumulative_total=D(before))
    purchase = buy(client_obj, product, 1, sales_manager)
    assert purchase.discount_percent == D(percent)
    assert purchase.discount_amount == D("100.00") * D(percent) / 100
    assert purchase.net_total == purchase.gross_total - purchase.discount_amount
    assert purchase.cumulative_before == D(before)
    assert purchase.cumulative_after == D(before) + purchase.net_total


def test_purchase_crossing_a_threshold_gets_the_new_percent_only_next_time(tiers, client_obj, product, sales_manager):
    first = buy(client_obj, product, 10, sales_manager)  # 1,000 at 0%
    assert first.discount_percent == 0 and first.cumulative_after == D("1000.00")
    second = buy(client_obj, product, 1, sales_manager)
    assert second.discount_percent == D("2") and second.discount_amount == D("2.00")
    account = ClientAccount.objects.get(client=client_obj)
    assert account.cumulative_total == D("1098.00")
    assert account.tier.percent == D("2")


def test_discount_applies_only_to_eligible_lines_and_rounds_half_up(tiers, client_obj, sales_manager):
    ClientAccount.objects.create(client=client_obj, cumulative_total=D("1000"))
    eligible = ProductFactory(unit_price="0.25")
    not_eligible = ProductFactory(unit_price="50.00", discount_eligible=False)
    purchase, _ = services.purchase_record(
        client=client_obj,
        lines=[LineInput(product=eligible, quantity=D(1)), LineInput(product=not_eligible, quantity=D(1))],
        by=sales_manager,
    )
    # 2% of 0.25 = 0.005 -> 0.01 half-up
    assert purchase.discount_amount == D("0.01")
    assert purchase.gross_total == D("50.25")
    lines = {line.product_id: line for line in purchase.lines.all()}
    assert lines[not_eligible.pk].discount_amount == 0
    assert lines[eligible.pk].discount_amount == D("0.01")


def test_line_discounts_add_up_to_the_purchase_discount(tiers, client_obj, sales_manager):
    ClientAccount.objects.create(client=client_obj, cumulative_total=D("5000"))
    products = [ProductFactory(unit_price=p) for p in ("3.33", "3.33", "3.34")]
    purchase, _ = services.purchase_record(
        client=client_obj, lines=[LineInput(product=p, quantity=D(1)) for p in products], by=sales_manager
    )
    assert purchase.discount_amount == D("0.50")
    assert sum(line.discount_amount for line in purchase.lines.all()) == D("0.50")


def test_lines_snapshot_cost_and_weight_in_force(tiers, client_obj, product, sales_manager):
    purchase = buy(client_obj, product, 2, sales_manager)
    line = purchase.lines.get()
    assert line.unit_cost == D("60.00")
    assert line.incentive_weight == product.incentive_weight
    services.product_weight_set(product=product, weight=D("2.5"), effective_from=timezone.localdate())
    assert buy(client_obj, product, 1, sales_manager).lines.get().incentive_weight == D("2.5")


def test_external_id_records_once_and_answers_the_first_result(tiers, client_obj, product, sales_manager):
    first = buy(client_obj, product, 1, sales_manager, external_id="ERP-1")
    again = buy(client_obj, product, 5, sales_manager, external_id="ERP-1")
    assert again.pk == first.pk
    assert Purchase.objects.count() == 1
    assert ClientAccount.objects.get(client=client_obj).cumulative_total == D("100.00")


def test_external_id_of_another_client_conflicts(tiers, client_obj, product, sales_manager):
    first = buy(client_obj, product, 1, sales_manager, external_id="ERP-1")
    with pytest.raises(ConflictError, match="This external_id was already used for another client."):
        buy(ClientFactory(), product, 1, sales_manager, external_id="ERP-1")
    assert Purchase.objects.get() == first


@pytest.mark.parametrize("case", ["no lines", "zero quantity"])
def test_bad_lines_record_nothing(tiers, client_obj, product, sales_manager, case):
    lines = [] if case == "no lines" else [LineInput(product=product, quantity=D(0))]
    with pytest.raises(ApplicationError):
        services.purchase_record(client=client_obj, lines=lines, by=sales_manager)
    assert not Purchase.objects.exists() and not PurchaseLine.objects.exists()


def test_negative_price_is_refused(tiers, client_obj, product, sales_manager):
    with pytest.raises(ApplicationError):
        services.purchase_record(
            client=client_obj, lines=[LineInput(product=product, quantity=D(1), unit_price=D("-1"))], by=sales_manager
        )
    assert not Purchase.objects.exists()


def test_partial_return_carries_proportional_discount(tiers, client_obj, product, sales_manager):
    ClientAccount.objects.create(client=client_obj, cumulative_total=D("5000"))
    sale = buy(client_obj, product, 3, sales_manager)  # 300, 5% -> 15, net 285
    line = sale.lines.get()
    ret, _ = services.purchase_return(
        original=sale, by=sales_manager, lines=[ReturnLineInput(line=line, quantity=D(1))]
    )
    assert ret.kind == Purchase.Kind.RETURN and ret.original == sale
    assert (ret.gross_total, ret.discount_amount, ret.net_total) == (D("-100.00"), D("-5.00"), D("-95.00"))
    assert ClientAccount.objects.get(client=client_obj).cumulative_total == D("5190.00")


def test_whole_return_brings_sums_back_to_zero(tiers, client_obj, sales_manager):
    ClientAccount.objects.create(client=client_obj, cumulative_total=D("1000"))
    product = ProductFactory(unit_price="3.33")
    sale = buy(client_obj, product, 3, sales_manager)  # 9.99, 2% = 0.20
    line = sale.lines.get()
    services.purchase_return(original=sale, by=sales_manager, lines=[ReturnLineInput(line=line, quantity=D(1))])
    services.purchase_return(original=sale, by=sales_manager)
    totals = Purchase.objects.filter(client=client_obj).aggregate(
        g=Sum("gross_total"), d=Sum("discount_amount"), n=Sum("net_total")
    )
    assert {k: money(v) for k, v in totals.items()} == {"g": 0, "d": 0, "n": 0}


def test_returning_more_than_bought_is_refused_across_returns(tiers, client_obj, product, sales_manager):
    sale = buy(client_obj, product, 2, sales_manager)
    line = sale.lines.get()
    services.purchase_return(original=sale, by=sales_manager, lines=[ReturnLineInput(line=line, quantity=D(1))])
    with pytest.raises(ApplicationError):
        services.purchase_return(original=sale, by=sales_manager, lines=[ReturnLineInput(line=line, quantity=D("1.5"))])
    assert Purchase.objects.filter(kind=Purchase.Kind.RETURN).count() == 1


def test_tier_history_and_upgrade_notification(tiers, client_obj, product, sales_manager):
    sale = buy(client_obj, product, 10, sales_manager)
    change = TierChange.objects.get(client=client_obj, direction="up")
    assert change.purchase == sale and "1000" in change.explanation
    assert Notification.objects.filter(client=client_obj, event="tier_upgrade").count() == 1
    services.purchase_return(
        original=sale, by=sales_manager, lines=[ReturnLineInput(line=sale.lines.get(), quantity=D(1))]
    )
    down = TierChange.objects.get(client=client_obj, direction="down")
    assert down.cause == TierChange.Cause.RETURN
    assert ClientAccount.objects.get(client=client_obj).tier.percent == 0


def test_key_product_sale_creates_consultation_for_permanent_manager(tiers, client_obj, sales_manager, accountant):
    key = ProductFactory(is_key=True, consultation_after_days=10)
    sale = record_sale(client_obj, key, 1, by=accountant)
    task = FollowUpTask.objects.get(client=client_obj)
    assert task.assignee == sales_manager and task.kind == "consultation"
    assert task.source == f"purchase:{sale.pk}:{key.pk}"
    assert task.due_date == sale.purchased_at.date() + timedelta(days=10)


def test_override_at_recording_needs_admin_and_reason(tiers, client_obj, product, sales_manager, administrator):
    with pytest.raises(ApplicationError):
        buy(client_obj, product, 1, sales_manager, discount_override=D("50"), reason="friend")
    with pytest.raises(ApplicationError):
        buy(client_obj, product, 1, administrator, discount_override=D("50"))
    purchase = buy(client_obj, product, 1, administrator, discount_override=D("50"), reason="Damaged box")
    assert purchase.discount_amount == D("50.00")
    assert DiscountOverride.objects.get(purchase=purchase).reason == "Damaged box"


def test_override_after_recording_is_a_correction_entry(tiers, client_obj, product, sales_manager, administrator):
    sale = buy(client_obj, product, 1, sales_manager)
    correction = services.purchase_discount_override(
        purchase=sale, percent=D("10"), reason="Goodwill", by=administrator
    )
    sale.refresh_from_db()
    assert sale.discount_amount == 0  # the sale never changes
    assert correction.kind == Purchase.Kind.CORRECTION and correction.net_total == D("-10.00")
    assert ClientAccount.objects.get(client=client_obj).cumulative_total == D("90.00")


def test_merge_drops_loser_account_and_recomputes_survivor(tiers, product, sales_manager):
    loser, survivor = ClientFactory(), ClientFactory()
    buy(loser, product, 6, sales_manager)
    buy(survivor, product, 6, sales_manager)
    # what the clients merge does before its steps: the loser joins the survivor's lineage (its entries stay)
    type(loser).objects.filter(pk=loser.pk).update(merged_into=survivor)
    account = services.client_accounts_merge(loser=loser, survivor=survivor)
    assert Purchase.objects.filter(client=loser).count() == 1
    assert not ClientAccount.objects.filter(client=loser).exists()
    assert account.cumulative_total == D("1200.00") and account.tier.percent == D("2")
    assert TierChange.objects.filter(client=survivor, cause=TierChange.Cause.MERGE, direction="up").exists()


def test_rolling_window_recompute_lowers_the_tier(tiers, client_obj, product, sales_manager):
    from django.utils import timezone

    from purchases.models import DiscountPolicy

    buy(client_obj, product, 12, sales_manager, purchased_at=timezone.now() - timedelta(days=400))
    assert ClientAccount.objects.get(client=client_obj).tier.percent == D("2")
    DiscountPolicy.objects.update_or_create(pk=1, defaults={"basis": "rolling", "window_months": 12})
    services.client_accounts_recompute_all()
    account = ClientAccount.objects.get(client=client_obj)
    assert account.cumulative_total == 0 and account.tier.percent == 0
    assert TierChange.objects.filter(client=client_obj, cause="recompute", direction="down").exists()


def test_inactive_product_and_merged_client_are_refused(tiers, client_obj, product, sales_manager):
    retired = ProductFactory(is_active=False)
    with pytest.raises(ApplicationError):
        buy(client_obj, retired, 1, sales_manager)
    merged = ClientFactory(merged_into=client_obj)
    with pytest.raises(ApplicationError):
        buy(merged, product, 1, sales_manager)
    assert not Purchase.objects.exists()


def test_tiny_lines_never_get_a_negative_discount_share(tiers, client_obj, sales_manager, administrator):
    products = [ProductFactory(unit_price="0.01") for _ in range(4)]
    purchase, _ = services.purchase_record(
        client=client_obj,
        lines=[LineInput(product=p, quantity=D(1)) for p in products],
        by=administrator,
        discount_override=D("50"),
        reason="Rounding check",
    )
    shares = [line.discount_amount for line in purchase.lines.all()]
    assert purchase.discount_amount == D("0.02") and sum(shares) == D("0.02")
    assert all(share >= 0 for share in shares)


def test_external_id_repeat_answers_the_first_purchase_as_not_created(tiers, client_obj, product, sales_manager):
    lines = [LineInput(product=product, quantity=D(1))]
    first, created = services.purchase_record(client=client_obj, lines=lines, by=sales_manager, external_id="ERP-7")
    again, created_again = services.purchase_record(
        client=client_obj, lines=lines, by=sales_manager, external_id=" ERP-7 "
    )
    assert created is True and created_again is False
    assert again == first and not hasattr(again, "replayed")


def test_external_id_taken_while_waiting_for_the_lock_answers_the_winner(
    tiers, client_obj, product, sales_manager, monkeypatch
):
    """The race: our first look finds no entry, then the other post commits before we get the account lock."""
    from purchases.services import ledger

    winner = buy(client_obj, product, 1, sales_manager, external_id="ERP-8")
    winner_return, _ = services.purchase_return(original=winner, by=sales_manager, external_id="RET-8")
    real_find = ledger.entry_by_external_id
    misses = {"ERP-8": 1, "RET-8": 1}

    def find_after_the_race(key):
        if misses.get(key):
            misses[key] -= 1
            return None
        return real_find(key)

    monkeypatch.setattr(ledger, "entry_by_external_id", find_after_the_race)
    again, created = services.purchase_record(
        client=client_obj, lines=[LineInput(product=product, quantity=D(3))], by=sales_manager, external_id="ERP-8"
    )
    assert (again, created) == (winner, False)
    # a whole return posted twice: the repeat answers the first return instead of "already returned"
    again_return, created = services.purchase_return(original=winner, by=sales_manager, external_id="RET-8")
    assert (again_return, created) == (winner_return, False)
    assert Purchase.objects.count() == 2
    assert ClientAccount.objects.get(client=client_obj).cumulative_total == 0


def test_return_external_id_of_another_client_conflicts(tiers, client_obj, product, sales_manager):
    sale = buy(client_obj, product, 2, sales_manager, external_id="ERP-9")
    other_sale = buy(ClientFactory(), product, 2, sales_manager)
    with pytest.raises(ConflictError):
        services.purchase_return(original=other_sale, by=sales_manager, external_id="ERP-9")
    assert not sale.returns.exists() and not other_sale.returns.exists()


def test_write_once_runs_the_write_without_a_key_and_answers_the_race_winner():
    from purchases.services.idempotency import KeyTaken, write_once

    assert write_once(key=None, find=lambda key: 1 / 0, write=lambda: "new") == ("new", True)
    found = iter([None, "winner"])

    def losing_write():
        raise KeyTaken("K-1")

    assert write_once(key="K-1", find=lambda key: next(found), write=losing_write) == ("winner", False)
    with pytest.raises(KeyTaken):  # taken, yet nothing to answer: the error is not swallowed
        write_once(key="K-2", find=lambda key: None, write=losing_write)


def test_unknown_product_is_refused_where_lines_are_parsed(tiers, product):
    from django.core.exceptions import ValidationError

    from purchases import forms

    with pytest.raises(ValidationError, match="Line 2: unknown product 'NOPE'"):
        forms.purchase_lines([{"product": product.sku, "quantity": "1"}, {"product": "NOPE", "quantity": "1"}])
    with pytest.raises(ValidationError, match="Line 1: quantity: Enter a number"):
        forms.purchase_lines([{"product": product.sku, "quantity": "abc"}])


def test_lines_are_parsed_from_a_sku_or_an_id_into_typed_values(tiers, product):
    from purchases import forms

    other = ProductFactory(sku=str(product.pk))  # a SKU that is also another product's id: the SKU wins
    lines = forms.purchase_lines(
        [
            {"product": f" {product.sku} ", "quantity": "2.5", "unit_price": ""},
            {"product": str(other.pk), "quantity": D(1), "unit_price": D("80")},
            {"product": str(product.pk), "quantity": 1},
        ]
    )
    assert lines == [
        LineInput(product=product, quantity=D("2.5")),
        LineInput(product=other, quantity=D(1), unit_price=D("80.00")),
        LineInput(product=other, quantity=D(1)),
    ]


def test_services_take_typed_lines_never_text(tiers, client_obj, product, sales_manager):
    with pytest.raises(TypeError):
        LineInput(product=product.sku, quantity=D(1))
    with pytest.raises(TypeError):
        LineInput(product=product, quantity="1")
    with pytest.raises(TypeError):
        ReturnLineInput(line=1, quantity=D(1))
    assert not Purchase.objects.exists()


def test_return_lines_are_found_among_the_lines_of_the_sale(tiers, client_obj, product, sales_manager):
    from django.core.exceptions import ValidationError

    from purchases import forms

    sale = buy(client_obj, product, 2, sales_manager)
    other = buy(client_obj, product, 1, sales_manager)
    line = sale.lines.get()
    assert forms.return_lines([{"line": str(line.pk), "quantity": "1"}], original=sale) == [
        ReturnLineInput(line=line, quantity=D(1))
    ]
    with pytest.raises(ValidationError, match="not part of this purchase"):
        forms.return_lines([{"line": other.lines.get().pk, "quantity": "1"}], original=sale)
    with pytest.raises(ApplicationError, match="not part of this purchase"):  # the service checks it too
        services.purchase_return(
            original=sale, by=sales_manager, lines=[ReturnLineInput(line=other.lines.get(), quantity=D(1))]
        )
