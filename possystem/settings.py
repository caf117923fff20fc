"""Settings for every environment, read from the process environment.

`DJANGO_ENV=production` switches on the deployment posture (DEBUG off, secrets required, secure
cookies, HSTS). Without it the project runs as a developer's machine expects: SQLite and an
embedded Celery broker unless `DATABASE_URL` and `REDIS_URL` say otherwise. Every setting is listed
in `.env.example`.
"""

from datetime import time, timedelta
from decimal import Decimal
from pathlib import Path

import environ
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
if (BASE_DIR / ".env").exists():
    environ.Env.read_env(BASE_DIR / ".env")

ENVIRONMENT = env.str("DJANGO_ENV", default="development")
if ENVIRONMENT not in {"development", "production"}:
    raise ImproperlyConfigured(f"DJANGO_ENV must be 'development' or 'production', not {ENVIRONMENT!r}")
PRODUCTION = ENVIRONMENT == "production"

DEBUG = env.bool("DJANGO_DEBUG", default=not PRODUCTION)
if PRODUCTION and DEBUG:
    raise ImproperlyConfigured("DJANGO_DEBUG cannot be on with DJANGO_ENV=production")

if PRODUCTION:
    SECRET_KEY = env.str("DJANGO_SECRET_KEY")
    ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS")
    if len(SECRET_KEY) < 50:
        raise ImproperlyConfigured("DJANGO_SECRET_KEY must be at least 50 characters in production")
else:
    # Development only: a fixed key so sessions survive restarts on a developer's machine.
    SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="development-only-key-never-used-in-production-0123456789")
    ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]", "testserver"])

CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework_api_key",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "axes",
    "accounts",
    "devices",
    "warranty",
    "technicians",
    "tickets",
    "sla",
    "notifications",
    "api",
    "webhooks",
    "stock",
    "dashboard",
    "ops",
    "demo",
]

MIDDLEWARE = [
    # First, so the latency it records covers every other middleware too.
    "ops.middleware.RequestLatencyMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_permissions_policy.PermissionsPolicyMiddleware",
    "possystem.middleware.NoStoreMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    # After the language is chosen (its refusals speak the user's language), before anything reads
    # the body (CSRF reads the form).
    "possystem.middleware.RequestGuardMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes requires: it turns a locked-out sign-in into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "possystem.urls"
WSGI_APPLICATION = "possystem.wsgi.application"

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
                "django.template.context_processors.i18n",
                "accounts.context_processors.header",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
# PostgreSQL (psycopg2) in production and in the tests; SQLite for the embedded quick start.
DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Web, worker and beat share the file: wait for locks instead of failing, write-ahead log so
    # readers do not block the writer, and take the write lock when a transaction starts.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 30,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
else:
    DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("DATABASE_CONN_MAX_AGE", default=60))
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    # PostgreSQL's JIT compiles a query's expressions when its estimated cost is high: 40 ms spent
    # before the dashboard's sums over a few thousand running tickets, which then take 20 ms, and
    # nothing here runs long enough to win it back. Off for the project's connections; with
    # DATABASE_JIT=on the server's setting applies (a pooler that refuses startup options, such as
    # PgBouncer by default, needs `jit = off` in postgresql.conf instead: README, PostgreSQL settings).
    if not env.bool("DATABASE_JIT", default=False):
        DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c jit=off"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
# django-axes first: it refuses a locked-out account or address before the password is checked.
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "django.contrib.auth.backends.ModelBackend"]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "accounts:login"
# A password-reset link works for an hour (and only until the password is changed).
PASSWORD_RESET_TIMEOUT = int(timedelta(hours=1).total_seconds())

