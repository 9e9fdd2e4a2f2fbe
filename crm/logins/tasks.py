from celery import shared_task

from . import services

# Periodic jobs of this app: name -> (task, crontab fields). See crm/registry.py.
PERIODIC_TASKS = {
    "Logins: forget ended slowdowns": ("crm.logins.tasks.prune_slowdowns", {"minute": "17"}),
}


@shared_task(name="crm.logins.tasks.prune_slowdowns")
def prune_slowdowns() -> int:
    """Hourly: a row exists for any username ever typed wrongly; drop those whose episode ended."""
    return services.login_slowdowns_prune()
