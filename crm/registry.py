"""Where the project finds what each app contributes: periodic jobs and dashboard panels.

An app adds `PERIODIC_TASKS = {name: (task, crontab fields)}` to its tasks.py, and a `panels(request)`
function to its dashboard.py returning a list of {"id", "title", "template", "context", "order"}."""

import importlib
from functools import cache

from django.conf import settings

PARTS = ["crm", "clients", "purchases", "complaints", "incentives", "crm.notifications", "crm.reports"]


def _optional_module(name: str):
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as exc:
        if exc.name and name.startswith(exc.name):
            return None
        raise


@cache
def periodic_tasks() -> dict[str, tuple[str, dict]]:
    jobs = dict(settings.CRM_PERIODIC_TASKS)
    for part in PARTS:
        module = _optional_module(f"{part}.tasks")
        jobs.update(getattr(module, "PERIODIC_TASKS", {}) if module else {})
    return jobs


@cache
def panel_providers() -> list:
    providers = []
    for part in PARTS:
        module = _optional_module(f"{part}.dashboard")
        if module and hasattr(module, "panels"):
            providers.append(module.panels)
    return providers
