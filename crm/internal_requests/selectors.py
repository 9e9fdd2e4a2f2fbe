"""Reads of teams, request kinds and internal requests, and the scores of the people who serve colleagues.

Service score (0-100) of a person over a period, from the requests they completed in it:
    50 x share on time  +  25 x speed  +  25 x rating
- share on time: completed by the due time / completed;
- speed: average target hours / average working hours taken, at most 1 (1 when nothing took any time);
- rating: (average requester rating - 1) / 4; when no request of theirs was rated yet, the share on time
  stands in for it (an unrated person is neither rewarded nor punished for the requesters' silence).
One aggregate query per period, grouped by the person who completed."""

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.contrib.auth import get_user_model
from django.db.models import Avg, Count, Exists, OuterRef, Prefetch, Q, QuerySet

from crm.roles import Role, has_role

from .models import InternalRequest, RequestKind, Team

TWO = Decimal("0.01")


def team_list(*, active_only: bool = False) -> QuerySet[Team]:
    teams = Team.objects.prefetch_related(
        Prefetch("members", queryset=get_user_model().objects.order_by("username")),
        Prefetch("kinds", queryset=RequestKind.objects.order_by("name")),
    ).annotate(open_count=Count("requests", filter=Q(requests__status__in=InternalRequest.ACTIVE)))
    return teams.filter(is_active=True) if active_only else teams


def teams_of(user) -> list[Team]:
    return list(Team.objects.filter(members=user, is_active=True).order_by("name"))


def kind_list(*, active_only: bool = False) -> QuerySet[RequestKind]:
    kinds = RequestKind.objects.select_related("team").order_by("team__name", "name")
    return kinds.filter(is_active=True, team__is_active=True) if active_only else kinds


def _with_people(qs: QuerySet[InternalRequest]) -> QuerySet[InternalRequest]:
    return qs.select_related("team", "kind", "requested_by", "assignee", "completed_by")


def request_list() -> QuerySet[InternalRequest]:
    return _with_people(InternalRequest.objects.all())


def team_queue(*, team: Team, status: str = "active") -> QuerySet[InternalRequest]:
    """The team's requests, soonest due first; `status` "active" (open and in progress), "all" or one status."""
    qs = request_list().filter(team=team)
    if status == "active":
        qs = qs.filter(status__in=InternalRequest.ACTIVE)
    elif status and status != "all":
        qs = qs.filter(status=status)
    return qs.order_by("due_at", "id")


def requests_of(*, user) -> QuerySet[InternalRequest]:
    """What a person asked for, newest first."""
    return request_list().filter(requested_by=user).order_by("-id")


def can_view_queue(user, team: Team) -> bool:
    return has_role(user, Role.ADMINISTRATOR) or team.members.filter(pk=user.pk).exists()


def visible_to(user) -> QuerySet[InternalRequest]:
    """The requests a person may open: their own, their teams', and every one for an administrator."""
    qs = request_list()
    if has_role(user, Role.ADMINISTRATOR):
        return qs
    member = Team.members.through.objects.filter(team_id=OuterRef("team_id"), user_id=user.pk)
    return qs.filter(Q(requested_by=user) | Q(Exists(member)))


@dataclass
class ServiceScore:
    user: object
    rank: int
    done: int
    on_time: int
    on_time_percent: Decimal
    avg_turnaround_hours: Decimal
    avg_target_hours: Decimal
    avg_rating: Decimal | None
    ratings: int
    score: Decimal


def _dec(value) -> Decimal:
    return Decimal(str(value or 0))


def service_score(*, done: int, on_time: int, avg_turnaround, avg_target, avg_rating) -> Decimal:
    """The formula in the module docstring, rounded half-up to cents."""
    if not done:
        return Decimal("0.00")
    share = Decimal(on_time) / Decimal(done)
    taken, target = _dec(avg_turnaround), _dec(avg_target)
    speed = Decimal(1) if taken <= 0 else min(Decimal(1), target / taken)
    rating = share if avg_rating is None else (_dec(avg_rating) - 1) / 4
    return (50 * share + 25 * speed + 25 * rating).quantize(TWO, rounding=ROUND_HALF_UP)


def service_scores(*, starts_at, ends_at, team: Team | None = None) -> list[ServiceScore]:
    """Everyone who completed requests in [starts_at, ends_at), best score first (ties: more done, then name)."""
    qs = InternalRequest.objects.filter(
        status=InternalRequest.Status.DONE, completed_at__gte=starts_at, completed_at__lt=ends_at
    )
    if team is not None:
        qs = qs.filter(team=team)
    rows = list(
        qs.values("completed_by")
        .annotate(
            done=Count("id"),
            on_time_count=Count("id", filter=Q(on_time=True)),
            avg_turnaround=Avg("turnaround_hours"),
            avg_target=Avg("target_hours"),
            avg_rating=Avg("rating"),
            ratings=Count("rating"),
        )
        .order_by()
    )
    users = get_user_model().objects.prefetch_related("groups").in_bulk([r["completed_by"] for r in rows])
    scores = []
    for r in rows:
        avg_rating = None if not r["ratings"] else _dec(r["avg_rating"]).quantize(TWO, rounding=ROUND_HALF_UP)
        scores.append(
            ServiceScore(
                user=users[r["completed_by"]],
                rank=0,
                done=r["done"],
                on_time=r["on_time_count"],
                on_time_percent=(Decimal(100) * r["on_time_count"] / r["done"]).quantize(TWO, rounding=ROUND_HALF_UP),
                avg_turnaround_hours=_dec(r["avg_turnaround"]).quantize(TWO, rounding=ROUND_HALF_UP),
                avg_target_hours=_dec(r["avg_target"]).quantize(TWO, rounding=ROUND_HALF_UP),
                avg_rating=avg_rating,
                ratings=r["ratings"],
                score=service_score(
                    done=r["done"],
                    on_time=r["on_time_count"],
                    avg_turnaround=r["avg_turnaround"],
                    avg_target=r["avg_target"],
                    avg_rating=r["avg_rating"] if r["ratings"] else None,
                ),
            )
        )
    scores.sort(key=lambda s: (-s.score, -s.done, s.user.username))
    for i, s in enumerate(scores, start=1):
        s.rank = i
    return scores
