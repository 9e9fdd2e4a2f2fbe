"""Queues by urgency: bulk work never sits in front of a message that must go out now."""

import importlib.util
from pathlib import Path

import pytest

from crm.celery import app as celery_app
from crm.management.commands.runstack import Command as RunStack

ROOT = Path(__file__).resolve().parents[2]
BULK = [
    "clients.import_run",
    "clients.personal_data_retention",
    "crm.notifications.tasks.news_start",
    "crm.notifications.tasks.news_send_batch",
    "crm.reports.tasks.generate_weekly_reports",
    "crm.reports.tasks.generate_monthly_reports",
    "crm.reports.tasks.report_run",
    "purchases.tasks.recompute_totals",
    "incentives.close_ended_periods",
]
URGENT = [
    "crm.notifications.tasks.relay_outbox",
    "crm.notifications.tasks.news_start_due",
    "complaints.escalate_breaches",
    "crm.tasks.record_worker_heartbeat",
    "crm.reports.run_sweep",
]


def _queue(task_name: str) -> str:
    route = celery_app.amqp.router.route({}, task_name)
    return route["queue"].name


@pytest.mark.parametrize("name", BULK)
def test_bulk_work_goes_to_the_bulk_queue(name):
    assert name in celery_app.tasks
    assert _queue(name) == "bulk"


@pytest.mark.parametrize("name", URGENT)
def test_messages_and_short_jobs_stay_on_the_default_queue(name):
    assert name in celery_app.tasks
    assert _queue(name) == "celery"


def test_make_run_starts_a_worker_for_each_queue_and_closes_dev_server_connections():
    commands = RunStack.commands("127.0.0.1:8000")
    queues = {name: cmd[cmd.index("-Q") + 1] for name, cmd in commands.items() if "-Q" in cmd}
    assert queues == {"worker": "celery", "bulk-worker": "bulk"}


def test_compose_runs_workers_for_both_queues_with_grace_longer_than_the_soft_limits():
    compose = (ROOT / "docker-compose.yml").read_text()
    assert '"-Q", "celery"' in compose and '"-Q", "bulk"' in compose
    assert "stop_grace_period: 1900s" in compose  # reports' soft limit is 1800 s
    assert "gunicorn.conf.py" in compose


def test_gunicorn_configuration_loads_with_bounded_workers():
    spec = importlib.util.spec_from_file_location("gunicorn_conf", ROOT / "crm" / "deploy" / "gunicorn.conf.py")
    conf = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(conf)
    assert conf.workers >= 1 and conf.timeout > 0 and conf.graceful_timeout > 0 and conf.max_requests > 0


def test_compose_publishes_only_the_tls_proxy_and_web_replicas_keep_the_app_settings():
    import yaml

    services = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]
    published = sorted(name for name, service in services.items() if service.get("ports"))
    assert published == ["proxy"]  # forwarded headers can only come from the proxy
    web = services["web"]
    assert "container_name" not in web  # `--scale web=N` needs replicas without fixed names or host ports
    assert web["environment"]["DATABASE_URL"].startswith("postgres://")  # the app settings survive the merge
    assert web["environment"]["CACHE_URL"].startswith("redis://")  # sessions and rate limits shared
    assert (ROOT / "crm" / "deploy" / "Caddyfile").read_text().count("reverse_proxy web:8000") == 1
