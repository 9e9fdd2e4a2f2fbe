from datetime import UTC, datetime
from decimal import Decimal

from crm.internal_requests import services
from crm.internal_requests.models import RequestKind, Team

# A Monday 10:00 UTC (the test time zone): the default calendar works Monday to Friday, 9 to 17.
MONDAY_10 = datetime(2026, 11, 2, 10, 0, tzinfo=UTC)


def make_team(*, code="logistics", name=None, members=()) -> Team:
    team = services.team_create(name=name or code.title(), code=code)
    team.members.set(members)
    return team


def make_kind(team: Team, *, code="delivery-slot", hours="4") -> RequestKind:
    return services.kind_create(
        team=team, code=code, name=code.replace("-", " ").title(), turnaround_hours=Decimal(hours)
    )


def accounting() -> Team:
    return Team.objects.get(code="accounting")
