"""Junipeer settings, read from the environment (django-environ).

Defaults give the embedded single-machine setup: SQLite and django-q2's ORM broker. Setting
DATABASE_URL / REDIS_URL scales out to PostgreSQL and a Redis broker with no code change.
`DJANGO_ENV=production` turns on the production checks in `junipeer.checks`.
"""

import os
from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"  # runtime data of the embedded setup: SQLite files, collected static
VAR_DIR.mkdir(exist_ok=True)

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DJANGO_ENV = env("DJANGO_ENV", default="development")
PRODUCTION = DJANGO_ENV == "production"

# Known-insecure development defaults; production refuses to start with them (junipeer.checks).
DEV_SECRET_KEY = "dev-insecure-junipeer-secret-key-change-me"
DEV_CREDENTIALS_KEY = "ZGV2LWluc2VjdXJlLWp1bmlwZWVyLWZlcm5ldC1rZXk="

SECRET_KEY = env("SECRET_KEY", default=DEV_SECRET_KEY)
DEBUG = env.bool("DEBUG", default=not PRODUCTION)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])
SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")

# Fernet keys for credentials at rest, comma-separated, newest first: decrypting tries every
# key and encrypting uses the first, so a key is rotated by prepending a new one.
CREDENTIALS_KEYS = env.list("CREDENTIALS_KEY", default=[DEV_CREDENTIALS_KEY])

# The local Centra and Fortnox simulators under /sandbox/. Off in production.
SANDBOX_ENABLED = env.bool("SANDBOX_ENABLED", default=not PRODUCTION)

# Outbound URL safety (integrations/connectors/urlsafety.py): production calls only https:// hosts
# with public addresses, whatever the environment says. Development and test also allow http://
# and local hosts, where the sandbox runs on 127.0.0.1 under the app itself (set False to try
# production's rules locally).
OUTBOUND_ALLOW_HTTP = not PRODUCTION and env.bool("OUTBOUND_ALLOW_HTTP", default=True)
OUTBOUND_ALLOW_PRIVATE_HOSTS = not PRODUCTION and env.bool("OUTBOUND_ALLOW_PRIVATE_HOSTS", default=True)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "django_q",
    "junipeer",
    "integrations",
    "mappings",
    "sandbox",
    "sandbox.centra",
    "sandbox.fortnox",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "junipeer.urls"
WSGI_APPLICATION = "junipeer.wsgi.application"

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
            ],
        },
    },
]

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The web server and the worker write to the same file: wait for locks instead of failing,
    # and take the write lock at the start of a transaction so upgrades never deadlock.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"timeout": 30, "transaction_mode": "IMMEDIATE", "init_command": "PRAGMA journal_mode=WAL;"}
    )
    # Tests use a file too, not shared memory: the live server's threads then hold their own
    # connections, as the web server and the worker do in the embedded setup.
    # One file per test process, so suites run side by side (and by several people) never share one.
    DATABASES["default"].setdefault("TEST", {"NAME": str(VAR_DIR / f"test-db-{os.getpid()}.sqlite3")})
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "Europe/Stockholm"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"

REDIS_URL = env("REDIS_URL", default="")

# django-q2. `retry` must exceed `timeout`: otherwise the broker hands a task that is still
# running to a second worker. Runs are idempotent anyway (record links, run lock).
Q_TASK_TIMEOUT = env.int("Q_TASK_TIMEOUT", default=900)
Q_CLUSTER = {
    "name": "junipeer",
    "workers": env.int("Q_WORKERS", default=2),
    "timeout": Q_TASK_TIMEOUT,
    "retry": Q_TASK_TIMEOUT + 300,
    "max_attempts": 1,
    "catch_up": False,
    "save_limit": 1000,
    "label": "Background tasks",
}
if REDIS_URL:
    Q_CLUSTER["redis"] = REDIS_URL
else:
    Q_CLUSTER["orm"] = "default"
    Q_CLUSTER["poll"] = 1

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
}
SPECTACULAR_SETTINGS = {"TITLE": "Junipeer partner API", "VERSION": "1.0.0"}

EMAIL_BACKEND = env(
    "EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend"
)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {"django.server": {"level": "WARNING"}},
}

# A running run whose heartbeat is older than this is taken for dead (its worker was killed).
RUN_STALE_SECONDS = env.int("RUN_STALE_SECONDS", default=300)
# How long a push claimed by a run that may still be alive is left alone. Must exceed the longest
# push: timeouts and Retry-After waits over all attempts (about 12 minutes at the defaults).
CLAIM_LEASE_SECONDS = env.int("CLAIM_LEASE_SECONDS", default=900)

# Alerts: a run with at least this many failed records, making up at least this share, alerts.
ALERT_MIN_FAILED_RECORDS = env.int("ALERT_MIN_FAILED_RECORDS", default=5)
ALERT_FAILED_SHARE = env.float("ALERT_FAILED_SHARE", default=0.2)
# How often connections are health-checked (unhealthy ones are re-tested on the same tick).
HEALTH_CHECK_MINUTES = env.int("HEALTH_CHECK_MINUTES", default=5)
# The daily reconciliation report of yesterday (shipments/returns against ERP documents).
RECONCILIATION_CRON = env("RECONCILIATION_CRON", default="30 4 * * *")

# Retention (integrations/retention.py), purged daily at RETENTION_CRON in batches of
# RETENTION_BATCH_SIZE rows. Days per table; 0 keeps that table forever. An open failed record
# (and its run) is never purged, a received webhook event not yet processed neither, and record
# links (the exactly-once guard) never are. A run stays while any of its records does.
RETENTION_BODIES_DAYS = env.int("RETENTION_BODIES_DAYS", default=30)  # request/response of sync records
RETENTION_RECORDS_DAYS = env.int("RETENTION_RECORDS_DAYS", default=180)
RETENTION_RUNS_DAYS = env.int("RETENTION_RUNS_DAYS", default=365)
RETENTION_WEBHOOK_EVENTS_DAYS = env.int("RETENTION_WEBHOOK_EVENTS_DAYS", default=30)
RETENTION_ALERTS_DAYS = env.int("RETENTION_ALERTS_DAYS", default=90)  # counted from when they were resolved
RETENTION_REPORTS_DAYS = env.int("RETENTION_REPORTS_DAYS", default=400)  # reconciliation reports, by their day
RETENTION_TASK_RESULTS_DAYS = env.int("RETENTION_TASK_RESULTS_DAYS", default=30)  # django-q2 successes/failures
RETENTION_BATCH_SIZE = env.int("RETENTION_BATCH_SIZE", default=500)
RETENTION_CRON = env("RETENTION_CRON", default="15 3 * * *")
# Webhook calls accepted per integration (requests/seconds); more answer 429 with Retry-After.
WEBHOOK_RATE_LIMIT = env("WEBHOOK_RATE_LIMIT", default="100/10")
