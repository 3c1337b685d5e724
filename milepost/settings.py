"""Milepost settings: everything comes from the environment, with safe defaults.

Two profiles: development (the default) and production (``MILEPOST_ENV=production``).
Every variable is documented in the README under "Configuration".
"""

from __future__ import annotations

import secrets
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(environ.Env().str("MILEPOST_VAR_DIR", default=str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)

env = environ.Env()
MILEPOST_ENV = env.str("MILEPOST_ENV", default="development")
if MILEPOST_ENV not in {"development", "production"}:
    raise ImproperlyConfigured("MILEPOST_ENV must be 'development' or 'production'.")
PRODUCTION = MILEPOST_ENV == "production"


def _development_secret_key() -> str:
    """Generate a secret key once and keep it in var/, so sessions survive restarts."""
    path = VAR_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(64))
        path.chmod(0o600)
    return path.read_text().strip()


if PRODUCTION:
    SECRET_KEY = env.str("SECRET_KEY", default="")
    if len(SECRET_KEY) < 50:
        raise ImproperlyConfigured(
            "SECRET_KEY must be set to a random string of at least 50 characters in production."
        )
else:
    SECRET_KEY = env.str("SECRET_KEY", default="") or _development_secret_key()

DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS = env.list(
    "ALLOWED_HOSTS", default=[] if PRODUCTION else ["127.0.0.1", "localhost", "[::1]"]
)
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
# Links in emails and the calendar address start with SITE_URL. Unset, they point where
# `make run` serves (PORT, 8000 by default), so a server on another port links to itself.
_PORT = env.int("PORT", default=8000)
SITE_URL = env.str("SITE_URL", default="" if PRODUCTION else f"http://127.0.0.1:{_PORT}").rstrip(
    "/"
)
if not SITE_URL.startswith(("http://", "https://")):
    raise ImproperlyConfigured(
        "SITE_URL must be set to the public address, e.g. https://milepost.example.com: "
        "links in emails and calendar addresses start with it."
    )

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "milepost.core",
    "milepost.accounts",
    "milepost.audit",
    "milepost.mail",
    "milepost.plans",
    "milepost.reviews",
    "milepost.billing",
    "milepost.forecast",
    "milepost.notify",
    "django_tasks",
    "django_tasks_db",
    "milepost.api",
    "milepost.web",
    "milepost.demo",
    "milepost.integrations",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "milepost.web.middleware.RequestSizeLimitMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "milepost.accounts.middleware.CurrentOrganisationMiddleware",
    "milepost.web.middleware.DomainErrorMiddleware",
]

ROOT_URLCONF = "milepost.urls"
WSGI_APPLICATION = "milepost.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "milepost.web.context_processors.navigation",
            ],
        },
    },
]
# Form widgets render with Django's own Jinja2 widget templates: the same HTML, several times
# faster than the template-language versions on pages with long pickers (docs/decisions.md).
FORM_RENDERER = "django.forms.renderers.Jinja2"

