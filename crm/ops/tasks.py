from celery import shared_task

from . import services

# Periodic jobs of this app: name -> (task, crontab fields). See crm/registry.py.
PERIODIC_TASKS = {
    "Operations: check alert thresholds": ("crm.ops.tasks.check_thresholds", {"minute": "*/5"}),
}


@shared_task(name="crm.ops.tasks.check_thresholds")
def check_thresholds() -> list[str]:
    """Every five minutes, on the default queue: alert administrators to any threshold crossed."""
    return services.ops_alerts_send()
