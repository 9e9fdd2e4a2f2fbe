from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from complaints import analytics, services, standards
from complaints.models import Complaint, Team
from crm.standards import selectors as standard_selectors
from crm.standards import services as standard_services
from tests.factories import ClientFactory
from tests.querycount import assert_same_queries_at_two_sizes

from .factories import make_complaint

pytestmark = pytest.mark.django_db
S = Complaint.Status


def test_service_score_formula():
    assert analytics.service_score(Decimal("100"), 5) == Decimal("100.0")
    assert analytics.service_score(Decimal("50"), 3) == Decimal("50.0")  # 0.6*50 + 0.4*50
    assert analytics.service_score(Decimal("80"), 1) == Decimal("48.0")  # 0.6*80 + 0
    assert analytics.service_score(None, 4) == Decimal("75.0")
    assert analytics.service_score(Decimal("90"), None) == Decimal("90.0")
    assert analytics.service_score(None, None) is None


def _resolved(manager, *, late: bool, score: int | None = None):
    created = timezone.now() - timedelta(days=3)
    complaint = make_complaint(client=ClientFactory(manager=manager), created_at=created)
    when = complaint.resolution_due + timedelta(hours=1) if late else created + timedelta(minutes=30)
    services.complaint_transition(
        complaint=complaint, to_status=S.RESOLVED, by=manager, resolution_note="ok", root_cause="other", now=when
    )
    if score is not None:
        services.survey_answer(token=complaint.surveys.get().token, score=score)
    return complaint


def test_compliance_by_staff_and_team_with_service_score(sales_manager, other_sales_manager):
    team = Team.objects.create(name="North")
    team.members.set([sales_manager, other_sales_manager])
    _resolved(sales_manager, late=False, score=5)
    _resolved(sales_manager, late=False, score=5)
    _resolved(other_sales_manager, late=True, score=3)
    data = analytics.compliance(period="week")
    rows = {r["label"]: r for r in data["staff"]}
    sm = rows["Sm"]
    assert sm["first_response"] == Decimal("100.0") and sm["resolution"] == Decimal("100.0")
    assert sm["score"] == Decimal("100.0")
    other = rows["Sm2"]
    assert other["resolution"] == Decimal("0.0") and other["first_response"] == Decimal("0.0")
    assert other["score"] == Decimal("20.0")  # 0.6*0 + 0.4*50
    assert data["staff"][0]["label"] == "Sm"  # best score first
    (north,) = data["teams"]
    assert north["label"] == "North" and north["compliance"] == Decimal("66.7")
    assert data["periods"]["quarter"]["fr_total"] == 3


def test_open_clocks_before_their_due_time_are_not_counted(sales_manager):
    make_complaint()
    data = analytics.compliance(period="month")
    assert data["overall"]["fr_total"] == 0 and data["overall"]["compliance"] is None


def test_systematization_counts_by_kind_category_and_root_cause(sales_manager):
    for kind in ("complaint", "complaint", "praise"):
        c = make_complaint(kind=kind)
        services.complaint_transition(
            complaint=c, to_status=S.RESOLVED, by=sales_manager, resolution_note="ok", root_cause="delivery"
        )
    data = analytics.systematization(months=3)
    kinds = {r["label"]: r["total"] for r in data["by_kind"]["rows"]}
    assert kinds == {"Complaint": 2, "Praise": 1}
    assert data["root_causes"] == [{"label": "Delivery / logistics", "n": 3}]


def test_systematization_costs_the_same_queries_for_2_and_20_complaints(sales_manager):
    categories = [standards.category_save(name=f"Topic {i}", code=f"topic-{i}") for i in range(3)]

    def add(n):
        for i in range(n):
            c = make_complaint(
                kind=("complaint", "praise", "claim")[i % 3], category=categories[i % 3], claimed_amount="5"
            )
            services.complaint_transition(
                complaint=c, to_status=S.RESOLVED, by=sales_manager, resolution_note="ok", root_cause="delivery"
            )

    assert_same_queries_at_two_sizes(
        fetch=lambda: analytics.systematization(months=3),
        add_rows=add,
        rows=lambda data: data["root_causes"][0]["n"],
        queries=8,
    )


def test_unacknowledged_documents_per_staff_member(sales_manager, accountant, administrator):
    doc = standard_services.document_create(kind="memo", title="Memo", body="x", by=administrator)
    standard_services.acknowledge(version=doc.current_version, user=sales_manager)
    pending = standard_selectors.unacknowledged_by_user()
    assert set(pending) == {accountant.pk, administrator.pk}
    matrix = standard_selectors.acknowledgement_matrix()
    assert matrix["missing"] == 2


def test_compliance_includes_the_invoice_issuing_standard_from_purchases(monkeypatch):
    from purchases import selectors as purchase_selectors

    rows = [
        {"accountant": "petra", "issued": 3, "median_hours": 1.0, "within_standard": 100.0},
        {"accountant": "paul", "issued": 1, "median_hours": 5.0, "within_standard": 0.0},
    ]
    monkeypatch.setattr(purchase_selectors, "invoice_turnaround", lambda since=None: rows)
    data = analytics.compliance(period="month")
    assert data["invoices"]["week"] == {"pct": Decimal("75.0"), "total": 4}
    assert data["invoice_staff"] == rows