# --- Sign-in lockout (django-axes) ------------------------------------------------------------
# After AUTH_LOCKOUT_FAILURES failed sign-ins for one username, or from one address, further tries
# are refused for AUTH_LOCKOUT_MINUTES (each try meanwhile restarts the wait), on the site and in the
# admin alike. An admin unlocks sooner by deleting the access attempts in the admin (Axes) or with
# `manage.py axes_reset_username <name>`; a password reset by e-mail unlocks the account too.
AXES_FAILURE_LIMIT = env.int("AUTH_LOCKOUT_FAILURES", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AUTH_LOCKOUT_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "accounts.views.locked_out"
AXES_CLIENT_IP_CALLABLE = "possystem.client.client_ip"
AXES_VERBOSE = False
# The site's own audit log (accounts.AuditEntry) records sign-ins; axes keeps only the failures it counts.
AXES_DISABLE_ACCESS_LOG = True
# How many reverse proxies in front of the web processes append to X-Forwarded-For; 0 trusts the
# connection's address. Lockouts and rates per address count the address this yields.
TRUSTED_PROXY_COUNT = env.int("DJANGO_TRUSTED_PROXY_COUNT", default=0)

# --- Language and time ------------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# --- Static and uploaded files ----------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
# Outside production whitenoise serves straight from the apps' static folders (no collectstatic).
WHITENOISE_USE_FINDERS = not PRODUCTION
WHITENOISE_AUTOREFRESH = not PRODUCTION
# Uploaded photos are private: they are never served from MEDIA_URL, only through views that
# check the caller's scope.
MEDIA_ROOT = env.path("MEDIA_ROOT", default=VAR_DIR / "media")
MEDIA_URL = "/media/"
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
# Form fields other than files (Django's default); files are bounded by REQUEST_MAX_BYTES below.
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440

# --- Cache (API throttling shares it across web processes) ----------------------------------------
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "possystem.cache.RedisCache",
            "LOCATION": env.str("CACHE_URL", default="") or REDIS_URL,  # blank means REDIS_URL
            "KEY_PREFIX": env.str("CACHE_KEY_PREFIX", default="possystem"),
            # A cache that stops answering costs a request a second at most (the API's rates then
            # fail open, see api.throttling), never a hung web process.
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- Celery -------------------------------------------------------------------------------------
# Redis when REDIS_URL (or CELERY_BROKER_URL) is set; otherwise kombu's filesystem transport, a real
# broker that needs no server, so the quick start runs a real worker and beat.
# (The filesystem URL names a host only so that kombu does not warn that it has none.)
# A blank CELERY_BROKER_URL (as .env.example has it) means "the default", not "no broker".
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="") or REDIS_URL or "filesystem://localhost/"
if CELERY_BROKER_URL.startswith("filesystem://"):
    _broker_dir = VAR_DIR / "broker"
    for _folder in ("queue", "processed", "control"):
        (_broker_dir / _folder).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "queue"),
        "data_folder_out": str(_broker_dir / "queue"),
        "processed_folder": str(_broker_dir / "processed"),
        # The exchange tables; kombu's default is a `control` folder in the working directory.
        "control_folder": str(_broker_dir / "control"),
        "store_processed": False,
    }
else:
    # Unacknowledged messages come back after this long (late ack below); it must exceed the
    # longest task, and no task here runs for more than a few seconds.
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=300)}
CELERY_TASK_ALWAYS_EAGER = False
CELERY_TASK_IGNORE_RESULT = True
CELERY_RESULT_BACKEND = None
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_DEFAULT_QUEUE = env.str("CELERY_QUEUE", default="possystem")
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
CELERY_BEAT_SCHEDULER = "possystem.celery.Scheduler"
# The SLA scanner runs this often; an escalation goes out at most about this long after it is due.
# An idle pass is one indexed query (a millisecond or two), so it can run twice a second.
SLA_SCAN_INTERVAL_SECONDS = env.float("SLA_SCAN_INTERVAL_SECONDS", default=0.5)
# Due checks claimed per transaction: small enough to keep row locks short.
SLA_SCAN_BATCH_SIZE = env.int("SLA_SCAN_BATCH_SIZE", default=200)
# Outbox deliveries: how long a worker may hold one while sending, and how long one may sit unsent
# before the sweeper enqueues it again (the broker lost it, or it was never enqueued).
NOTIFICATION_LEASE_SECONDS = env.int("NOTIFICATION_LEASE_SECONDS", default=120)
NOTIFICATION_REQUEUE_AFTER_SECONDS = env.int("NOTIFICATION_REQUEUE_AFTER_SECONDS", default=30)
_sla_periods = (SLA_SCAN_INTERVAL_SECONDS, SLA_SCAN_BATCH_SIZE, NOTIFICATION_LEASE_SECONDS)
if min(*_sla_periods, NOTIFICATION_REQUEUE_AFTER_SECONDS) <= 0:
    raise ImproperlyConfigured("SLA_SCAN_* and NOTIFICATION_* settings must be positive")
