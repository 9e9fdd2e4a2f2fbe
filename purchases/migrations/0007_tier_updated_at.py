import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):
    """Discount tiers get `updated_at`, so an ERP can sync them with `updated_since`. Existing rows take the
    migration's time; the history table keeps the stamp of each version."""

    dependencies = [
        ("purchases", "0006_ledger_append_only_price_overrides"),
    ]

    operations = [
        migrations.AddField(
            model_name="discounttier",
            name="updated_at",
            field=models.DateTimeField(auto_now=True, default=django.utils.timezone.now),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="historicaldiscounttier",
            name="updated_at",
            field=models.DateTimeField(blank=True, default=django.utils.timezone.now, editable=False),
            preserve_default=False,
        ),
    ]
