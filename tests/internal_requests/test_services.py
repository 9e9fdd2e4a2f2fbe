"""The rules of internal requests: due times on the business calendar, who takes and completes, the rating,
the reminders, the invoice request as one kind of internal request, and the service score."""

from datetime import timedelta
from decimal import Decimal

import pytest

from crm.exceptions import ApplicationError, ConflictError
from crm.internal_requests import selectors, services
from crm.internal_requests.models import InternalRequest
from crm.notifications.models import Notification
from crm.roles import Role
from crm.standards import services as standards_services
from tests.conftest import make_user

from .factories import MONDAY_10, make_kind, make_team

pytestmark = pytest.mark.django_db


@pytest.fixture
def clerk(db):
    return make_user("clerk", Role.ACCOUNTANT)


@pytest.fixture
def team(clerk, accountant):
    return make_team(members=[clerk, accountant])


@pytest.fixture
def kind(team):
    return make_kind(team, hours="4")


def open_request(kind, by, at=MONDAY_10, subject="Book a slot for Friday"):
    return services.request_open(kind=kind, by=by, subject=subject, at=at)


def test_request_open_is_due_by_the_kinds_turnaround_in_working_hours(kind, sales_manager):
    item = open_request(kind, sales_manager)
    assert item.due_at == MONDAY_10 + timedelta(hours=4)
    assert item.target_hours == Decimal("4.00") and item.team == kind.team and item.status == "open"


def test_request_open_late_on_friday_is_due_on_monday(kind, sales_manager):
    friday_16 = MONDAY_10 + timedelta(days=4, hours=6)
    item = open_request(kind, sales_manager, at=friday_16)
    # one working hour on Friday (16-17), three on Monday from 9
    assert item.due_at == MONDAY_10 + timedelta(days=7, hours=2)
    assert item.target_hours == Decimal("4.00")


def test_request_open_follows_a_holiday_in_the_business_calendar(kind, sales_manager):
    standards_services.holiday_add(day=MONDAY_10.date(), name="Founders' day")
    item = open_request(kind, sales_manager)
    assert item.due_at == MONDAY_10 + timedelta(days=1, hours=3)  # Tuesday 9:00 + 4h


def test_request_open_needs_a_subject_and_an_active_kind(kind, sales_manager):
    with pytest.raises(ApplicationError) as exc:
        open_request(kind, sales_manager, subject="  ")
    assert exc.value.field == "subject"
    kind = services.kind_update(kind=kind, name=kind.name, turnaround_hours=kind.turnaround_hours, is_active=False)
    with pytest.raises(ApplicationError) as exc:
        open_request(kind, sales_manager)
    assert exc.value.field == "kind"
    assert not InternalRequest.objects.exists()


def test_the_invoice_kind_is_requested_on_the_invoice_page_only(sales_manager):
    from crm.internal_requests.models import RequestKind

    with pytest.raises(ApplicationError) as exc:
        services.request_open(kind=RequestKind.objects.get(code="invoice"), by=sales_manager, subject="An invoice")
    assert exc.value.field == "kind"


def test_only_members_take_and_one_taker_wins(kind, clerk, accountant, sales_manager):
    item = open_request(kind, sales_manager)
    with pytest.raises(ApplicationError) as exc:
        services.request_take(request=item, by=sales_manager)
    assert exc.value.code == "forbidden"
    services.request_take(request=item, by=clerk)
    with pytest.raises(ConflictError):
        services.request_take(request=item, by=accountant)
    item.refresh_from_db()
    assert item.assignee == clerk and item.status == "in_progress"


def test_assign_goes_to_a_member_only_and_administrators_may_give_it(kind, clerk, administrator, sales_manager):
    item = open_request(kind, sales_manager)
    with pytest.raises(ApplicationError) as exc:
        services.request_assign(request=item, to=sales_manager, by=administrator)
    assert exc.value.field == "assignee"
    with pytest.raises(ApplicationError) as exc:
        services.request_assign(request=item, to=clerk, by=sales_manager)
    assert exc.value.code == "forbidden"
    services.request_assign(request=item, to=clerk, by=administrator)
    item.refresh_from_db()
    assert item.assignee == clerk


def test_complete_needs_a_note_times_the_work_and_tells_the_requester(kind, clerk, accountant, sales_manager):
    item = open_request(kind, sales_manager)
    services.request_take(request=item, by=clerk, at=MONDAY_10)
    with pytest.raises(ApplicationError) as exc:
        services.request_complete(request=item, by=clerk, note=" ")
    assert exc.value.field == "note"
    with pytest.raises(ConflictError):
        services.request_complete(request=item, by=accountant, note="done")
    done = services.request_complete(request=item, by=clerk, note="Booked", at=MONDAY_10 + timedelta(hours=3))
    assert done.status == "done" and done.on_time is True and done.turnaround_hours == Decimal("3.00")
    assert Notification.objects.filter(user=sales_manager, event="internal_request_done").exists()
    with pytest.raises(ConflictError):
        services.request_complete(request=done, by=clerk, note="again")


def test_late_completion_counts_working_hours_only(kind, clerk, sales_manager):
    item = open_request(kind, sales_manager)
    # Monday 10:00 to Tuesday 12:00 is 7 + 3 = 10 working hours, past the 4-hour standard
    done = services.request_complete(request=item, by=clerk, note="Sorry", at=MONDAY_10 + timedelta(days=1, hours=2))
    assert done.on_time is False and done.turnaround_hours == Decimal("10.00") and done.assignee == clerk