# --- Operations (ops app) -------------------------------------------------------------------------
# Prometheus scrapes /metrics with "Authorization: Bearer <METRICS_TOKEN>"; unset, /metrics is a 404.
METRICS_TOKEN = env.str("METRICS_TOKEN", default="")
# /readyz fails its beat check when the SLA scanner's last pass is older than this.
# Blank (as .env.example has it) means the default.
READY_SCAN_MAX_AGE_SECONDS = float(
    env.str("READY_SCAN_MAX_AGE_SECONDS", default="") or max(60.0, 6 * SLA_SCAN_INTERVAL_SECONDS)
)
if READY_SCAN_MAX_AGE_SECONDS <= SLA_SCAN_INTERVAL_SECONDS:
    raise ImproperlyConfigured("READY_SCAN_MAX_AGE_SECONDS must be longer than SLA_SCAN_INTERVAL_SECONDS")
CELERY_BEAT_SCHEDULE = {
    "tickets-close-rated-or-stale": {
        "task": "tickets.close_resolved",
        "schedule": crontab(minute="*/10"),
    },
    # Reminds pending quotes once, then lets them lapse (tickets.quotes.quotes_follow_up).
    "tickets-quotes-follow-up": {"task": "tickets.quotes_follow_up", "schedule": crontab(minute="*/15")},
    # Loaners out longer than LOAN_REMIND_AFTER_DAYS: the dispatchers hear of each once.
    "tickets-remind-loans": {"task": "tickets.remind_loans", "schedule": crontab(minute=7)},
    # Webhook retries are rows the scanner finds, never ETA tasks (webhooks.services).
    "webhooks-deliver-due": {"task": "webhooks.deliver_due", "schedule": 30.0},
    "api-purge-idempotency-keys": {"task": "api.purge_idempotency_keys", "schedule": crontab(minute=17)},
    # Sessions past their expiry leave the database once a night (accounts.services).
    "accounts-clear-sessions": {"task": "accounts.clear_sessions", "schedule": crontab(minute=23, hour=3)},
    # A scan that waited longer than one interval in the queue is dropped: the next one is coming.
    "sla-scan": {
        "task": "sla.scan",
        "schedule": SLA_SCAN_INTERVAL_SECONDS,
        "options": {"expires": SLA_SCAN_INTERVAL_SECONDS},
    },
    "notifications-requeue": {
        "task": "notifications.requeue",
        "schedule": float(NOTIFICATION_REQUEUE_AFTER_SECONDS),
        "options": {"expires": float(NOTIFICATION_REQUEUE_AFTER_SECONDS)},
    },
    # Exports: a job whose worker died is started again (or given up on), old files are deleted.
    "dashboard-exports-sweep": {"task": "dashboard.exports_sweep", "schedule": 60.0, "options": {"expires": 60.0}},
    # The dashboard's daily roll-ups: the days writes have marked stale are built again.
    "dashboard-rollups-refresh": {
        "task": "dashboard.rollups_refresh",
        "schedule": 30.0,
        "options": {"expires": 30.0},
    },
    # Open tickets now, counted by status and SLA state for the dashboard (dashboard.open_tickets).
    "dashboard-open-snapshot": {"task": "dashboard.open_snapshot", "schedule": 30.0, "options": {"expires": 30.0}},
    # Monday 08:00 in CELERY_TIMEZONE (Asia/Shanghai): last week's summary to every manager.
    "dashboard-weekly-summary": {
        "task": "dashboard.weekly_summary",
        "schedule": crontab(minute=0, hour=8, day_of_week="mon"),
    },
}

