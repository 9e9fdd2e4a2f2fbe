"""Production profile, the default (DJANGO_ENV unset or `production`): no insecure defaults, and no silent
laptop defaults either. It refuses to start until it has a real secret key, its host names, a database and a
broker; `manage.py check --deploy` passes."""

import os

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import SECRET_KEY, env

DEBUG = False

_problems = []
if len(SECRET_KEY) < 50 or len(set(SECRET_KEY)) < 5 or SECRET_KEY.startswith(("dev-only", "django-insecure")):
    _problems.append("DJANGO_SECRET_KEY (50+ random characters)")
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=[])
if not ALLOWED_HOSTS:
    _problems.append("DJANGO_ALLOWED_HOSTS (the site's host names, comma-separated)")
# The SQLite file and the filesystem broker are for one laptop: production names its own.
if not os.environ.get("DATABASE_URL"):
    _problems.append("DATABASE_URL (e.g. postgres://user:pass@host:5432/crm)")
if not (os.environ.get("CELERY_BROKER_URL") or os.environ.get("REDIS_URL")):
    _problems.append("CELERY_BROKER_URL or REDIS_URL (e.g. redis://host:6379/0)")
if _problems:
    raise ImproperlyConfigured(
        "The production profile (the default) needs: "
        + "; ".join(_problems)
        + ". For a development machine set DJANGO_ENV=development (`make run` does)."
    )

SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
# X-Forwarded-Proto is believed only when a TLS-terminating proxy that sets it is the one way in
# (docker-compose.yml: Caddy publishes the only ports). Anywhere else a client could write it itself.
if env.bool("DJANGO_TRUST_X_FORWARDED_PROTO", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
CSRF_COOKIE_HTTPONLY = True
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
