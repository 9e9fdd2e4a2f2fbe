"""The accounting team and the invoice kind: invoice requests (purchases) are internal requests of this kind,
so they appear in the accounting queue. Every active accountant starts as a member; administrators change
the members on the Teams page."""

from decimal import Decimal

from django.db import migrations


def create(apps, schema_editor):
    Team = apps.get_model("internal_requests", "Team")
    RequestKind = apps.get_model("internal_requests", "RequestKind")
    User = apps.get_model("auth", "User")
    team, created = Team.objects.get_or_create(
        code="accounting", defaults={"name": "Accounting", "description": "Invoices, payments and statements."}
    )
    if created:
        team.members.set(User.objects.filter(is_active=True, groups__name="Accountant"))
    RequestKind.objects.get_or_create(
        code="invoice", defaults={"team": team, "name": "Invoice", "turnaround_hours": Decimal("2")}
    )


class Migration(migrations.Migration):
    dependencies = [
        ("internal_requests", "0001_teams_kinds_requests"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
