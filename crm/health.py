"""Is the database there, is the broker there: the two checks /healthz answers with, and that the operations
page (crm/ops) shows beside its other figures. Each raises when its service is down; the caller says why."""

from django.db import connection

from .celery import app as celery_app


def check_database() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return "ok"


def check_broker() -> str:
    with celery_app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, timeout=3)
    return "ok"
