"""Dashboard panels, collected from every app's dashboard.py (see crm.registry)."""

from .registry import panel_providers


def panels_for(request) -> list[dict]:
    panels = []
    for provider in panel_providers():
        panels.extend(provider(request) or [])
    return sorted(panels, key=lambda p: p.get("order", 100))
