"""Development profile, chosen explicitly with DJANGO_ENV=development (`make run` sets it): DEBUG on unless
DJANGO_DEBUG=0, a fixed development secret key when none is set, local host names, the browsable API, and
base.py's laptop defaults (SQLite, the filesystem broker, console email). Never the default."""

from .base import *  # noqa: F403
from .base import REST_FRAMEWORK, SECRET_KEY, env

DEBUG = env.bool("DJANGO_DEBUG", default=True)
SECRET_KEY = SECRET_KEY or "dev-only-insecure-key-never-accepted-by-the-production-profile-0123456789"
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
if DEBUG:
    REST_FRAMEWORK = {
        **REST_FRAMEWORK,
        "DEFAULT_RENDERER_CLASSES": [
            *REST_FRAMEWORK["DEFAULT_RENDERER_CLASSES"],
            "rest_framework.renderers.BrowsableAPIRenderer",
        ],
    }
