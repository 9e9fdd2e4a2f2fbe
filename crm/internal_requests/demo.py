"""Demo: the accounting, logistics and IT teams with their standards, and requests to them in every state:
open, overdue, taken, done on time and late, with the requesters' ratings (so the service leaderboard and
its award have something to show). Invoice requests join the accounting queue when purchases seeds them."""

from datetime import datetime, time, timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.utils import timezone

from crm import services as crm_services
from crm.roles import Role

from . import services
from .models import InternalRequest, RequestKind, Team

KINDS = {
    "accounting": [("payment-check", "Check a client's payment", "4"), ("statement", "Account statement", "8")],
    "logistics": [("delivery-slot", "Book a delivery slot", "8"), ("stock-check", "Check stock", "2")],
    "it": [("access", "Access to a system", "16"), ("laptop", "Laptop problem", "8")],
}
WORK = [
    # (requester, team, kind, subject, days ago, taken by, hours taken (None: still open), rating); 120 hours
    # or more is late whatever the weekday (at least three working days against a standard of one or two)
    ("maria", "accounting", "payment-check", "Did Baker & Sons pay invoice 2026-000012?", 9, "petra", 2, 5),
    ("tom", "accounting", "statement", "Statement for Northwind for the year", 8, "anna", 120, 3),
    ("lena", "accounting", "payment-check", "Payment from Contoso not showing", 6, "petra", 3, 4),
    ("omar", "accounting", "statement", "Quarterly statement for Fabrikam", 5, "anna", 6, 5),
    ("maria", "accounting", "payment-check", "Double payment by Litware?", 4, "petra", 1, None),
    ("tom", "logistics", "delivery-slot", "Delivery slot for Alpine Ski House next week", 3, "omar", 5, 4),
    ("lena", "it", "access", "VPN access for the trade fair", 7, "victor", 144, 2),
    ("maria", "accounting", "statement", "Statement for Wide World Importers", 0, None, None, None),
    ("tom", "accounting", "payment-check", "Was the Tailspin deposit received?", 2, None, None, None),
    ("lena", "logistics", "stock-check", "Are 40 ski racks in stock?", 1, "omar", None, None),
]


def seed(*, rng, stdout) -> None:
    User = get_user_model()
    if not User.objects.filter(username="anna").exists():
        crm_services.user_create(
            username="anna", role=Role.ACCOUNTANT, first_name="Anna", last_name="Kovacs", email="anna@example.com"
        )
    users = {
        u.username: u
        for u in User.objects.filter(username__in=["maria", "tom", "lena", "omar", "petra", "anna", "victor"])
    }
    if len(users) < 7:
        return
    teams = {
        "accounting": (["petra", "anna"], "Invoices, payments and statements."),
        "logistics": (["omar"], "Deliveries and stock."),
        "it": (["victor"], "Accounts, access and equipment."),
    }
    for code, (members, description) in teams.items():
        team = Team.objects.filter(code=code).first()
        if team is None:
            team = services.team_create(
                name=code.capitalize() if code != "it" else "IT", code=code, description=description
            )
        team.members.add(*[users[m] for m in members])
        for kind_code, name, hours in KINDS[code]:
            if not RequestKind.objects.filter(code=kind_code).exists():
                services.kind_create(team=team, code=kind_code, name=name, turnaround_hours=Decimal(hours))
    if InternalRequest.objects.filter(source="").exists():
        return
    now = timezone.now()
    # Finished work is dated last month, so closing it (incentives' demo) decides the service award.
    month_start = timezone.make_aware(datetime.combine(timezone.localdate().replace(day=1), time(10)))
    for requester, _team, kind_code, subject, days_ago, taker, hours, rating in WORK:
        kind = RequestKind.objects.select_related("team").get(code=kind_code)
        finished = hours is not None
        at = (month_start if finished else now) - timedelta(days=days_ago + (2 if finished else 0), hours=2)
        item = services.request_open(kind=kind, by=users[requester], subject=subject, at=at)
        if taker is None:
            continue
        item = services.request_take(request=item, by=users[taker], at=at + timedelta(minutes=20))
        if hours is None:
            continue
        done_at = min(now, item.taken_at + timedelta(hours=hours))
        item = services.request_complete(
            request=item, by=users[taker], note="Done, see the attached figures.", at=done_at
        )
        if rating:
            services.request_rate(
                request=item, by=users[requester], rating=rating, comment="Thanks!" if rating > 3 else "Took a while."
            )
    stdout.write(f"Internal requests: {InternalRequest.objects.count()} across {Team.objects.count()} teams.")