# --- Mail -------------------------------------------------------------------------------------------
EMAIL_BACKEND = env.str(
    "EMAIL_BACKEND",
    default="django.core.mail.backends.smtp.EmailBackend"
    if PRODUCTION
    else "django.core.mail.backends.console.EmailBackend",
)
EMAIL_HOST = env.str("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env.str("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
# Where the file backend (django.core.mail.backends.filebased, the quick start's) writes e-mails.
EMAIL_FILE_PATH = env.path("EMAIL_FILE_PATH", default=VAR_DIR / "mail")
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="service@possystem.example")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Product rules ------------------------------------------------------------------------------------
# A resolved ticket closes itself this many days after resolution when the merchant has not rated it.
TICKET_AUTO_CLOSE_DAYS = env.int("TICKET_AUTO_CLOSE_DAYS", default=7)
# The merchant may say "not fixed" (and the ticket reopens) this many days after the repair.
TICKET_REOPEN_DAYS = env.int("TICKET_REOPEN_DAYS", default=3)
# A loaner terminal still with the merchant this many days after it was lent is reminded to the
# dispatchers (once).
LOAN_REMIND_AFTER_DAYS = env.int("LOAN_REMIND_AFTER_DAYS", default=14)
TICKET_PHOTO_MAX_BYTES = env.int("TICKET_PHOTO_MAX_BYTES", default=5 * 1024 * 1024)
TICKET_PHOTO_MAX_COUNT = 5
# A photo's width × height: a tiny file can hold a huge image that takes seconds and gigabytes to open.
TICKET_PHOTO_MAX_PIXELS = env.int("TICKET_PHOTO_MAX_PIXELS", default=40_000_000)
# The largest request body a page accepts (a full set of photos and the form) and the largest the
# API accepts (JSON); a request that declares more is refused with 413 before its body is read.
REQUEST_MAX_BYTES = TICKET_PHOTO_MAX_COUNT * TICKET_PHOTO_MAX_BYTES + 1024 * 1024
API_REQUEST_MAX_BYTES = env.int("API_REQUEST_MAX_BYTES", default=1024 * 1024)
# A technician's check-in carries the ticket's confirmation code; this many wrong codes in a row lock
# check-in for that ticket for this many minutes.
VISIT_CODE_MAX_ATTEMPTS = env.int("VISIT_CODE_MAX_ATTEMPTS", default=5)
VISIT_CODE_LOCKOUT_MINUTES = env.int("VISIT_CODE_LOCKOUT_MINUTES", default=15)
if min(TICKET_REOPEN_DAYS, VISIT_CODE_MAX_ATTEMPTS, VISIT_CODE_LOCKOUT_MINUTES, LOAN_REMIND_AFTER_DAYS) < 1:
    raise ImproperlyConfigured("TICKET_REOPEN_DAYS, LOAN_REMIND_AFTER_DAYS and VISIT_CODE_* settings must be 1 or more")
# Quotes: labour is priced at LABOUR_RATE_CNY per LABOUR_RATE_UNIT ("visit" or "hour"); parts at
# their list price. PRICES_INCLUDE_TAX says whether these prices include VAT at VAT_RATE_PERCENT.
# A quote the merchant has not answered is reminded once after QUOTE_REMIND_AFTER_DAYS and lapses
# (declined, the ticket returned unrepaired) after QUOTE_LAPSE_AFTER_DAYS.
LABOUR_RATE_CNY = env.str("LABOUR_RATE_CNY", default="80.00")
LABOUR_RATE_UNIT = env.str("LABOUR_RATE_UNIT", default="visit")
PRICES_INCLUDE_TAX = env.bool("PRICES_INCLUDE_TAX", default=True)
VAT_RATE_PERCENT = env.str("VAT_RATE_PERCENT", default="13")
QUOTE_REMIND_AFTER_DAYS = env.int("QUOTE_REMIND_AFTER_DAYS", default=2)
QUOTE_LAPSE_AFTER_DAYS = env.int("QUOTE_LAPSE_AFTER_DAYS", default=5)
try:
    LABOUR_RATE_CNY = Decimal(LABOUR_RATE_CNY).quantize(Decimal("0.01"))
    VAT_RATE_PERCENT = Decimal(VAT_RATE_PERCENT).quantize(Decimal("0.01"))
except ArithmeticError as error:
    raise ImproperlyConfigured("LABOUR_RATE_CNY and VAT_RATE_PERCENT must be decimal numbers") from error
if LABOUR_RATE_CNY < 0 or not 0 <= VAT_RATE_PERCENT < 100 or LABOUR_RATE_UNIT not in ("visit", "hour"):
    raise ImproperlyConfigured(
        "LABOUR_RATE_CNY must be 0 or more, VAT_RATE_PERCENT 0-99, LABOUR_RATE_UNIT visit or hour"
    )
