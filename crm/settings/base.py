"""Settings shared by every profile, read from the environment (after `.env`, see environment.py). Nothing here
is insecure on its own: DEBUG is off, there is no secret key and no allowed host unless set. The defaults that
let one laptop run with nothing installed (SQLite in the project folder, a filesystem Celery broker, console
email) are used by development.py and test.py; production.py refuses to start without its own values."""

import ipaddress
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

from csp.constants import NONE, SELF

from .environment import BASE_DIR, env

DEBUG = False
SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="")
# Old keys still accepted for signatures (sessions, unsubscribe links) while a new key is rolled out.
SECRET_KEY_FALLBACKS = env.list("DJANGO_SECRET_KEY_FALLBACKS", default=[])
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=[])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "django_celery_beat",
    "simple_history",
    "axes",
    "csp",
    # The project's apps, bottom layer first (see README, "Layers"): each contributes its pages, API,
    # navigation, panels, periodic jobs and demo through crm.registry from its ready(), in this order.
    "crm.notifications",
    "clients",
    "clients.surveys",
    "crm.standards",
    "crm.internal_requests",
    "purchases",
    "complaints",
    "incentives",
    "crm.reports",
    "crm.ops",
    "crm.logins",
    # Last on purpose: its post_migrate hook gives the role groups their permissions after every other
    # app has created its own.
    "crm",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "crm.middleware.RejectNulCharactersMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # The language: the user's own choice (crm.languages, after authentication) over the cookie or the
    # browser's Accept-Language (LocaleMiddleware); the API follows Accept-Language first.
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "crm.languages.UserLanguageMiddleware",
    "crm.middleware.LoginRequiredMiddleware",
    "crm.middleware.TwoFactorMiddleware",
    "crm.api.idempotency.IdempotencyMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "crm.middleware.HtmxResponseMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, as django-axes asks, so it sees the outcome of every login.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "crm.urls"
WSGI_APPLICATION = "crm.wsgi.application"
ASGI_APPLICATION = "crm.asgi.application"

# Every form's fields name their error messages (aria-describedby) for screen readers: crm.forms.FormRenderer.
FORM_RENDERER = "crm.forms.FormRenderer"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "crm.context_processors.navigation",
                "clients.context_processors.quick_action",
            ],
        },
    },
]

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Web, worker and scheduler share one file: wait for locks instead of failing, take the write lock
    # at BEGIN so two writers never deadlock, and use WAL so readers do not block the writer.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
else:
    DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("DATABASE_CONN_MAX_AGE", default=60))
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if env.str("DATABASE_REPLICA_URL", default=""):
    # A PostgreSQL read replica for reports, exports and analytics (crm/db.py says which reads go there).
    # Tests point the alias at the primary's test database instead of creating one for it.
    DATABASES["replica"] = env.db("DATABASE_REPLICA_URL")
    DATABASES["replica"].setdefault("CONN_MAX_AGE", env.int("DATABASE_CONN_MAX_AGE", default=60))
    DATABASES["replica"]["CONN_HEALTH_CHECKS"] = True
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
# PostgreSQL through crm.pg: Django's backend with a health check that costs no round trip and the statements
# every request runs prepared once per connection. Off (DATABASE_PREPARED_STATEMENTS=0) behind a pooler in
# transaction mode, which does not keep a session's prepared statements.
for _db in DATABASES.values():
    if _db["ENGINE"] == "django.db.backends.postgresql":
        _db["ENGINE"] = "crm.pg"
DATABASE_PREPARED_STATEMENTS = env.bool("DATABASE_PREPARED_STATEMENTS", default=True)
# Reads go to the replica only inside crm.db.replica_reads() and outside a write transaction; a no-op without one.
DATABASE_ROUTERS = ["crm.db.ReplicaRouter"]

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

CACHES = {"default": env.cache("CACHE_URL", default="locmemcache://crm")}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "crm.logins.backends.LoginSlowdownBackend",
    "crm.auth_backends.RoleAwareModelBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard"
# API tokens (crm/auth_tokens.py): how long a new token lives unless asked otherwise, and the longest allowed.
API_TOKEN_DAYS = env.int("API_TOKEN_DAYS", default=30)
API_TOKEN_MAX_DAYS = env.int("API_TOKEN_MAX_DAYS", default=365)
LOGOUT_REDIRECT_URL = "login"

# The proxies in front of the app (see crm/client_ip.py and README, "Proxies and login lockout"): how many
# append to X-Forwarded-For (0: none, REMOTE_ADDR is the client), or the networks they live in (CIDRs;
# when set, the count is not used). The login lockout, the API throttles and the public complaint form all
# key on crm.client_ip.client_ip, so a client-written hop never picks the address a limit counts.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
TRUSTED_PROXY_NETWORKS = env.list("TRUSTED_PROXY_NETWORKS", default=[])
for _network in TRUSTED_PROXY_NETWORKS:
    ipaddress.ip_network(_network.strip(), strict=False)  # a typo stops the start, not every request

