from decimal import Decimal

from django.db import migrations

# The perk kinds the company starts with; administrators add, rename or retire kinds afterwards.
DEFAULT_KINDS = [
    ("gift-wrapping", "Gift wrapping", Decimal("2.00")),
    ("small-gift", "Small gift", Decimal("10.00")),
    ("free-delivery", "Free delivery", Decimal("8.00")),
    ("free-sample", "Free sample", Decimal("5.00")),
    ("birthday-card", "Birthday card", Decimal("3.00")),
]


def add_kinds(apps, schema_editor):
    PerkKind = apps.get_model("purchases", "PerkKind")
    for code, name, cost in DEFAULT_KINDS:
        PerkKind.objects.get_or_create(code=code, defaults={"name": name, "default_cost": cost})


class Migration(migrations.Migration):
    dependencies = [("purchases", "0009_perks")]

    operations = [migrations.RunPython(add_kinds, migrations.RunPython.noop)]
