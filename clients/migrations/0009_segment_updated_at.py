import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):
    """Segments get `updated_at`, so an ERP can sync them with `updated_since`. Existing rows take the
    migration's time."""

    dependencies = [
        ("clients", "0008_timeline_updated_at"),
    ]

    operations = [
        migrations.AddField(
            model_name="segment",
            name="updated_at",
            field=models.DateTimeField(auto_now=True, default=django.utils.timezone.now),
            preserve_default=False,
        ),
    ]
