"""Perks given without a complaint: who may record them, how their cost counts (once, per purchase, per 30
days), the perks page, the card tab and the API (cursor paging, updated_since, denials, bad input, query
counts)."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from crm.exceptions import ApplicationError
from purchases import selectors, services
from purchases.models import Perk, PerkKind
from purchases.perks import accrued_cost, periods_begun
from tests.factories import ClientFactory, ProductFactory, SegmentFactory
from tests.purchases.factories import record_sale
from tests.querycount import assert_same_queries_at_two_sizes

pytestmark = pytest.mark.django_db


def kind(code="gift-wrapping") -> PerkKind:
    # the default kinds come with the migration; a transactional test run before this one flushed them
    services.perk_kinds_ensure_defaults()
    return PerkKind.objects.get(code=code)


def at(y, m, d) -> datetime:
    return datetime(y, m, d, 12, tzinfo=UTC)


# --- rules -----------------------------------------------------------------------------------------------


def test_the_migration_adds_the_default_perk_kinds_with_decimal_costs():
    import importlib

    from django.apps import apps

    PerkKind.objects.all().delete()
    importlib.import_module("purchases.migrations.0010_default_perk_kinds").add_kinds(apps, None)
    codes = set(PerkKind.objects.values_list("code", flat=True))
    assert codes == {"gift-wrapping", "small-gift", "free-delivery", "free-sample", "birthday-card"}
    assert PerkKind.objects.get(code="free-delivery").default_cost == Decimal("8.00")


def test_one_off_perk_costs_its_amount_once_rounded_half_up(sales_manager):
    client = ClientFactory(manager=sales_manager)
    perk = services.perk_record(
        kind=kind(), scope=Perk.Scope.ONE_OFF, client=client, cost=Decimal("2.345"), by=sales_manager
    )
    assert perk.cost == Decimal("2.35") and perk.accrual == Perk.Accrual.ONCE
    assert accrued_cost(perk, timezone.now() + timedelta(days=400)) == Decimal("2.35")
    assert accrued_cost(perk, perk.starts_at) == Decimal("0.00")  # nothing before it was given


def test_one_off_perk_without_cost_takes_the_kinds_usual_cost(sales_manager):
    perk = services.perk_record(
        kind=kind("small-gift"), scope=Perk.Scope.ONE_OFF, client=ClientFactory(manager=sales_manager), by=sales_manager
    )
    assert perk.cost == Decimal("10.00")


def test_standing_perk_per_purchase_counts_each_sale_while_in_force(sales_manager, administrator):
    client = ClientFactory(manager=sales_manager)
    product = ProductFactory(unit_price=Decimal("10.00"))
    perk = services.perk_record(
        kind=kind("free-delivery"),
        scope=Perk.Scope.CLIENT,
        client=client,
        cost=Decimal("7.50"),
        accrual=Perk.Accrual.PER_PURCHASE,
        starts_on=timezone.localdate() - timedelta(days=3),
        by=sales_manager,
    )
    record_sale(client, product, 1, by=administrator)
    record_sale(client, product, 2, by=administrator)
    record_sale(ClientFactory(), product, 1, by=administrator)  # not a recipient
    row = selectors.perk_list(client=client).get(pk=perk.pk)
    assert row.sales_in_force == 2
    assert accrued_cost(row, timezone.now()) == Decimal("15.00")


def test_segment_perk_per_purchase_counts_sales_of_the_segments_clients(administrator):
    segment = SegmentFactory()
    product = ProductFactory(unit_price=Decimal("10.00"))
    perk = services.perk_record(
        kind=kind("free-delivery"),
        scope=Perk.Scope.SEGMENT,
        segment=segment,
        cost=Decimal("3"),
        accrual=Perk.Accrual.PER_PURCHASE,
        starts_on=timezone.localdate() - timedelta(days=1),
        by=administrator,
    )
    record_sale(ClientFactory(segment=segment), product, 1, by=administrator)
    record_sale(ClientFactory(segment=segment), product, 1, by=administrator)
    record_sale(ClientFactory(), product, 1, by=administrator)
    row = selectors.perk_list().get(pk=perk.pk)
    assert accrued_cost(row, timezone.now()) == Decimal("6.00")


def test_standing_perk_per_period_counts_every_30_days_begun_until_it_ends(administrator):
    perk = Perk(
        kind=kind(),
        scope=Perk.Scope.CLIENT,
        cost=Decimal("4.00"),
        accrual=Perk.Accrual.PER_PERIOD,
        starts_at=at(2026, 1, 1),
    )
    assert periods_begun(perk, at(2026, 1, 1)) == 0
    assert periods_begun(perk, at(2026, 1, 1) + timedelta(seconds=1)) == 1
    assert periods_begun(perk, at(2026, 1, 31)) == 1  # exactly 30 days
    assert accrued_cost(perk, at(2026, 2, 1)) == Decimal("8.00")  # 31 days: two periods begun
    perk.ends_at = at(2026, 1, 20)
    assert accrued_cost(perk, at(2026, 6, 1)) == Decimal("4.00")  # ended within the first period


def test_sales_manager_records_for_own_and_unassigned_clients_only(sales_manager, other_sales_manager):
    services.perk_record(kind=kind(), scope=Perk.Scope.ONE_OFF, client=ClientFactory(manager=None), by=sales_manager)
    with pytest.raises(ApplicationError) as exc:
        services.perk_record(
            kind=kind(), scope=Perk.Scope.ONE_OFF, client=ClientFactory(manager=other_sales_manager), by=sales_manager
        )
    assert exc.value.code == "forbidden"
    assert Perk.objects.count() == 1


def test_only_an_administrator_gives_a_segment_perk_and_an_accountant_none(sales_manager, accountant):
    with pytest.raises(ApplicationError) as exc:
        services.perk_record(kind=kind(), scope=Perk.Scope.SEGMENT, segment=SegmentFactory(), by=sales_manager)
    assert exc.value.code == "forbidden"
    with pytest.raises(ApplicationError):
        services.perk_record(kind=kind(), scope=Perk.Scope.ONE_OFF, client=ClientFactory(), by=accountant)
    assert not Perk.objects.exists()


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"scope": Perk.Scope.ONE_OFF, "cost": Decimal("-1")}, "cost"),
        ({"scope": Perk.Scope.ONE_OFF, "starts_on": date.today() + timedelta(days=2)}, "starts_on"),
        ({"scope": Perk.Scope.ONE_OFF, "ends_on": date.today()}, "ends_on"),
        ({"scope": Perk.Scope.CLIENT, "accrual": Perk.Accrual.ONCE}, "accrual"),
        (
            {"scope": Perk.Scope.CLIENT, "starts_on": date(2026, 3, 1), "ends_on": date(2026, 2, 1)},
            "ends_on",
        ),
    ],
)
def test_perk_record_refuses_bad_values(administrator, values, field):
    with pytest.raises(ApplicationError) as exc:
        services.perk_record(kind=kind(), client=ClientFactory(), by=administrator, **values)
    assert exc.value.field == field
    assert not Perk.objects.exists()


def test_inactive_kind_is_refused_and_kind_codes_are_unique(administrator):
    k = services.perk_kind_save(name="Thank-you call", code="thank-you", default_cost=Decimal("0.50"))
    k = services.perk_kind_save(kind=k, name=k.name, code=k.code, default_cost=k.default_cost, is_active=False)
    with pytest.raises(ApplicationError) as exc:
        services.perk_record(kind=k, scope=Perk.Scope.ONE_OFF, client=ClientFactory(), by=administrator)
    assert exc.value.field == "kind"
    with pytest.raises(ApplicationError) as exc:
        services.perk_kind_save(name="Other", code="thank-you", default_cost=Decimal("1"))
    assert exc.value.field == "code"


def test_a_standing_perk_is_ended_after_its_last_day(administrator):
    perk = services.perk_record(
        kind=kind(),
        scope=Perk.Scope.CLIENT,
        client=ClientFactory(),
        accrual=Perk.Accrual.PER_PERIOD,
        starts_on=timezone.localdate() - timedelta(days=10),
        by=administrator,
    )
    perk = services.perk_end(perk=perk, last_day=timezone.localdate(), by=administrator)
    assert timezone.localdate(perk.ends_at) == timezone.localdate() + timedelta(days=1)
    one_off = services.perk_record(kind=kind(), scope=Perk.Scope.ONE_OFF, client=ClientFactory(), by=administrator)
    with pytest.raises(ApplicationError):
        services.perk_end(perk=one_off, last_day=timezone.localdate(), by=administrator)


# --- pages -----------------------------------------------------------------------------------------------


def test_perks_page_lists_perks_with_their_cost_so_far(acc_client, administrator):
    services.perk_record(
        kind=kind(), scope=Perk.Scope.ONE_OFF, client=ClientFactory(name="Acme"), cost=Decimal("2.50"), by=administrator
    )
    response = acc_client.get(reverse("purchases:perks"))
    assert response.status_code == 200
    body = response.content.decode()
    assert "Acme" in body and "2.50" in body and 'id="perk-form"' not in body  # accountants only read


def test_perks_page_records_a_perk_and_shows_a_form_error(sm_client, sales_manager):
    client = ClientFactory(manager=sales_manager)
    url = reverse("purchases:perks")
    response = sm_client.post(url, {"kind": kind().pk, "scope": "one_off", "client": client.pk, "cost": "-3"})
    assert response.status_code == 400 and not Perk.objects.exists()
    response = sm_client.post(url, {"kind": kind().pk, "scope": "one_off", "client": client.pk, "cost": "3.10"})
    assert response.status_code == 302
    assert Perk.objects.get().cost == Decimal("3.10")


def test_perks_page_post_is_refused_for_an_accountant_and_for_anothers_client(
    client, accountant, sales_manager, other_sales_manager
):
    other = ClientFactory(manager=other_sales_manager)
    data = {"kind": kind().pk, "scope": "one_off", "client": other.pk}
    client.force_login(accountant)
    assert client.post(reverse("purchases:perks"), data).status_code == 403
    client.force_login(sales_manager)
    assert client.post(reverse("purchases:perks"), data).status_code == 403
    assert not Perk.objects.exists()


def test_perk_kinds_are_configured_by_administrators_only(client, sales_manager, administrator):
    data = {"name": "Handwritten note", "code": "note", "default_cost": "0.80", "is_active": "on"}
    client.force_login(sales_manager)
    assert client.post(reverse("purchases:perk_kind_save"), data).status_code == 403
    client.force_login(administrator)
    assert client.post(reverse("purchases:perk_kind_save"), data).status_code == 302
    assert PerkKind.objects.get(code="note").default_cost == Decimal("0.80")


def test_card_tab_records_a_perk_with_htmx_and_confirms_it(sm_client, sales_manager):
    client = ClientFactory(manager=sales_manager)
    url = reverse("purchases:perks_client_tab", kwargs={"client_id": client.pk})
    response = sm_client.post(
        url, {"kind": kind().pk, "scope": "one_off", "note": "for the wedding"}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    assert 'id="perk-recorded"' in response.content.decode()
    assert Perk.objects.get().client == client
    response = sm_client.post(
        url, {"kind": kind().pk, "scope": "standing_client", "ends_on": "2000-01-01"}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 400 and Perk.objects.count() == 1


def test_card_tab_is_in_the_card_and_offers_no_form_to_an_accountant(client, sales_manager, accountant):
    browser = client
    client = ClientFactory(manager=sales_manager)
    browser.force_login(sales_manager)
    card = browser.get(reverse("clients:card", kwargs={"client_id": client.pk})).content.decode()
    assert reverse("purchases:perks_client_tab", kwargs={"client_id": client.pk}) in card
    browser.force_login(accountant)
    tab = browser.get(reverse("purchases:perks_client_tab", kwargs={"client_id": client.pk}))
    assert tab.status_code == 200 and "client-perk-form" not in tab.content.decode()


def test_perks_page_query_count_does_not_grow_with_rows(admin_client_role, administrator):
    def add(n):
        for _ in range(n):
            services.perk_record(kind=kind(), scope=Perk.Scope.ONE_OFF, client=ClientFactory(), by=administrator)

    assert_same_queries_at_two_sizes(
        fetch=lambda: admin_client_role.get(reverse("purchases:perks")),
        add_rows=add,
        rows=lambda r: r.content.decode().count('<tr id="perk-'),
        queries=6,  # a fixed cost: the session and user, the page of perks (all joined in), the perk kinds ...
    )


# --- API -------------------------------------------------------------------------------------------------


def test_api_sales_manager_records_a_perk_for_own_client(sm_api, sales_manager):
    client = ClientFactory(manager=sales_manager)
    response = sm_api.post(
        "/api/v1/perks/",
        {"kind": kind("free-sample").pk, "scope": "one_off", "client": client.pk, "cost": "4.999"},
        format="json",
    )
    assert response.status_code == 400  # more than two decimals: a field message
    assert "cost" in response.json()
    response = sm_api.post(
        "/api/v1/perks/", {"kind": kind("free-sample").pk, "scope": "one_off", "client": client.pk}, format="json"
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["cost"] == "5.00" and body["accrued_cost"] == "5.00" and body["kind_name"] == "Free sample"


def test_api_denials_and_bad_input_save_nothing(sm_api, acc_api, admin_api, other_sales_manager):
    other = ClientFactory(manager=other_sales_manager)
    one_off = {"kind": kind().pk, "scope": "one_off", "client": other.pk}
    assert acc_api.post("/api/v1/perks/", one_off, format="json").status_code == 403
    assert sm_api.post("/api/v1/perks/", one_off, format="json").status_code == 403
    segment = {"kind": kind().pk, "scope": "standing_segment", "segment": SegmentFactory().pk}
    assert sm_api.post("/api/v1/perks/", segment, format="json").status_code == 403
    response = admin_api.post("/api/v1/perks/", {"kind": kind().pk, "scope": "one_off"}, format="json")
    assert response.status_code == 400 and "client" in response.json()
    assert not Perk.objects.exists()
    assert (
        sm_api.post("/api/v1/perk-kinds/", {"name": "X", "code": "x", "default_cost": "1"}, format="json").status_code
        == 403
    )
    response = admin_api.post("/api/v1/perk-kinds/", {"name": "X", "code": "x", "default_cost": "-1"}, format="json")
    assert response.status_code == 400 and "default_cost" in response.json()
    response = admin_api.post("/api/v1/perk-kinds/", {"name": "X", "code": "x", "default_cost": "1.5"}, format="json")
    assert response.status_code == 201 and response.json()["default_cost"] == "1.50"
    response = admin_api.post("/api/v1/perk-kinds/", {"name": "Y", "code": "y"}, format="json")
    assert response.status_code == 201 and response.json()["default_cost"] == "0.00"


def test_api_standing_perk_is_ended_through_the_api(admin_api, administrator):
    perk = services.perk_record(
        kind=kind(), scope=Perk.Scope.SEGMENT, segment=SegmentFactory(), accrual="per_period", by=administrator
    )
    response = admin_api.post(f"/api/v1/perks/{perk.pk}/end/", {"last_day": "1999-01-01"}, format="json")
    assert response.status_code == 400 and "last_day" in response.json()
    response = admin_api.post(f"/api/v1/perks/{perk.pk}/end/", {"last_day": str(timezone.localdate())}, format="json")
    assert response.status_code == 200 and response.json()["ends_at"]


def test_api_list_pages_by_cursor_and_filters_by_updated_since(acc_api, administrator):
    for _ in range(3):
        services.perk_record(kind=kind(), scope=Perk.Scope.ONE_OFF, client=ClientFactory(), by=administrator)
    first = acc_api.get("/api/v1/perks/?page_size=2").json()
    assert len(first["results"]) == 2 and first["next"]
    second = acc_api.get(first["next"]).json()
    assert len(second["results"]) == 1
    later = (timezone.now() + timedelta(minutes=1)).isoformat().replace("+00:00", "Z")
    assert acc_api.get("/api/v1/perks/", {"updated_since": later}).json()["results"] == []
    assert acc_api.get("/api/v1/perks/", {"updated_since": "not a date"}).status_code == 400


def test_api_list_query_count_does_not_grow_with_rows(acc_api, administrator):
    def add(n):
        for _ in range(n):
            services.perk_record(kind=kind(), scope=Perk.Scope.ONE_OFF, client=ClientFactory(), by=administrator)

    assert_same_queries_at_two_sizes(
        fetch=lambda: acc_api.get("/api/v1/perks/?page_size=50"),
        add_rows=add,
        rows=lambda r: len(r.json()["results"]),
        queries=2,  # the user's roles and one page of perks (kind, recipient and sales count joined in)
    )


def test_perks_page_offers_segment_perks_to_administrators_only(sm_client):
    page = sm_client.get(reverse("purchases:perks")).content.decode()
    assert "standing_segment" not in page
    data = {"kind": kind().pk, "scope": "standing_segment", "segment": SegmentFactory().pk}
    response = sm_client.post(reverse("purchases:perks"), data)
    assert response.status_code == 400 and 'id="id_scope-error"' in response.content.decode()
    assert not Perk.objects.exists()
