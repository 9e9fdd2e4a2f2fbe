"""The settings fail closed: with nothing set they are the production profile and refuse to start until given a
real secret key; development is only ever chosen explicitly, and `.env` is read before the choice is made.

Each case imports `crm.settings` in a fresh interpreter with a clean environment (no DJANGO_* variables) and
DJANGO_ENV_FILE pointing at a file of the test's own (or at nothing), so neither the machine's environment nor
a developer's `.env` can change the outcome."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SECRET = "k8Jq2-rF0v_Lw7Zp3sXc9Ty4Nb6Md1Ge5Ha0Ui8Ko2Pl7Qm3Rn9St4Vw6Xy1Za5Bc"
PRODUCTION_NEEDS = {
    "DJANGO_SECRET_KEY": SECRET,
    "DJANGO_ALLOWED_HOSTS": "crm.example.com",
    "DATABASE_URL": "postgres://crm:pw@db.internal:5432/crm",
    "CELERY_BROKER_URL": "redis://redis.internal:6379/0",
}
SHOWN = [
    "DEBUG",
    "SECRET_KEY",
    "ALLOWED_HOSTS",
    "SESSION_COOKIE_SECURE",
    "CSRF_COOKIE_SECURE",
    "SECURE_SSL_REDIRECT",
    "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    "SECURE_PROXY_SSL_HEADER",
    "DATABASES",
    "CELERY_BROKER_URL",
    "REST_FRAMEWORK",
]
PRINT_SETTINGS = f"""
import json, crm.settings as s
print(json.dumps({{name: getattr(s, name, None) for name in {SHOWN!r}}}, default=str))
"""


def load_settings(tmp_path: Path, env: dict | None = None, dotenv: str | None = None) -> subprocess.CompletedProcess:
    env_file = tmp_path / "test.env"
    if dotenv is not None:
        env_file.write_text(dotenv)
    clean = {"PATH": "/usr/bin:/bin", "DJANGO_ENV_FILE": str(env_file), **(env or {})}
    return subprocess.run(
        [sys.executable, "-c", PRINT_SETTINGS], cwd=ROOT, env=clean, capture_output=True, text=True, timeout=120
    )


def settings_of(result: subprocess.CompletedProcess) -> dict:
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_with_nothing_set_the_settings_refuse_to_start(tmp_path):
    result = load_settings(tmp_path)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    for variable in ("DJANGO_SECRET_KEY", "DJANGO_ALLOWED_HOSTS", "DATABASE_URL", "CELERY_BROKER_URL"):
        assert variable in result.stderr
    assert "DJANGO_ENV=development" in result.stderr


def test_manage_py_with_nothing_set_does_not_fall_back_to_development(tmp_path):
    clean = {"PATH": "/usr/bin:/bin", "DJANGO_ENV_FILE": str(tmp_path / "absent.env")}
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=clean, capture_output=True, text=True, timeout=120
    )
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr


@pytest.mark.parametrize(
    "secret",
    [
        "",
        "short-but-secret",
        "dev-only-insecure-key-never-accepted-by-the-production-profile-0123456789",
        "django-insecure-" + "a1b2c3d4e5" * 5,
        "ab" * 40,
    ],
    ids=["empty", "short", "development-key", "django-insecure", "few-characters"],
)
def test_production_refuses_a_secret_key_that_is_not_real(tmp_path, secret):
    result = load_settings(tmp_path, {**PRODUCTION_NEEDS, "DJANGO_SECRET_KEY": secret})
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr
    assert "DJANGO_ALLOWED_HOSTS" not in result.stderr


def test_default_profile_with_its_variables_is_production_hardened(tmp_path):
    s = settings_of(load_settings(tmp_path, PRODUCTION_NEEDS))
    assert s["DEBUG"] is False
    assert s["SECRET_KEY"] == SECRET
    assert s["ALLOWED_HOSTS"] == ["crm.example.com"]
    assert s["SESSION_COOKIE_SECURE"] is True and s["CSRF_COOKIE_SECURE"] is True
    assert s["SECURE_SSL_REDIRECT"] is True
    assert s["SECURE_HSTS_SECONDS"] >= 60 * 60 * 24 * 365 and s["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is True
    # X-Forwarded-Proto is not believed unless the deployment says a TLS proxy is the only way in.
    assert s["SECURE_PROXY_SSL_HEADER"] is None
    assert s["DATABASES"]["default"]["ENGINE"] == "crm.pg"
    assert "rest_framework.renderers.BrowsableAPIRenderer" not in s["REST_FRAMEWORK"]["DEFAULT_RENDERER_CLASSES"]


def test_production_trusts_forwarded_proto_only_when_told(tmp_path):
    s = settings_of(load_settings(tmp_path, {**PRODUCTION_NEEDS, "DJANGO_TRUST_X_FORWARDED_PROTO": "1"}))
    assert s["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]


def test_debug_variable_cannot_turn_production_into_development(tmp_path):
    s = settings_of(load_settings(tmp_path, {**PRODUCTION_NEEDS, "DJANGO_DEBUG": "1"}))
    assert s["DEBUG"] is False and s["SESSION_COOKIE_SECURE"] is True


def test_development_is_chosen_explicitly_and_keeps_its_laptop_defaults(tmp_path):
    s = settings_of(load_settings(tmp_path, {"DJANGO_ENV": "development"}))
    assert s["DEBUG"] is True
    assert s["SECRET_KEY"].startswith("dev-only")
    assert s["ALLOWED_HOSTS"] == ["127.0.0.1", "localhost"]
    assert s["DATABASES"]["default"]["ENGINE"] == "django.db.backends.sqlite3"
    assert s["CELERY_BROKER_URL"] == "filesystem://"
    assert s["SESSION_COOKIE_SECURE"] is None and s["SECURE_SSL_REDIRECT"] is None
    assert "rest_framework.renderers.BrowsableAPIRenderer" in s["REST_FRAMEWORK"]["DEFAULT_RENDERER_CLASSES"]


def test_an_unknown_profile_refuses_to_start(tmp_path):
    result = load_settings(tmp_path, {**PRODUCTION_NEEDS, "DJANGO_ENV": "dev"})
    assert result.returncode != 0
    assert "DJANGO_ENV='dev'" in result.stderr


def test_dotenv_is_read_before_the_profile_is_chosen(tmp_path):
    s = settings_of(load_settings(tmp_path, dotenv="DJANGO_ENV=development\nDJANGO_DEBUG=0\n"))
    assert s["SECRET_KEY"].startswith("dev-only") and s["DEBUG"] is False


def test_dotenv_debug_off_gives_the_full_production_profile(tmp_path):
    """The old failure: DJANGO_DEBUG=0 in .env turned DEBUG off without any of the production hardening."""
    dotenv = "DJANGO_DEBUG=0\n" + "".join(f"{name}={value}\n" for name, value in PRODUCTION_NEEDS.items())
    s = settings_of(load_settings(tmp_path, dotenv=dotenv))
    assert s["DEBUG"] is False and s["SECRET_KEY"] == SECRET
    assert s["SESSION_COOKIE_SECURE"] is True and s["SECURE_SSL_REDIRECT"] is True


def test_the_environment_wins_over_dotenv(tmp_path):
    result = load_settings(tmp_path, PRODUCTION_NEEDS, dotenv="DJANGO_ENV=production\nDJANGO_SECRET_KEY=short\n")
    assert settings_of(result)["SECRET_KEY"] == SECRET
    result = load_settings(tmp_path, {"DJANGO_ENV": "production"}, dotenv="DJANGO_ENV=development\n")
    assert result.returncode != 0 and "DJANGO_SECRET_KEY" in result.stderr


def test_docker_build_context_leaves_out_secrets_and_local_state():
    for ignore_file in (ROOT / ".dockerignore", ROOT / "crm" / "deploy" / "Dockerfile.dockerignore"):
        patterns = {line.strip() for line in ignore_file.read_text().splitlines() if not line.startswith("#")}
        assert {".env", ".venv", ".git", "db.sqlite3*", "media", "var"} <= patterns, ignore_file
    dockerfile = (ROOT / "crm" / "deploy" / "Dockerfile").read_text()
    assert "COPY .env" not in dockerfile and "ADD .env" not in dockerfile


def test_compose_publishes_ports_only_on_the_tls_proxy():
    import yaml

    services = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]
    published = {name for name, service in services.items() if service.get("ports")}
    assert published == {"proxy"}
    assert services["web"]["environment"]["DJANGO_TRUST_X_FORWARDED_PROTO"] == "1"