if not 1 <= QUOTE_REMIND_AFTER_DAYS < QUOTE_LAPSE_AFTER_DAYS:
    raise ImproperlyConfigured("QUOTE_REMIND_AFTER_DAYS must be 1 or more and less than QUOTE_LAPSE_AFTER_DAYS")
# Business hours for SLA policies that count business hours only ("HH:MM-HH:MM", local time).
SLA_BUSINESS_HOURS = env.str("SLA_BUSINESS_HOURS", default="09:00-18:00")
try:
    SLA_BUSINESS_OPENS, SLA_BUSINESS_CLOSES = (time.fromisoformat(part) for part in SLA_BUSINESS_HOURS.split("-"))
except ValueError as error:
    raise ImproperlyConfigured(f"SLA_BUSINESS_HOURS must look like 09:00-18:00, not {SLA_BUSINESS_HOURS!r}") from error
if SLA_BUSINESS_OPENS >= SLA_BUSINESS_CLOSES:
    raise ImproperlyConfigured("SLA_BUSINESS_HOURS must open before it closes")

# --- Exports (dashboard) ----------------------------------------------------------------------------
# A view's tickets up to this many rows download at once; more are written by a worker (a job with
# its progress and a download link), so a web process never spends minutes on one request.
EXPORT_BACKGROUND_ROWS = env.int("EXPORT_BACKGROUND_ROWS", default=5000)
# Files written by workers are kept this many days, then deleted (beat: dashboard.exports_sweep).
EXPORT_KEEP_DAYS = env.int("EXPORT_KEEP_DAYS", default=7)
# A running export reports progress at least this often; one silent for longer lost its worker and
# is started again, at most EXPORT_MAX_ATTEMPTS times in all.
EXPORT_LEASE_SECONDS = env.int("EXPORT_LEASE_SECONDS", default=120)
EXPORT_MAX_ATTEMPTS = env.int("EXPORT_MAX_ATTEMPTS", default=3)
if min(EXPORT_BACKGROUND_ROWS, EXPORT_KEEP_DAYS, EXPORT_LEASE_SECONDS, EXPORT_MAX_ATTEMPTS) < 1:
    raise ImproperlyConfigured("EXPORT_* settings must be 1 or more")

