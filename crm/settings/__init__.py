"""Default settings module (DJANGO_SETTINGS_MODULE=crm.settings). `.env` is read first (environment.py), then
DJANGO_ENV picks the profile: production (production.py) unless it says `development` (`make run` sets it).

The profile is loaded when a setting is first asked for, not when this package is imported, so naming a profile
module directly (crm.settings.test for pytest, crm.settings.development for a test's worker) never runs
another profile's checks on the way."""

import importlib

from .environment import profile


def _profile_module():
    return importlib.import_module(f"{__name__}.{profile()}")


def __getattr__(name: str):
    if name.startswith("__"):
        raise AttributeError(name)
    return getattr(_profile_module(), name)


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(dir(_profile_module())))
