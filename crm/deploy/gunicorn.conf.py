"""gunicorn settings for the web containers (`gunicorn -c crm/deploy/gunicorn.conf.py crm.wsgi:application`).
Each value can be changed through the environment without a new image."""

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
# Synchronous workers: the app is database-bound, and each worker holds one persistent database connection.
workers = int(os.environ.get("GUNICORN_WORKERS", multiprocessing.cpu_count() * 2 + 1))
# A request that takes longer than this is killed (and its transaction rolled back by PostgreSQL).
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
# On a stop or reload, running requests get this long to finish.
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "30"))
keepalive = 5
# Workers are replaced after this many requests (with jitter, not all at once): memory stays bounded.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "2000"))
max_requests_jitter = 200
accesslog = "-"
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1")
