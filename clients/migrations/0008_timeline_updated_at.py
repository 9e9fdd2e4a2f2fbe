import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):
    """Interactions, promises and tasks get `updated_at`, so an ERP can sync them with `updated_since`.
    Existing rows take the migration's time."""

    dependencies = [
        ("clients", "0007_consent_purpose"),
    ]

    operations = [
        *[
            migrations.AddField(
                model_name=model,
                name="updated_at",
                field=models.DateTimeField(auto_now=True, default=django.utils.timezone.now),
                preserve_default=False,
            )
            for model in ("interaction", "followuptask", "promise")
        ],
        migrations.AddIndex(
            model_name="interaction", index=models.Index(fields=["updated_at"], name="interaction_updated_idx")
        ),
        migrations.AddIndex(
            model_name="followuptask", index=models.Index(fields=["updated_at"], name="task_updated_idx")
        ),
        migrations.AddIndex(
            model_name="promise", index=models.Index(fields=["updated_at"], name="promise_updated_idx")
        ),
    ]
