"""What the apps contribute to the core, and the one list of apps: INSTALLED_APPS.

The core never imports an app. Each app's `AppConfig.ready()` calls `contribute(...)` with what it adds:
its pages and API routes (mounted by crm/urls.py), navigation entries, dashboard panels, periodic jobs and
its part of the demo, and its background jobs (for the operations view). Apps load in INSTALLED_APPS order,
bottom layer first, so contributions come in layer order too (the demo seeds clients before the purchases
that need them)."""

from collections.abc import Callable
from dataclasses import dataclass, field

from django.conf import settings


@dataclass
class Part:
    label: str
    url_prefix: str = ""
    urls: str = ""
    api_urls: str = ""
    nav: list[tuple[int, str, str, tuple[str, ...]]] = field(default_factory=list)
    panels: Callable | None = None
    periodic_tasks: dict[str, tuple[str, dict]] = field(default_factory=dict)
    demo: Callable | None = None
    # Seeders run in layer order; a part whose demo reads what every app seeded (the service record) asks to
    # run later with a higher demo_order.
    demo_order: int = 0
    jobs: Callable | None = None


_parts: dict[str, Part] = {}


def contribute(
    label: str,
    *,
    url_prefix: str = "",
    urls: str = "",
    api_urls: str = "",
    nav: list[tuple[int, str, str, tuple[str, ...]]] = (),
    panels: Callable | None = None,
    periodic_tasks: dict | None = None,
    demo: Callable | None = None,
    demo_order: int = 0,
    jobs: Callable | None = None,
) -> None:
    """Called once per app from its ready(). `nav` entries are (order, label, url name, roles). `jobs(*, now,
    stuck_before, failed_since, limit)` lists the app's stuck or failed background jobs as dicts (see
    crm.ops.selectors.job_state)."""
    _parts[label] = Part(
        label=label,
        url_prefix=url_prefix,
        urls=urls,
        api_urls=api_urls,
        nav=list(nav),
        panels=panels,
        periodic_tasks=dict(periodic_tasks or {}),
        demo=demo,
        demo_order=demo_order,
        jobs=jobs,
    )


def parts() -> list[Part]:
    return list(_parts.values())


def periodic_tasks() -> dict[str, tuple[str, dict]]:
    jobs = dict(settings.CRM_PERIODIC_TASKS)
    for part in parts():
        jobs.update(part.periodic_tasks)
    return jobs


def panel_providers() -> list[Callable]:
    return [part.panels for part in parts() if part.panels is not None]


def demo_seeders() -> list[Callable]:
    ordered = sorted(parts(), key=lambda part: part.demo_order)  # stable: layer order within one demo_order
    return [part.demo for part in ordered if part.demo is not None]


def nav_items() -> list[tuple[str, str, tuple[str, ...]]]:
    entries = sorted((entry for part in parts() for entry in part.nav), key=lambda e: e[0])
    return [(label, url_name, roles) for _, label, url_name, roles in entries]


def job_sources() -> list[Callable]:
    return [part.jobs for part in parts() if part.jobs is not None]
