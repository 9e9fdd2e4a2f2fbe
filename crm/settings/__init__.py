"""Default settings module: the development profile, or production when DJANGO_DEBUG=0."""

import os

if os.environ.get("DJANGO_DEBUG", "1").lower() in {"0", "false", "no", "off"}:
    from .production import *  # noqa: F403
else:
    from .base import *  # noqa: F403
