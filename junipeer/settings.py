"""Junipeer settings, read from the environment (django-environ).

Defaults give the embedded single-machine setup: SQLite and django-q2's ORM broker. Setting
DATABASE_URL / REDIS_URL scales out to PostgreSQL and a Redis broker with no code change.

The project runs as production unless `DJANGO_ENV` says `development` (`make run`) or `test`
(pytest): a forgotten variable fails closed, and `junipeer.checks` then refuses development keys,
DEBUG and the sandbox. Only development and test install the sandbox's simulator apps.
"""

import os
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"  # runtime data of the embedded setup: SQLite files, collected static
VAR_DIR.mkdir(exist_ok=True)

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DJANGO_ENVS = ("production", "development", "test")
DJANGO_ENV = env("DJANGO_ENV", default="production")
if DJANGO_ENV not in DJANGO_ENVS:
    raise ImproperlyConfigured(f"DJANGO_ENV is {DJANGO_ENV!r}; it must be one of {', '.join(DJANGO_ENVS)}.")
PRODUCTION = DJANGO_ENV == "production"

# Known-insecure development defaults; production refuses to start with them (junipeer.checks).
DEV_SECRET_KEY = "dev-insecure-junipeer-secret-key-change-me"
DEV_CREDENTIALS_KEY = "ZGV2LWluc2VjdXJlLWp1bmlwZWVyLWZlcm5ldC1rZXk="

SECRET_KEY = env("SECRET_KEY", default=DEV_SECRET_KEY)
# Older keys still accepted for sessions and signed values while a new SECRET_KEY rolls out.
SECRET_KEY_FALLBACKS = env.list("SECRET_KEY_FALLBACKS", default=[])
DEBUG = env.bool("DEBUG", default=DJANGO_ENV == "development")
SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")
# Production answers only to SITE_URL's host unless told otherwise.
ALLOWED_HOSTS = env.list(
    "ALLOWED_HOSTS",
    default=[urlsplit(SITE_URL).hostname] if PRODUCTION else ["127.0.0.1", "localhost", "testserver"],
)
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[SITE_URL])

# Fernet keys for credentials at rest, comma-separated, newest first: decrypting tries every
# key and encrypting uses the first, so a key is rotated by prepending a new one.
CREDENTIALS_KEYS = env.list("CREDENTIALS_KEY", default=[DEV_CREDENTIALS_KEY])

# The local Centra and Fortnox simulators under /sandbox/ (and the demo). Off in production, where
# asking for them is refused by junipeer.checks and their apps are never installed: no simulator
# tables or admin pages in a production database.
SANDBOX_ENABLED = env.bool("SANDBOX_ENABLED", default=not PRODUCTION)
# chaos: the fault-injection harness
SANDBOX_APPS = ["sandbox", "sandbox.centra", "sandbox.fortnox", "sandbox.business_central", "chaos"]

# Outbound URL safety (integrations/connectors/urlsafety.py): production calls only https:// hosts
# with public addresses, whatever the environment says. Development and test also allow http://
# and local hosts, where the sandbox runs on 127.0.0.1 under the app itself (set False to try
# production's rules locally).
OUTBOUND_ALLOW_HTTP = not PRODUCTION and env.bool("OUTBOUND_ALLOW_HTTP", default=True)
OUTBOUND_ALLOW_PRIVATE_HOSTS = not PRODUCTION and env.bool("OUTBOUND_ALLOW_PRIVATE_HOSTS", default=True)

INSTALLED_APPS = [
    "whitenoise.runserver_nostatic",  # runserver serves static files as production does
    "unfold",  # the staff console's theme (before django.contrib.admin: its templates win); assets served by the app
    "unfold.contrib.filters",
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
    "drf_spectacular_sidecar",  # Swagger UI and Redoc files for /api/v1/docs/ and /api/v1/redoc/
    "django_q",
    "axes",
    "junipeer",
    "integrations",
    "mappings",
    # Shop owners' accounts (django-allauth), the Get Started wizard and the /app/ area (onboarding).
    "onboarding",  # before allauth: its templates restyle allauth's pages
    "allauth",
    "allauth.account",
    "django_htmx",
]
SANDBOX_INSTALLED = SANDBOX_ENABLED and not PRODUCTION
if SANDBOX_INSTALLED:
    INSTALLED_APPS += SANDBOX_APPS

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",  # last: turns a locked-out login into its 429 answer
]
if SANDBOX_INSTALLED:
    MIDDLEWARE.insert(0, "sandbox.fortnox.ratelimit.stamp_arrival")  # simulators count requests as they arrive

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
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Login throttling (django-axes) for the admin and every other password login: after
# AXES_FAILURE_LIMIT failures a username is locked for AXES_COOLOFF_MINUTES from that client
# address (not everywhere: a stranger cannot lock staff out). Staff lift a lockout under Access
# attempts in the admin or with `manage.py axes_reset`.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",  # shop owners log in with their e-mail
]
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=30))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False  # no banner on every management command; failures and lockouts are still logged
# Reverse proxies in front of the web server that append to X-Forwarded-For; the client's address
# is the one the outermost of ours saw. 0 = no proxy: the socket's peer.
PROXY_COUNT = env.int("PROXY_COUNT", default=1 if PRODUCTION else 0)
AXES_CLIENT_IP_CALLABLE = "junipeer.client_ip.client_ip"

