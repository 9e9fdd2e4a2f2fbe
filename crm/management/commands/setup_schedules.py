from django.conf import settings
from django.core.management.base import BaseCommand
from django_celery_beat.models import CrontabSchedule, PeriodicTask

from crm.registry import periodic_tasks


class Command(BaseCommand):
    help = "Write the periodic jobs the apps declare that are missing; never overwrite an administrator's edits."

    def handle(self, *args, **options):
        created = 0
        jobs = periodic_tasks()
        for name, (task, cron) in jobs.items():
            if PeriodicTask.objects.filter(name=name).exists():
                continue
            schedule, _ = CrontabSchedule.objects.get_or_create(
                minute=cron.get("minute", "0"),
                hour=cron.get("hour", "*"),
                day_of_week=cron.get("day_of_week", "*"),
                day_of_month=cron.get("day_of_month", "*"),
                month_of_year=cron.get("month_of_year", "*"),
                timezone=settings.TIME_ZONE,
            )
            PeriodicTask.objects.create(name=name, task=task, crontab=schedule)
            created += 1
        self.stdout.write(f"Periodic jobs: {created} created, {len(jobs)} configured.")