# Brute-force lockout: 5 failures for one username from one address lock that pair for an hour.
AXES_CLIENT_IP_CALLABLE = "crm.client_ip.client_ip"
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(hours=1)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False
# Per username, from any addresses (crm/logins): after AFTER_FAILURES failures within WINDOW_SECONDS of each
# other, each attempt waits BASE_DELAY_SECONDS, doubling per further failure up to MAX_DELAY_SECONDS. Never a
# lock: a third party cannot keep a user out. Addresses the user logged in from within KNOWN_ADDRESS_DAYS are
# not slowed down (0 turns that off).
LOGIN_SLOWDOWN = {
    "AFTER_FAILURES": env.int("LOGIN_SLOWDOWN_AFTER_FAILURES", default=10),
    "WINDOW_SECONDS": env.int("LOGIN_SLOWDOWN_WINDOW_SECONDS", default=3600),
    "BASE_DELAY_SECONDS": env.int("LOGIN_SLOWDOWN_BASE_DELAY_SECONDS", default=1),
    "MAX_DELAY_SECONDS": env.int("LOGIN_SLOWDOWN_MAX_DELAY_SECONDS", default=600),
    "KNOWN_ADDRESS_DAYS": env.int("LOGIN_SLOWDOWN_KNOWN_ADDRESS_DAYS", default=30),
}

# Interface and message languages (README, "Languages"): English plus complete Hungarian and Swahili catalogues.
# Every user picks one (crm.UserPreference), every client has one (clients.Client.language); dates, numbers and
# money follow it. The project's catalogue is crm/locale/ (templates/ and every app's strings, see README).
LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("hu", "Magyar"), ("sw", "Kiswahili")]
LOCALE_PATHS = [BASE_DIR / "crm" / "locale"]
TIME_ZONE = env.str("TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True
USE_THOUSAND_SEPARATOR = False

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "var" / "staticfiles")
MEDIA_URL = "media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "var" / "media")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
if env.str("EMAIL_URL", default=""):
    vars().update(env.email_url("EMAIL_URL"))  # EMAIL_HOST, EMAIL_PORT, EMAIL_HOST_USER, ... for SMTP
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="crm@example.com")
# A mail server that accepts the connection and never answers must not hold a worker: the send fails and
# the outbox retries it with backoff.
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=15)

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = 60 * 60 * 12
# Sessions are read on every page: with a shared cache (Redis) from the cache when it has them, from the
# database otherwise (nothing is lost when the cache restarts). A per-process memory cache would let a
# logged-out session live on in the other web processes, so then the database alone.
SESSION_ENGINE = (
    "django.contrib.sessions.backends.db"
    if "locmem" in CACHES["default"]["BACKEND"]
    else "django.contrib.sessions.backends.cached_db"
)
CSRF_COOKIE_SAMESITE = "Lax"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# Pages load only what the project serves itself: no inline scripts, no CDN.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}

REST_FRAMEWORK = {
    # Token first, so an unauthenticated API call answers 401 with a WWW-Authenticate header.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "crm.api.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["crm.api.permissions.HasAnyRole"],
    "DEFAULT_PAGINATION_CLASS": "crm.api.pagination.CursorPagination",
    "PAGE_SIZE": 25,
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.SearchFilter",
    ],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    # JSON bodies only (one request shape per operation in the schema, which code generators expect), nested
    # no deeper than 64 levels and without NUL characters (400, never a 500); an endpoint that takes a file
    # declares its own parser.
    "DEFAULT_PARSER_CLASSES": ["crm.api.parsers.JSONParser"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "crm.api.exceptions.exception_handler",
    "DEFAULT_THROTTLE_CLASSES": [
        "crm.api.throttling.AnonRateThrottle",
        "crm.api.throttling.UserRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env.str("API_THROTTLE_ANON", default="60/min"),
        "user": env.str("API_THROTTLE_USER", default="6000/min"),
        "login": env.str("API_THROTTLE_LOGIN", default="20/min"),
    },
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}

# How long an API POST's answer is kept for replays under its Idempotency-Key (crm/api/idempotency.py).
IDEMPOTENCY_TTL_HOURS = env.int("IDEMPOTENCY_TTL_HOURS", default=24)

SPECTACULAR_SETTINGS = {
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "crm.api.schema.document_idempotency_key",
        "crm.api.schema.document_error_responses",
    ],
    "TITLE": "CRM API",
    "DESCRIPTION": "Clients, purchases, complaints and incentives. Token auth: POST /api/v1/auth/token/.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
}

