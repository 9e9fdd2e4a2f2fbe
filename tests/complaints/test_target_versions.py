"""Versioned service targets (crm/standards/targets.py): a change is a new version effective from a date,
each complaint clock uses the version in force when it started, the history is kept, and the standards page
and API show how the last quarter went (share met, median and 90th percentile in SQL) with a proposed tighter
target when it was met with room to spare."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from complaints import services, standards
from complaints.models import Complaint
from complaints.services.clocks import target_key
from crm.exceptions import ApplicationError
from crm.standards import services as standard_services
from crm.standards import targets
from crm.standards.models import TargetVersion
from tests.querycount import assert_same_queries_at_two_sizes

from .factories import at, make_complaint

pytestmark = pytest.mark.django_db

S = Complaint.Status


@pytest.fixture
def high(administrator):
    """complaints of high severity: 4 working hours to a first response, 16 to resolution."""
    return standards.target_set(
        kind="complaint", severity="high", first_response_hours=Decimal("4"), resolution_hours=Decimal("16")
    )


def first_key(target):
    return target_key(target.pk, "first_response")


def responded(admin, created, hours: int):
    """A high complaint created at `created` (a working moment) and first answered `hours` working hours later
    the same day."""
    complaint = make_complaint(by=admin, severity="high", created_at=created)
    services.complaint_transition(
        complaint=complaint, to_status=S.IN_PROGRESS, by=admin, now=created + timedelta(hours=hours)
    )
    complaint.refresh_from_db()
    return complaint


def test_a_clock_uses_the_target_version_in_force_when_it_started(high, administrator):
    standard_services.target_version_create(
        key=first_key(high), hours=Decimal("2"), by=administrator, now=at(2026, 3, 2, 0)
    )
    before = make_complaint(by=administrator, severity="high", created_at=at(2026, 2, 23, 9))  # a Monday
    after = make_complaint(by=administrator, severity="high", created_at=at(2026, 3, 2, 9))
    assert before.first_response_due == at(2026, 2, 23, 13)  # the 4 hours in force when it started
    assert after.first_response_due == at(2026, 3, 2, 11)  # the new 2 hours
    history = list(TargetVersion.objects.filter(key=first_key(high)).values_list("hours", flat=True))
    assert history == [Decimal("2.00"), Decimal("4.00")]  # newest first; the configured value is the baseline


def test_changing_a_target_on_the_page_form_keeps_its_history(high, administrator):
    standards.target_set(
        kind="complaint", severity="high", first_response_hours=Decimal("3"), resolution_hours=Decimal("16")
    )
    assert targets.hours_at(first_key(high), timezone.now(), configured=Decimal("99")) == Decimal("3.00")
    assert TargetVersion.objects.filter(key=first_key(high)).count() == 2
    assert not TargetVersion.objects.filter(key=target_key(high.pk, "resolution")).exists()  # unchanged


def test_a_future_version_takes_effect_from_the_start_of_its_day(high, administrator):
    day = timezone.localdate() + timedelta(days=5)
    version = standard_services.target_version_create(
        key=first_key(high), hours=Decimal("3.5"), effective_on=day, by=administrator
    )
    assert timezone.localtime(version.effective_from).date() == day
    assert timezone.localtime(version.effective_from).hour == 0
    assert targets.hours_at(first_key(high), timezone.now(), configured=Decimal("4")) == Decimal("4.00")


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"hours": Decimal("0")}, "hours"),
        ({"hours": Decimal("2"), "effective_on": date(2000, 1, 1)}, "effective_on"),
        ({"hours": Decimal("2"), "key": "nobody.knows"}, "key"),
    ],
)
def test_a_new_version_refuses_bad_values(high, administrator, values, field):
    values = {"key": first_key(high), **values}
    with pytest.raises(ApplicationError) as exc:
        standard_services.target_version_create(by=administrator, **values)
    assert exc.value.field == field
    assert not TargetVersion.objects.exists()


def test_quarter_figures_are_share_met_median_and_90th_percentile(high, administrator):
    monday = at(2026, 1, 5, 9)
    for week, hours in enumerate([1, 1, 1, 1, 1, 1, 1, 2, 2, 3]):
        responded(administrator, monday + timedelta(weeks=week), hours)
    responded(administrator, at(2026, 4, 6, 9), 3)  # next quarter: not counted
    start, end = targets.last_quarter(date(2026, 4, 15))
    assert (start, end) == (
        timezone.make_aware(timezone.datetime(2026, 1, 1)),
        timezone.make_aware(timezone.datetime(2026, 4, 1)),
    )
    fig = targets.quarter_figures(start, end)[first_key(high)]
    assert fig == {
        "measured": 10,
        "met": 10,
        "share_met": Decimal("1.0000"),
        "median_hours": Decimal("1.00"),
        "p90_hours": Decimal("2.00"),
    }
    row = next(t for t in targets.overview(today=date(2026, 4, 15)) if t["key"] == first_key(high))
    assert row["proposal"] == Decimal("2")  # 100% met, p90 2 h <= 70% of 4 h: the p90 rounded up


@pytest.mark.parametrize(
    ("figures", "target", "expected"),
    [
        ({"measured": 20, "share_met": Decimal("0.95"), "p90_hours": Decimal("2.10")}, Decimal("4"), Decimal("3")),
        ({"measured": 9, "share_met": Decimal("1"), "p90_hours": Decimal("1")}, Decimal("4"), None),  # too few
        ({"measured": 20, "share_met": Decimal("0.9499"), "p90_hours": Decimal("1")}, Decimal("4"), None),
        ({"measured": 20, "share_met": Decimal("1"), "p90_hours": Decimal("2.81")}, Decimal("4"), None),  # >70%
        ({"measured": 20, "share_met": Decimal("1"), "p90_hours": Decimal("0.69")}, Decimal("1"), None),  # 1 h
        (None, Decimal("4"), None),
    ],
)
def test_proposal_rule_edges(figures, target, expected):
    assert targets.proposal(figures, target) == expected


def test_standards_page_shows_history_figures_and_proposal(client, administrator, high):
    start, _ = targets.last_quarter(timezone.localdate())
    first_monday = start.date() + timedelta(days=(7 - start.weekday()) % 7)
    for week in range(10):
        responded(
            administrator, at(first_monday.year, first_monday.month, first_monday.day, 9) + timedelta(weeks=week), 1
        )
    standard_services.target_version_create(key=first_key(high), hours=Decimal("3"), by=administrator)
    client.force_login(administrator)
    body = client.get(reverse("complaints:standards")).content.decode()
    assert 'id="target-versions"' in body and "3.00 h" in body and "4.00 h" in body
    assert "tighten to 1 h" in body  # last quarter: all met in 1 h against the 4 h then in force


def test_standards_page_adds_a_version_and_refuses_bad_input_and_other_roles(
    client, administrator, sales_manager, high
):
    url = reverse("complaints:target_version_save")
    client.force_login(sales_manager)
    assert client.post(url, {"key": first_key(high), "hours": "2"}).status_code == 403
    client.force_login(administrator)
    response = client.post(url, {"key": first_key(high), "hours": "2", "effective_on": "2001-01-01"})
    assert response.status_code == 400 and "never in the past" in response.content.decode()
    assert not TargetVersion.objects.exists()
    assert client.post(url, {"key": first_key(high), "hours": "2"}).status_code == 302
    assert TargetVersion.objects.filter(key=first_key(high)).count() == 2


def test_api_target_versions_create_list_and_denials(admin_api, sm_api, acc_api, high):
    url = "/api/v1/standards/target-versions/"
    assert sm_api.post(url, {"key": first_key(high), "hours": "2"}, format="json").status_code == 403
    response = admin_api.post(url, {"key": first_key(high), "hours": "2", "effective_on": "2001-01-01"}, format="json")
    assert response.status_code == 400 and "effective_on" in response.json()
    response = admin_api.post(url, {"key": first_key(high), "hours": "2.5"}, format="json")
    assert response.status_code == 201 and response.json()["hours"] == "2.50"
    listed = acc_api.get(url, {"key": first_key(high), "page_size": 1}).json()
    assert len(listed["results"]) == 1 and listed["next"]
    later = (timezone.now() + timedelta(minutes=1)).isoformat().replace("+00:00", "Z")
    assert acc_api.get(url, {"updated_since": later}).json()["results"] == []


def test_api_target_quarter_reads_figures_and_proposal(sm_api, high):
    rows = sm_api.get("/api/v1/standards/target-quarter/").json()
    row = next(r for r in rows if r["key"] == first_key(high))
    assert row["hours"] == "4.00" and row["measured"] == 0 and row["proposal_hours"] is None
    assert sm_api.post("/api/v1/standards/target-quarter/", {}, format="json").status_code == 403


def test_api_target_versions_list_query_count(acc_api, administrator, high):
    made = []

    def add(n):
        for _ in range(n):
            made.append(
                standard_services.target_version_create(
                    key=first_key(high),
                    hours=Decimal("3"),
                    effective_on=timezone.localdate() + timedelta(days=len(made) + 1),
                    by=administrator,
                )
            )

    assert_same_queries_at_two_sizes(
        fetch=lambda: acc_api.get("/api/v1/standards/target-versions/?page_size=50&key=" + first_key(high)),
        add_rows=add,
        rows=lambda r: len([v for v in r.json()["results"] if v["created_by"]]),
        queries=2,
    )