# --- Database ---------------------------------------------------------------------------------
DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'milepost.sqlite3'}")
}
_db = DATABASES["default"]
if _db["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers run beside a writer; IMMEDIATE takes the write lock at BEGIN so two
    # writers queue on the busy timeout instead of failing with "database is locked".
    _db["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": (
            "PRAGMA journal_mode=WAL;PRAGMA synchronous=NORMAL;PRAGMA foreign_keys=ON;"
        ),
    }
    # A file, not memory: concurrency tests need real locking between connections.
    _db["TEST"] = {"NAME": env.str("MILEPOST_TEST_DB", default=str(VAR_DIR / "test.sqlite3"))}
if _db["ENGINE"] == "django.db.backends.postgresql" and env.bool(
    "DB_PREPARED_STATEMENTS", default=True
):
    # Prepared statements: psycopg prepares a statement a connection runs for the fifth time, so
    # PostgreSQL stops planning the same page queries again and again (planning them cost more
    # than running them). Set DB_PREPARED_STATEMENTS=false behind a pooler that cannot carry
    # them (PgBouncer before 1.21 in transaction mode). See docs/decisions.md, D22.
    _db.setdefault("OPTIONS", {}).update(server_side_binding=True, prepare_threshold=5)
# Persistent connections: opening one per request costs more than most queries.
_db["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=600)
_db["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

CACHES = {"default": env.cache_url("CACHE_URL", default="locmemcache://milepost")}

# --- Accounts -----------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator",
        "OPTIONS": {"user_attributes": ("email", "name")},
    },
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "web:login"
LOGIN_REDIRECT_URL = "web:dashboard"
LOGOUT_REDIRECT_URL = "web:login"
PASSWORD_RESET_TIMEOUT = 60 * 60 * 24
INVITATION_DAYS = 7
# Login and password reset are throttled per account (the email, as login spells it) and, more
# loosely, per client address; over a limit they answer 429 (milepost/web/throttle.py).
LOGIN_RATE = env.str("LOGIN_RATE", default="10/m")
LOGIN_ADDRESS_RATE = env.str("LOGIN_ADDRESS_RATE", default="50/m")
PASSWORD_RESET_RATE = env.str("PASSWORD_RESET_RATE", default="5/h")
PASSWORD_RESET_ADDRESS_RATE = env.str("PASSWORD_RESET_ADDRESS_RATE", default="20/h")
# The client's address is the socket's peer unless proxies are trusted: with n TLS proxies in
# front, each appending to TRUSTED_PROXY_HEADER, the n-th entry from the right is the client.
# Never trust the header without a proxy that sets it: anyone can send X-Forwarded-For.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
TRUSTED_PROXY_HEADER = env.str("TRUSTED_PROXY_HEADER", default="X-Forwarded-For")

# --- Internationalisation -----------------------------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "milepost" / "locale"]
FORMAT_MODULE_PATH = ["milepost.formats"]
TIME_ZONE = env.str("TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

# --- Static and uploaded files ------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(VAR_DIR / "media")))
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
WHITENOISE_USE_FINDERS = not PRODUCTION
WHITENOISE_AUTOREFRESH = not PRODUCTION
# Bodies other than uploads larger than this are refused with 413 (uploads: MAX_REQUEST_MB).
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("DATA_UPLOAD_MAX_MEMORY_SIZE", default=1024 * 1024)

# --- Email --------------------------------------------------------------------------------------
MAIL_DIR = VAR_DIR / "mail"
if env.str("EMAIL_URL", default=""):
    vars().update(env.email_url("EMAIL_URL"))
else:
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = str(MAIL_DIR)
# Seconds an SMTP connection may wait for the server (connect, each answer). Without a limit a
# server that accepts and never answers holds the worker and the scheduler for good; an email
# that times out stays in the outbox and is retried.
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=10)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Milepost <milepost@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- API ----------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "milepost.api.authentication.BearerTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "milepost.api.pagination.PageNumberPagination",
    "PAGE_SIZE": 25,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "milepost.api.errors.exception_handler",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["milepost.api.parsers.JSONParser"],
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    "COERCE_DECIMAL_TO_STRING": True,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Milepost API",
    "DESCRIPTION": "Milestone plans, reviews, approvals and invoices for fixed-budget projects.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {
        "ProjectStatusEnum": "milepost.plans.models.ProjectStatus",
        "MilestoneStatusEnum": "milepost.plans.models.MilestoneStatus",
        "VerdictStatusEnum": "milepost.reviews.models.Verdict.Status",
        "SupportRequestStatusEnum": "milepost.reviews.models.SupportRequest.Status",
        "InvoiceStatusEnum": "milepost.billing.models.InvoiceStatus",
        "InvoiceKindEnum": "milepost.billing.models.InvoiceKind",
        "EntryKindEnum": "milepost.reviews.models.Entry.Kind",
        "OrganisationRoleEnum": "milepost.accounts.models.Role",
        "AccessRoleEnum": "milepost.plans.models.AccessRole",
        "ChangeKindEnum": "milepost.api.version_serializers.KINDS",
        "ChangeOrderStatusEnum": "milepost.plans.models.ChangeOrderStatus",
        "ChangeOrderRequestStatusEnum": "milepost.plans.models.ChangeOrderRequest.Status",
        "WebhookEventTypeEnum": "milepost.integrations.public.PAYLOAD_TYPES",
    },
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "milepost.api.schema.add_common_errors",
        # The events the webhooks send, as x-webhooks (OpenAPI 3.1's webhooks in a 3.0 document).
        "milepost.integrations.schema.add_webhooks",
    ],
}

# --- Security -----------------------------------------------------------------------------------
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
if PRODUCTION:
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=True)
    CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=True)
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)
    SECURE_REFERRER_POLICY = "same-origin"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}

# --- Uploads ------------------------------------------------------------------------------------
MAX_UPLOAD_MB = env.int("MAX_UPLOAD_MB", default=25)
MAX_FILES_PER_UPLOAD = 10
# A multipart body larger than this is refused from its Content-Length, before it is read
# (web/middleware.RequestSizeLimitMiddleware); by default the most files one form can carry.
MAX_REQUEST_MB = env.int("MAX_REQUEST_MB", default=MAX_UPLOAD_MB * MAX_FILES_PER_UPLOAD + 1)
# What the files of one project may take in all (deliveries, comments, support requests).
PROJECT_STORAGE_QUOTA_MB = env.int("PROJECT_STORAGE_QUOTA_MB", default=2048)
# The first handler parses uploads so that a file Django would drop ("..") is refused by name.
FILE_UPLOAD_HANDLERS = [
    "milepost.core.uploads.NamingUploadHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]

# --- Card payments (Stripe): off until both keys are set -----------------------------------------
STRIPE_SECRET_KEY = env.str("STRIPE_SECRET_KEY", default="")
STRIPE_WEBHOOK_SECRET = env.str("STRIPE_WEBHOOK_SECRET", default="")
STRIPE_WEBHOOK_TOLERANCE = 300

# --- Outbound webhooks (docs/webhooks.md) --------------------------------------------------------
# Hosts webhooks may reach although they resolve to a loopback or private address, over plain
# http too (comma-separated: "127.0.0.1,hooks.internal"). Empty: https to public addresses only.
WEBHOOK_ALLOWED_HOSTS = env.list("WEBHOOK_ALLOWED_HOSTS", default=[])

# --- Background work ----------------------------------------------------------------------------
# Tasks run in `manage.py run_worker` (which also runs the scheduler every minute).
TASKS = {
    "default": {"BACKEND": env.str("TASKS_BACKEND", default="django_tasks_db.DatabaseBackend")}
}
SCHEDULER_INTERVAL_SECONDS = env.int("SCHEDULER_INTERVAL_SECONDS", default=60)
# A task row RUNNING longer than this was left by a worker that died: it is queued again (at
# worker start and by the scheduler), or failed once this many workers have claimed it.
TASK_LEASE_SECONDS = env.int("TASK_LEASE_SECONDS", default=300)
TASK_MAX_ATTEMPTS = env.int("TASK_MAX_ATTEMPTS", default=3)
EMAIL_MAX_ATTEMPTS = 6