# --- REST API ---------------------------------------------------------------------------------------
# Partners send `Authorization: Api-Key <key>` (api.authentication); browser users their session.
# JSON in and out; errors as RFC 9457 problem details (api.problems); cursor pages (api.pagination).
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "api.authentication.ApiKeyAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_THROTTLE_CLASSES": ["api.throttling.ApiRateThrottle"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["api.parsers.JSONParser"],
    "DEFAULT_PAGINATION_CLASS": "api.pagination.CursorPage",
    "EXCEPTION_HANDLER": "api.problems.exception_handler",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "NUM_PROXIES": TRUSTED_PROXY_COUNT,
}
# Requests per period ("600/min", "20000/hour"): per partner key (an admin may set a key's own
# rate), per signed-in user, per anonymous address. Over the rate: 429 with Retry-After.
API_THROTTLE_RATES = {
    "key": env.str("API_THROTTLE_KEY_RATE", default="600/min"),
    "user": env.str("API_THROTTLE_USER_RATE", default="600/min"),
    "anon": env.str("API_THROTTLE_ANON_RATE", default="60/min"),
}
# Wrong API keys per address: past this rate every API-key request from the address answers 429.
API_KEY_FAILURE_RATE = env.str("API_KEY_FAILURE_RATE", default="10/min")
# How long an Idempotency-Key's first answer is kept and replayed.
API_IDEMPOTENCY_TTL = timedelta(hours=24)
SPECTACULAR_SETTINGS = {
    "TITLE": "POS after-sales service API",
    "DESCRIPTION": (
        "Partner API v1: merchants, terminals, warranty, tickets, webhooks. Authenticate with "
        "`Authorization: Api-Key <key>`. Errors are `application/problem+json` (RFC 9457). Lists use "
        "cursor pagination (`next`/`previous`). Every POST accepts an `Idempotency-Key`."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "api.schema.add_problems",
    ],
    # One name per choice set, so clients generate one type per set.
    "ENUM_NAME_OVERRIDES": {
        "TicketStatusEnum": "tickets.models.Status",
        "TicketKindEnum": "tickets.models.Kind",
        "TicketEventKindEnum": "tickets.models.TicketEvent.Kind",
        "DeviceStatusEnum": "devices.models.Device.Status",
        "DeviceModelKindEnum": "devices.models.DeviceModel.Kind",
        "WebhookEventEnum": "webhooks.models.Event",
        "WebhookDeliveryStatusEnum": "webhooks.models.WebhookDelivery.Status",
        "QuoteStatusEnum": "tickets.models.Quote.Status",
        "QuoteLineKindEnum": "tickets.models.QuoteLine.Kind",
        "QuoteLineUnitEnum": "tickets.models.QuoteLine.Unit",
    },
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

# --- Webhooks -----------------------------------------------------------------------------------------
# Seconds to connect and to wait for the answer; retries back off from BASE doubling up to MAX seconds
# and stop RETRY_FOR after the event.
WEBHOOK_CONNECT_TIMEOUT = env.float("WEBHOOK_CONNECT_TIMEOUT", default=3.0)
WEBHOOK_TIMEOUT = env.float("WEBHOOK_TIMEOUT", default=10.0)
WEBHOOK_RETRY_BASE_SECONDS = env.int("WEBHOOK_RETRY_BASE_SECONDS", default=30)
WEBHOOK_RETRY_MAX_SECONDS = env.int("WEBHOOK_RETRY_MAX_SECONDS", default=3600)
WEBHOOK_RETRY_FOR = timedelta(hours=env.int("WEBHOOK_RETRY_HOURS", default=24))
# Production refuses plain http and addresses inside the network (loopback, private ranges).
WEBHOOK_REQUIRE_HTTPS = env.bool("WEBHOOK_REQUIRE_HTTPS", default=PRODUCTION)
WEBHOOK_ALLOW_PRIVATE_TARGETS = env.bool("WEBHOOK_ALLOW_PRIVATE_TARGETS", default=not PRODUCTION)

# --- Security -------------------------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
# With a shared cache, sessions are read from it and kept in the database too (possystem.sessions):
# no SQL query for the session on a signed-in page, and a cache outage or restart signs nobody out.
# A process-local cache would keep a signed-out session alive in the other processes: database only.
SESSION_ENGINE = "possystem.sessions" if REDIS_URL else "django.contrib.sessions.backends.db"
SESSION_COOKIE_AGE = int(timedelta(days=14).total_seconds())
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
# Content-Security-Policy (django-csp): scripts, styles, fonts and images only from the site itself
# (no inline script or style anywhere); data: images are the icons Swagger UI draws at /api/docs/.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}
# Browser features: the camera (scanning a serial number) and geolocation (checking in on site) for
# the site's own pages only; the rest of the powerful features for nobody.
PERMISSIONS_POLICY = {
    "camera": ["self"],
    "geolocation": ["self"],
    "microphone": [],
    "payment": [],
    "usb": [],
    "serial": [],
    "bluetooth": [],
    "hid": [],
    "midi": [],
    "display-capture": [],
    "accelerometer": [],
    "gyroscope": [],
    "magnetometer": [],
}
if PRODUCTION:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
    SECURE_HSTS_SECONDS = env.int("DJANGO_HSTS_SECONDS", default=int(timedelta(days=365).total_seconds()))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    # Behind a TLS-terminating proxy that sets X-Forwarded-Proto.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    # The health checks and the metrics are probed over plain HTTP inside the cluster.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$", r"^metrics$"]

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        # Celery's line per task received and finished, and beat's per task sent: every few seconds
        # for the SLA scanner. The quick start sets WARNING (failures still show).
        **{
            name: {"level": env.str("CELERY_TASK_LOG_LEVEL", default="INFO")}
            for name in ("celery.app.trace", "celery.worker.strategy", "celery.worker.request", "celery.beat")
        },
        # runserver prints the same line itself.
        "django.utils.autoreload": {"level": "WARNING"},
        # django-axes logs every sign-in at INFO; lockouts (WARNING) and the audit log are what matter.
        "axes": {"level": "WARNING"},
    },
}