# HTTPS, behind a TLS-terminating proxy that sets X-Forwarded-Proto. Production only: runserver
# and the tests speak plain HTTP.
if PRODUCTION:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=PRODUCTION)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=365 * 24 * 3600 if PRODUCTION else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)
SESSION_COOKIE_SECURE = PRODUCTION
CSRF_COOKIE_SECURE = PRODUCTION

LANGUAGE_CODE = "en-us"
TIME_ZONE = "Europe/Stockholm"
USE_I18N = True
USE_TZ = True

# Static files are served by the app itself (WhiteNoise) from STATIC_ROOT, filled by
# `manage.py collectstatic`; production serves compressed copies under hashed names, cached forever.
STATIC_URL = "static/"
STATIC_ROOT = Path(env("STATIC_ROOT", default=str(VAR_DIR / "static")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
# Development and tests serve static files straight from the apps, with no collectstatic.
WHITENOISE_USE_FINDERS = not PRODUCTION
if not PRODUCTION:
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # WhiteNoise warns about a missing one

REDIS_URL = env("REDIS_URL", default="")
# Every key this installation keeps in Redis (the queue, rate-limit windows, concurrency leases)
# starts with this, so installations sharing one Redis never read each other's. Parallel test
# processes (pytest-xdist) share one Redis and each other's ids: each gets a prefix of its own.
REDIS_PREFIX = env("REDIS_PREFIX", default="junipeer")
if DJANGO_ENV == "test":
    REDIS_PREFIX += f"-test-{os.environ.get('PYTEST_XDIST_WORKER', 'main')}"

# django-q2. `retry` must exceed `timeout`: otherwise the broker hands a task that is still
# running to a second worker. Runs are idempotent anyway (record links, run lock).
Q_TASK_TIMEOUT = env.int("Q_TASK_TIMEOUT", default=900)
Q_CLUSTER = {
    "name": REDIS_PREFIX,
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
        "integrations.api.auth.ApiKeyAuthentication",  # partners: Authorization: Bearer <key>
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": [
        "rest_framework.permissions.IsAuthenticated", "integrations.api.permissions.KeyScope",
    ],
    "DEFAULT_THROTTLE_CLASSES": ["integrations.api.throttling.PerKeyThrottle"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "integrations.api.pagination.IdCursorPagination",
    "PAGE_SIZE": 50,
    "EXCEPTION_HANDLER": "integrations.api.errors.exception_handler",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
}
# Requests per API key (or per person without a key) in a sliding window: "requests/seconds".
API_RATE_LIMIT = env("API_RATE_LIMIT", default="600/60")
SPECTACULAR_SETTINGS = {
    "TITLE": "Junipeer partner API",
    "VERSION": "1.0.0",
    "DESCRIPTION": (
        "Onboard and run your shops' integrations. Authenticate with `Authorization: Bearer <key>`. "
        "Every error answers `{\"error\": {\"code\", \"message\", \"fields\"}}`; an unknown query parameter is a "
        "400; POSTs honour `Idempotency-Key`; settings need `If-Match` with the ETag of their GET; over the rate "
        "a key gets 429 with `Retry-After`."
    ),
    "SWAGGER_UI_DIST": "SIDECAR",  # served by the app itself (drf-spectacular-sidecar), no CDN
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "REDOC_UI_SETTINGS": {"hideDownloadButton": False, "theme": {"typography": {
        "fontFamily": "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif",
        "headings": {"fontFamily": "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif"}}}},
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "ENUM_NAME_OVERRIDES": {
        "FlowKindEnum": "integrations.models.core.Flow.Kind",
        "FlowTriggerEnum": "integrations.models.core.Flow.Trigger",
        "RunTriggerEnum": "integrations.models.runs.SyncRun.Trigger",
        "RunStatusEnum": "integrations.models.runs.SyncRun.Status",
        "RecordStatusEnum": "integrations.models.runs.SyncRecord.Status",
        "IntegrationStatusEnum": "integrations.models.core.Integration.Status",
        "DeliveryStatusEnum": "integrations.models.partner_api.PartnerWebhookDelivery.Status",
        "ResolutionEnum": [("resolved", "Resolved"), ("ignored", "Ignored")],
    },
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums", "integrations.api.schema.add_error_responses",
        "integrations.api.schema.portable_integer_bounds",
    ],
}

# Alert e-mails. EMAIL_URL (e.g. smtp+tls://user:password@smtp.example.com:587) sets the SMTP
# server; without it EMAIL_BACKEND decides, the console by default (the worker's log).
EMAIL_BACKEND = env(
    "EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend"
)
if env("EMAIL_URL", default=""):
    vars().update(env.email_url("EMAIL_URL"))
DEFAULT_FROM_EMAIL = SERVER_EMAIL = env("DEFAULT_FROM_EMAIL", default="junipeer@localhost")

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
# Invoices of one run pushed at once (threads), so a tenant's rate limit is filled even when its ERP
# answers slowly; the shared limiter keeps them under it. 1 pushes one at a time.
FLOW_PUSH_CONCURRENCY = env.int("FLOW_PUSH_CONCURRENCY", default=4)
# A run with more to do hands over to a new queued run between batches, once it has run this long,
# when a run of another flow waits for a worker: by default at its first batch boundary, so other
# shops wait one batch for a busy worker, not a backlog; with nothing else waiting it goes on, up
# to RUN_MAX_SECONDS (well within Q_TASK_TIMEOUT).
RUN_SLICE_SECONDS = env.float("RUN_SLICE_SECONDS", default=0.0)
RUN_MAX_SECONDS = env.float("RUN_MAX_SECONDS", default=min(300.0, Q_TASK_TIMEOUT / 3))

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
RETENTION_LOGIN_LOG_DAYS = env.int("RETENTION_LOGIN_LOG_DAYS", default=90)  # django-axes login logs (personal data)
# Partner API answers kept for Idempotency-Key replays (a day: a client's retries come within minutes).
RETENTION_IDEMPOTENCY_KEYS_DAYS = env.int("RETENTION_IDEMPOTENCY_KEYS_DAYS", default=1)
# Partner webhook deliveries (the delivery log); pending ones stay until their retries are done.
RETENTION_PARTNER_DELIVERIES_DAYS = env.int("RETENTION_PARTNER_DELIVERIES_DAYS", default=30)
RETENTION_BATCH_SIZE = env.int("RETENTION_BATCH_SIZE", default=500)
RETENTION_CRON = env("RETENTION_CRON", default="15 3 * * *")
# Webhook calls accepted per integration (requests/seconds); more answer 429 with Retry-After.
WEBHOOK_RATE_LIMIT = env("WEBHOOK_RATE_LIMIT", default="100/10")

# The staff console (django-unfold over the Django admin): its menu is built per request by
# integrations.admin.navigation (operations first, queue internals under System, the simulators only
# when the sandbox is on); the dashboard is the admin index. Every asset is served by the app.
UNFOLD = {
    "SITE_TITLE": "Junipeer console",
    "SITE_HEADER": "Junipeer",
    "SITE_SUBHEADER": "Staff console",
    "SITE_SYMBOL": "hub",
    "SHOW_HISTORY": True,
    "SHOW_VIEW_ON_SITE": False,
    "DASHBOARD_CALLBACK": "integrations.admin.dashboard.dashboard_callback",
    "STYLES": ["integrations.admin.navigation.console_css"],
    "SIDEBAR": {
        "show_search": False,
        "show_all_applications": False,
        "navigation": "integrations.admin.navigation.sidebar",
    },
}

# Shop owners' accounts (django-allauth, onboarding/): they sign up with their company, log in with
# their e-mail, which must be verified first (development prints the mail on the console).
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = env("ACCOUNT_EMAIL_VERIFICATION", default="mandatory")
ACCOUNT_SIGNUP_FORM_CLASS = "onboarding.forms.SignupForm"
ACCOUNT_ADAPTER = "onboarding.accounts.AccountAdapter"
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Junipeer] "
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "https" if PRODUCTION else "http"
LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/app/"
ACCOUNT_LOGOUT_REDIRECT_URL = "/accounts/login/"
# Junipeer's own OAuth2 app with each ERP that is reached with OAuth2, by connector kind, e.g.
# {"fortnox": {"client_id": "...", "client_secret": "..."}}: the wizard connects shops through it.
# Development defaults to the sandbox's demo Fortnox app (sandbox/demo.py FORTNOX_CLIENT_ID/SECRET; it
# registers no redirect URI, so the wizard's callback is accepted), so `make run` connects out of the box.
ERP_OAUTH_APPS = env.json("ERP_OAUTH_APPS", default={"fortnox": {
    "client_id": "junipeer-demo-client", "client_secret": "junipeer-demo-client-secret",
    "base_url": f"{SITE_URL}/sandbox/fortnox", "auth_url": f"{SITE_URL}/sandbox/fortnox",
}} if DJANGO_ENV == "development" else {})