def test_only_the_requester_rates_once_a_done_request_from_1_to_5(kind, clerk, sales_manager, other_sales_manager):
    item = open_request(kind, sales_manager)
    with pytest.raises(ApplicationError) as exc:
        services.request_rate(request=item, by=sales_manager, rating=5)
    assert exc.value.field == "rating"  # not done yet
    services.request_complete(request=item, by=clerk, note="Booked", at=MONDAY_10 + timedelta(hours=1))
    with pytest.raises(ApplicationError) as exc:
        services.request_rate(request=item, by=other_sales_manager, rating=5)
    assert exc.value.code == "forbidden"
    for bad in (0, 6):
        with pytest.raises(ApplicationError):
            services.request_rate(request=item, by=sales_manager, rating=bad)
    rated = services.request_rate(request=item, by=sales_manager, rating=4, comment="Quick")
    assert rated.rating == 4 and rated.rating_comment == "Quick"
    with pytest.raises(ConflictError):
        services.request_rate(request=item, by=sales_manager, rating=5)


def test_reminders_before_and_after_the_due_time_go_once_through_the_outbox(kind, clerk, accountant, sales_manager):
    item = open_request(kind, sales_manager)  # due Monday 14:00; the default warning is 1 working hour
    assert services.requests_remind(now=MONDAY_10 + timedelta(hours=2)) == 0
    assert services.requests_remind(now=MONDAY_10 + timedelta(hours=3, minutes=10)) == 1
    soon = Notification.objects.filter(event="internal_request_due_soon")
    assert {n.user for n in soon} == {clerk, accountant}  # nobody took it: the whole team
    assert services.requests_remind(now=MONDAY_10 + timedelta(hours=3, minutes=30)) == 0
    services.request_take(request=item, by=clerk)
    assert services.requests_remind(now=MONDAY_10 + timedelta(hours=5)) == 1
    late = Notification.objects.filter(event="internal_request_overdue")
    assert {n.user for n in late} == {clerk, sales_manager}
    assert services.requests_remind(now=MONDAY_10 + timedelta(hours=6)) == 0


def test_no_reminder_for_a_done_request(kind, clerk, sales_manager):
    item = open_request(kind, sales_manager)
    services.request_complete(request=item, by=clerk, note="Done", at=MONDAY_10 + timedelta(minutes=30))
    assert services.requests_remind(now=MONDAY_10 + timedelta(days=3)) == 0


def test_teams_and_kinds_are_managed_by_administrators_only(sales_manager, administrator):
    with pytest.raises(ApplicationError) as exc:
        services.team_create(name="IT", code="it", by=sales_manager)
    assert exc.value.code == "forbidden"
    team = services.team_create(name="IT", code="it", members=[administrator], by=administrator)
    with pytest.raises(ApplicationError) as exc:
        services.team_create(name="it", code="it2", by=administrator)
    assert exc.value.field == "name"
    with pytest.raises(ApplicationError) as exc:
        services.kind_create(team=team, code="laptop", name="Laptop", turnaround_hours=Decimal("0"), by=administrator)
    assert exc.value.field == "turnaround_hours"
    with pytest.raises(ApplicationError) as exc:
        services.kind_create(team=team, code="laptop", name="Laptop", turnaround_hours=Decimal("8"), by=sales_manager)
    assert exc.value.code == "forbidden"


def test_service_score_weighs_on_time_speed_and_rating():
    # all on time, as fast as the target, rated 5: 100
    assert selectors.service_score(done=2, on_time=2, avg_turnaround=4, avg_target=4, avg_rating=5) == Decimal("100.00")
    # half on time, twice the target, rated 3: 50*0.5 + 25*0.5 + 25*0.5 = 50
    assert selectors.service_score(done=2, on_time=1, avg_turnaround=8, avg_target=4, avg_rating=3) == Decimal("50.00")
    # unrated: the share on time stands in for the rating
    assert selectors.service_score(done=4, on_time=3, avg_turnaround=2, avg_target=4, avg_rating=None) == Decimal(
        "81.25"
    )
    assert selectors.service_score(done=0, on_time=0, avg_turnaround=0, avg_target=0, avg_rating=None) == 0


def test_service_scores_rank_the_people_who_completed_in_the_period(kind, clerk, accountant, sales_manager):
    fast = open_request(kind, sales_manager)
    services.request_complete(request=fast, by=clerk, note="ok", at=MONDAY_10 + timedelta(hours=1))
    services.request_rate(request=fast, by=sales_manager, rating=5)
    slow = open_request(kind, sales_manager)
    services.request_complete(request=slow, by=accountant, note="ok", at=MONDAY_10 + timedelta(days=1))
    services.request_rate(request=slow, by=sales_manager, rating=2)
    scores = selectors.service_scores(starts_at=MONDAY_10 - timedelta(days=1), ends_at=MONDAY_10 + timedelta(days=7))
    assert [s.user for s in scores] == [clerk, accountant] and [s.rank for s in scores] == [1, 2]
    assert scores[0].on_time_percent == Decimal("100.00") and scores[0].avg_rating == Decimal("5.00")
    assert scores[1].on_time == 0 and scores[1].avg_turnaround_hours == Decimal("8.00")
    assert (
        selectors.service_scores(starts_at=MONDAY_10 + timedelta(days=7), ends_at=MONDAY_10 + timedelta(days=14)) == []
    )