# Celery: the filesystem transport needs no server; set CELERY_BROKER_URL (or REDIS_URL) to use Redis.
REDIS_URL = env.str("REDIS_URL", default="")
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL or "filesystem://")
if CELERY_BROKER_URL.startswith("filesystem://"):
    _broker_dir = env.path("CELERY_BROKER_DIR", default=BASE_DIR / "var" / "broker")
    for _sub in ("queue", "processed"):
        (Path(_broker_dir) / _sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(Path(_broker_dir) / "queue"),
        "data_folder_out": str(Path(_broker_dir) / "queue"),
        "processed_folder": str(Path(_broker_dir) / "processed"),
        "store_processed": False,
    }
else:
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=240)
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=300)
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
# Queues by urgency: messages that must go out now (the outbox relay) and other short jobs on the default
# queue; bulk work (imports, news batches, reports, recomputes, period close) on its own, with its own
# workers, so a 100,000-client import never delays a message. `make run` and docker-compose.yml start both.
CELERY_TASK_DEFAULT_QUEUE = "celery"
CELERY_BULK_QUEUE = "bulk"
CELERY_TASK_ROUTES = {
    name: {"queue": CELERY_BULK_QUEUE}
    for name in (
        "clients.import_run",
        "clients.personal_data_retention",
        "crm.notifications.tasks.news_start",
        "crm.notifications.tasks.news_send_batch",
        "crm.reports.tasks.*",
        "purchases.tasks.recompute_totals",
        "incentives.close_ended_periods",
        "clients.surveys.send_due",
    )
}
# A worker process is replaced after this many tasks (leaks stay bounded); a stop waits for running tasks,
# so the service manager's grace period must exceed the longest soft limit (reports: 1800 s).
CELERY_WORKER_MAX_TASKS_PER_CHILD = env.int("CELERY_WORKER_MAX_TASKS_PER_CHILD", default=200)
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)

# Periodic jobs beyond those the apps declare in their tasks.PERIODIC_TASKS (see crm/registry.py).
# `manage.py setup_schedules` writes the missing ones to the database, where administrators may change them.
CRM_PERIODIC_TASKS: dict[str, tuple[str, dict]] = {}

COMPANY = {
    "name": env.str("COMPANY_NAME", default="Paper & Print Supplies Ltd"),
    "address": env.str("COMPANY_ADDRESS", default="1 Market Street, Springfield"),
    "tax_id": env.str("COMPANY_TAX_ID", default="VAT GB123456789"),
    "bank": env.str("COMPANY_BANK", default="IBAN GB00 BANK 0000 0000 0000 00"),
    "email": env.str("COMPANY_EMAIL", default="billing@example.com"),
    "phone": env.str("COMPANY_PHONE", default="+44 20 7946 0000"),
}
# Money on documents (invoices, credit notes). CURRENCY: one ISO 4217 code, printed beside every amount.
# PRICES_INCLUDE_TAX: False = catalogue and ledger prices are net (tax is added on the invoice); True = they
# are gross (tax is the part of the price at the rate: gross * rate / (100 + rate)).
# TAX_ROUNDING: "line" (default) rounds each line's tax half-up to cents and adds them up; "document" adds
# the unrounded tax of each rate and rounds once per rate (the last line of a rate takes the difference, so
# lines still add up to the totals). TAX_DEFAULT_RATE: percent for a product with no rate of its own or of
# its category (purchases.TaxRate).
CURRENCY = env.str("CURRENCY", default="EUR")
PRICES_INCLUDE_TAX = env.bool("PRICES_INCLUDE_TAX", default=False)
TAX_ROUNDING = env.str("TAX_ROUNDING", default="line")
TAX_DEFAULT_RATE = env.str("TAX_DEFAULT_RATE", default="0")
DEFAULT_PHONE_REGION = env.str("DEFAULT_PHONE_REGION", default="GB")

# A sale line priced below the catalogue price by more than this percent needs a reason and is audited as a
# PriceOverride (0: any price below the catalogue price).
PRICE_OVERRIDE_ALLOWANCE_PERCENT = Decimal(env.str("PRICE_OVERRIDE_ALLOWANCE_PERCENT", default="0"))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"axes": {"level": "WARNING"}},
}

# The one base of every link in a message (unsubscribe, surveys): never the Host of whatever request caused it.
SITE_URL = env.str("SITE_URL", default=env.str("NOTIFICATIONS_SITE_URL", default="http://127.0.0.1:8000"))

