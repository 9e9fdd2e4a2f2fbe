"""Read before any setting is decided: the `.env` file, then which profile runs.

`.env` (or the file named by DJANGO_ENV_FILE) fills in only variables the process environment does not set
already, so the environment always wins. The profile is DJANGO_ENV: `production` unless it says
`development`; anything else refuses to start rather than guess.
"""

import os
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent.parent
ENV_FILE = Path(os.environ.get("DJANGO_ENV_FILE") or BASE_DIR / ".env")
if ENV_FILE.is_file():
    environ.Env.read_env(ENV_FILE, overwrite=False)
env = environ.Env()

PROFILES = ("production", "development")


def profile() -> str:
    """The profile DJANGO_ENV names (after `.env` is read): production unless development is asked for."""
    name = os.environ.get("DJANGO_ENV", "").strip().lower() or "production"
    if name not in PROFILES:
        raise ImproperlyConfigured(f"DJANGO_ENV={name!r}: use one of {', '.join(PROFILES)}.")
    return name
