import subprocess
import sys
from pathlib import Path
from unittest import mock

import pytest
import yaml
from django.core.management import call_command
from django_celery_beat.models import PeriodicTask

from crm.models import WorkerHeartbeat
from crm.tasks import record_worker_heartbeat

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.django_db


def test_healthz_reports_database_and_broker(client):
    record_worker_heartbeat.delay(worker="w1")
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["database"] == "ok" and body["broker"] == "ok" and body["status"] == "ok"
    assert body["worker_last_seen"] is not None


def test_healthz_answers_503_when_broker_is_down(client):
    with mock.patch("crm.health.check_broker", side_effect=ConnectionError("refused")):
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["broker"].startswith("down")


def test_healthz_answers_503_when_database_is_down(client):
    with mock.patch("crm.health.check_database", side_effect=RuntimeError("gone")):
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["database"].startswith("down")


def test_setup_schedules_writes_missing_jobs_and_keeps_admin_edits():
    call_command("setup_schedules")
    job = PeriodicTask.objects.get(name="Worker heartbeat")
    job.enabled = False
    job.save()
    call_command("setup_schedules")
    job.refresh_from_db()
    assert job.enabled is False
    assert PeriodicTask.objects.filter(name="Worker heartbeat").count() == 1


def test_seed_demo_is_repeatable(django_user_model):
    call_command("seed_demo")
    first = django_user_model.objects.count()
    call_command("seed_demo")
    assert django_user_model.objects.count() == first


def test_create_demo_users_prints_credentials_once(django_user_model, capsys):
    call_command("create_demo_users")
    out = capsys.readouterr().out
    assert "admin" in out and "accountant" in out
    call_command("create_demo_users")
    assert "exist already" in capsys.readouterr().out
    assert django_user_model.objects.get(username="sales").groups.filter(name="Sales manager").exists()


def test_heartbeat_task_records_the_worker():
    record_worker_heartbeat.delay(worker="alpha")
    assert WorkerHeartbeat.objects.filter(worker="alpha").exists()


def _manage_in_production(*args, **extra_env) -> subprocess.CompletedProcess:
    """Runs manage.py in a clean environment with the production profile and what it requires."""
    env = {
        "PATH": "/usr/bin:/bin",
        "DJANGO_ENV_FILE": "/nonexistent/.env",
        "DJANGO_SECRET_KEY": "x" * 20 + "-really-long-random-looking-secret-key-0123456789",
        "DJANGO_ALLOWED_HOSTS": "crm.example.com",
        "DATABASE_URL": "sqlite:///:memory:",
        "CELERY_BROKER_URL": "memory://",
        "DJANGO_SETTINGS_MODULE": "crm.settings",
        **extra_env,
    }
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )


def test_production_profile_passes_deploy_check():
    result = _manage_in_production("check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_profile_collects_static_files_into_a_manifest(tmp_path):
    """The production profile serves hashed file names from a manifest; collectstatic must build it (a vendored
    file pointing at a missing source map once broke it, and with it every page)."""
    result = _manage_in_production("collectstatic", "--noinput", "-v0", STATIC_ROOT=str(tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr
    manifest = (tmp_path / "staticfiles.json").read_text()
    assert "vendor/htmx" in manifest and "vendor/chartjs" in manifest


def test_production_profile_refuses_to_start_without_secret():
    env = {"PATH": "/usr/bin:/bin", "DJANGO_ENV_FILE": "/nonexistent/.env", "DJANGO_SETTINGS_MODULE": "crm.settings"}
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr


def test_docker_compose_describes_the_scaled_out_deployment():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    assert {"web", "worker", "beat", "db", "redis"} <= set(services)
    for name in ("web", "worker", "beat", "db", "redis"):
        assert "healthcheck" in services[name], name
    assert (ROOT / services["web"]["build"]["dockerfile"]).exists()
    assert "gunicorn" in services["web"]["command"]