# Notifications (crm/notifications): channel backends, retries, news batches.
NOTIFICATIONS = {
    # SMS: "file" (one JSON file per message in SMS_FILE_DIR), "console", "http" (generic gateway), or a dotted path.
    "SMS_BACKEND": env.str("NOTIFICATIONS_SMS_BACKEND", default="file"),
    "SMS_FILE_DIR": env.str("NOTIFICATIONS_SMS_FILE_DIR", default=str(BASE_DIR / "var" / "sms")),
    "SMS_GATEWAY_URL": env.str("NOTIFICATIONS_SMS_GATEWAY_URL", default=""),
    "SMS_GATEWAY_TOKEN": env.str("NOTIFICATIONS_SMS_GATEWAY_TOKEN", default=""),
    "SMS_SENDER": env.str("NOTIFICATIONS_SMS_SENDER", default="CRM"),
    "ERP_WEBHOOK_URL": env.str("NOTIFICATIONS_ERP_WEBHOOK_URL", default=""),
    "ERP_WEBHOOK_SECRET": env.str("NOTIFICATIONS_ERP_WEBHOOK_SECRET", default=""),
    "HTTP_TIMEOUT": env.float("NOTIFICATIONS_HTTP_TIMEOUT", default=10.0),
    "MAX_ATTEMPTS": env.int("NOTIFICATIONS_MAX_ATTEMPTS", default=6),
    "RETRY_BASE_SECONDS": env.float("NOTIFICATIONS_RETRY_BASE_SECONDS", default=60.0),
    "LEASE_SECONDS": env.int("NOTIFICATIONS_LEASE_SECONDS", default=300),
    "NEWS_BATCH_SIZE": env.int("NOTIFICATIONS_NEWS_BATCH_SIZE", default=200),
    # One queued relay at a time (kicks from other transactions join it): only with a cache shared by the web
    # processes and the workers, where the relay can clear the mark.
    "COALESCE_RELAY_KICKS": env.bool(
        "NOTIFICATIONS_COALESCE_RELAY_KICKS", default="locmem" not in CACHES["default"]["BACKEND"]
    ),
}
if env.str("EMAIL_FILE_PATH", default=""):
    EMAIL_FILE_PATH = env.str("EMAIL_FILE_PATH")  # for EMAIL_BACKEND=django.core.mail.backends.filebased...
SPECTACULAR_SETTINGS.setdefault("ENUM_NAME_OVERRIDES", {}).update(
    {
        "NotificationChannelEnum": "crm.notifications.models.Notification.Channel",
        "NotificationStatusEnum": "crm.notifications.models.Notification.Status",
        "NewsStatusEnum": "clients.models.News.Status",
        "AwardRuleScopeEnum": "incentives.models.AwardRule.Scope",
        "PerkScopeEnum": "purchases.models.Perk.Scope",
    }
)

# The operations page (crm/ops): a threshold crossed sends each active administrator one staff notification per
# threshold per hour. Ages in seconds; FAILED_DELIVERIES counts outbox rows that gave up; a periodic job is
# late when its next run after the last one was due more than PERIODIC_GRACE_SECONDS ago.
OPS_ALERTS = {
    "OUTBOX_OLDEST_PENDING_SECONDS": env.int("OPS_OUTBOX_OLDEST_PENDING_SECONDS", default=600),
    "FAILED_DELIVERIES": env.int("OPS_FAILED_DELIVERIES", default=10),
    "WORKER_STALE_SECONDS": env.int("OPS_WORKER_STALE_SECONDS", default=180),
    "JOB_STUCK_SECONDS": env.int("OPS_JOB_STUCK_SECONDS", default=1800),
    "PERIODIC_GRACE_SECONDS": env.int("OPS_PERIODIC_GRACE_SECONDS", default=300),
}

# Complaints (complaints/public.py): the public complaint form's allowance per client address (crm.client_ip).
COMPLAINTS_PUBLIC_RATE = (
    env.int("COMPLAINTS_PUBLIC_RATE_COUNT", default=5),
    env.int("COMPLAINTS_PUBLIC_RATE_SECONDS", default=3600),
)
# Client surveys after a purchase or a consultation (clients/surveys/conf.py lists the other parameters): sent
# this many hours after the occasion, at most one per client in this many days.
SURVEYS_DELAY_HOURS = env.int("SURVEYS_DELAY_HOURS", default=48)
SURVEYS_MIN_DAYS_BETWEEN = env.int("SURVEYS_MIN_DAYS_BETWEEN", default=30)
# Personal data retention (clients/services/retention.py, every night): after this many days an import keeps
# its counts but not the uploaded rows; a sent (or skipped) message keeps its event, channel, subject and times
# but not its body (the SMS file backend's files go too); login logs (django-axes) are deleted. The ledger,
# invoices and the personal data audit are never purged by this job.
RETENTION_IMPORT_ROWS_DAYS = env.int("RETENTION_IMPORT_ROWS_DAYS", default=30)
RETENTION_DELIVERED_MESSAGE_BODIES_DAYS = env.int("RETENTION_DELIVERED_MESSAGE_BODIES_DAYS", default=90)
RETENTION_LOGS_DAYS = env.int("RETENTION_LOGS_DAYS", default=180)
