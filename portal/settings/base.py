"""Settings shared by every environment. Local defaults need nothing installed but Python."""

import os
from datetime import timedelta
from pathlib import Path

from celery.schedules import crontab
from django.utils.translation import gettext_lazy as _

from portal.env import BASE_DIR, env

VAR_DIR = Path(env.str("PORTAL_VAR_DIR", default=str(BASE_DIR / "var")))

SECRET_KEY = env.str("SECRET_KEY", default="local-development-only-not-secret-1fd8a2c7b94e")
DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

# The public address of the portal, used for links in e-mails (no request exists in a task).
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "portal.admin_site.PortalAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "crispy_forms",
    "crispy_bootstrap5",
    "axes",
    "csp",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "portal",
    "regions",
    "inventories",
    "reminders",
    "staff",
    "records",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "portal.middleware.SessionRefreshMiddleware",
    # Sessions signed in through Django's ModelBackend name portal.auth's instead (once each).
    "portal.auth.LegacyBackendPathMiddleware",
    "portal.middleware.SwedishFirstMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    # A NUL in the query string gets the 400 page (PostgreSQL refuses NUL in any text).
    "portal.middleware.NullCharacterRefusalMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # request.user.is_verified(): has this session passed the second factor (staff)?
    "portal.auth.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    # django-axes must be last.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "portal.urls"
WSGI_APPLICATION = "portal.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "portal.context_processors.portal",
            ],
        },
    },
]

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
# PostgreSQL: the compiled queries (portal.compiled) are prepared statements, planned once per
# connection. Off behind a pooler in transaction mode (PgBouncer), where they cannot be.
PREPARED_STATEMENTS = env.bool("PREPARED_STATEMENTS", default=True)
# SQLite (make run): wait up to 20 s for a writer instead of failing at once, and take the write
# lock when a transaction begins (BEGIN IMMEDIATE). A deferred transaction that reads first and
# writes later cannot wait for another writer: SQLite answers "database is locked" at once.
SQLITE_OPTIONS = {"timeout": 20, "transaction_mode": "IMMEDIATE"}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    for _option, _value in SQLITE_OPTIONS.items():
        DATABASES["default"].setdefault("OPTIONS", {}).setdefault(_option, _value)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "portal.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    # Django's ModelBackend with the signed-in user read by a compiled query (portal/auth.py).
    "portal.auth.ModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
CSRF_FAILURE_VIEW = "portal.views.csrf_failure"

# The largest legal form is Del 1: six texts of 10,000 characters and 100 budget rows of
# 200 + 20 characters, 82,000 characters. Percent-encoded four-byte characters take 12 bytes
# each: at most about 1 MB. Twice that is the limit; a larger body gets the Swedish 413 page.
DATA_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
PASSWORD_RESET_TIMEOUT = 60 * 60 * 24 * 3

# Sessions: short and sliding; the long forms warn before the session ends. A session ends
# SESSION_COOKIE_AGE after the last request at the earliest and at most SESSION_REFRESH_MARGIN
# later: portal.middleware.SessionRefreshMiddleware saves it only when less than the age is left
# (not on every request, which cost a transaction and an UPDATE per page).
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=60 * 60 * 2)
SESSION_REFRESH_MARGIN = env.int("SESSION_REFRESH_MARGIN", default=SESSION_COOKIE_AGE // 10)
SESSION_SAVE_EVERY_REQUEST = False
# Sessions are read from the cache (Redis in production) and written through to the database:
# a signed-in page reads its session without a query; the database keeps them across restarts.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

# django-axes: 5 failures for one account from one address lock that pair for 15 minutes.
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/lockout.html"
AXES_USERNAME_FORM_FIELD = "username"
# One counter per account whatever the spelling: KONTAKT@… and kontakt@… are the same account.
AXES_USERNAME_CALLABLE = "portal.throttling.axes_username"
AXES_IPWARE_PROXY_COUNT = env.int("AXES_IPWARE_PROXY_COUNT", default=0)
AXES_VERBOSE = False
# Successful sign-ins are not logged; failed ones are purged by the retention plan (records).
AXES_DISABLE_ACCESS_LOG = True

# Caches. The rate limits below count here, so production needs one cache that every web process
# shares: CACHE_URL (e.g. redis://127.0.0.1:6379/1); production falls back to the broker's Redis.
# Locally and in tests: local memory (one process).
CACHES = {"default": env.cache_url("CACHE_URL", default="locmemcache://")}
RATELIMIT_USE_CACHE = "default"

# "Glömt lösenordet?" and "Ny länk": e-mails per address and requests per client address
# (django-ratelimit's "<count>/<period>" with s, m, h or d). Over the limit the answer is the
# same neutral page; only no e-mail leaves.
ACCESS_REQUEST_RATE_PER_ADDRESS = env.str("ACCESS_REQUEST_RATE_PER_ADDRESS", default="3/h")
ACCESS_REQUEST_RATE_PER_CLIENT = env.str("ACCESS_REQUEST_RATE_PER_CLIENT", default="20/h")

# The second factor of staff (handläggare and superusers): a TOTP app, plus backup codes.
OTP_TOTP_ISSUER = "Tillväxtverket behovsinventering"
# Wrong codes make the next try wait 1, 2, 4, … seconds (django-otp's throttling per device).
OTP_TOTP_THROTTLE_FACTOR = 1
OTP_STATIC_THROTTLE_FACTOR = 1
#: How many one-time backup codes a handläggare gets at enrolment.
SECOND_FACTOR_BACKUP_CODES = 10

# Invitation links for contact persons.
INVITATION_VALID_DAYS = env.int("INVITATION_VALID_DAYS", default=7)

LANGUAGE_CODE = "sv"
LANGUAGES = [("sv", _("Svenska")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Stockholm"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(VAR_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"
# Every form's fields are AccessibleBoundField, rendered by crispy with
# templates/bootstrap5/field.html: one way to render a field.
FORM_RENDERER = "portal.forms_rendering.PortalFormRenderer"

# Content-Security-Policy: everything comes from the portal's own origin.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    },
}
X_FRAME_OPTIONS = "DENY"

# E-mail. Local default: every message is written as a file to var/mail/.
_email = env.email_url("EMAIL_URL", default="filemail://")
EMAIL_BACKEND = _email.get("EMAIL_BACKEND", "django.core.mail.backends.filebased.EmailBackend")
if EMAIL_BACKEND.endswith("filebased.EmailBackend"):
    EMAIL_FILE_PATH = Path(env.str("EMAIL_FILE_PATH", default=str(VAR_DIR / "mail")))
else:
    EMAIL_HOST = _email.get("EMAIL_HOST", "localhost")
    EMAIL_PORT = _email.get("EMAIL_PORT", 25)
    EMAIL_HOST_USER = _email.get("EMAIL_HOST_USER", "")
    EMAIL_HOST_PASSWORD = _email.get("EMAIL_HOST_PASSWORD", "")
    EMAIL_USE_TLS = _email.get("EMAIL_USE_TLS", False)
    EMAIL_USE_SSL = _email.get("EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=20)
DEFAULT_FROM_EMAIL = env.str(
    "DEFAULT_FROM_EMAIL", default="Tillväxtverket behovsinventering <noreply@example.se>"
)
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# The staff mailbox: Reply-To of every e-mail to regions, and where staff notices go.
STAFF_MAILBOX = env.str("STAFF_MAILBOX", default="behovsinventering@example.se")

# Malware scanning of attachments: clamd's unix socket (empty: no scanner; uploads wait as
# "being checked" until one is configured) and how long one scan may take.
CLAMD_SOCKET = env.str("CLAMD_SOCKET", default="")
CLAMD_TIMEOUT = env.int("CLAMD_TIMEOUT", default=60)
# Attachments: the largest file, and all of one inventory's files together (bytes).
ATTACHMENT_MAX_FILE_SIZE = env.int("ATTACHMENT_MAX_FILE_SIZE", default=20 * 1024 * 1024)
ATTACHMENT_MAX_TOTAL_SIZE = env.int("ATTACHMENT_MAX_TOTAL_SIZE", default=100 * 1024 * 1024)

# Celery. Without a broker, tasks run inline in the web process (local default).
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = False
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
# acks_late is set per task, only on tasks that are safe to run twice (see README, "Running it
# like production"); with it, a task whose worker process dies is delivered again.
CELERY_TASK_ACKS_LATE = False
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = TIME_ZONE
CELERY_ENABLE_UTC = True
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A broker that is down or hangs (accepts connections, never answers) must cost a request about
# a second, not 5-20: one attempt, short timeouts. The work is already recorded in the database
# and a beat sweeper queues it again (portal/queue.py).
CELERY_TASK_PUBLISH_RETRY = False
CELERY_BROKER_CONNECTION_TIMEOUT = 1
BROKER_SOCKET_TIMEOUT = 1
#: The worker waits longer for Redis than a web request does (portal/celery.py).
WORKER_BROKER_SOCKET_TIMEOUT = 10
#: An unacknowledged (acks_late) task is delivered again after this many seconds. It must exceed
#: the longest such task from being reserved to being acknowledged: a retry countdown (at most
#: TASK_RETRY_MAX_COUNTDOWN) plus its time limit (at most 300 s). Tasks longer than that (the
#: weekly integrity check) do not use acks_late.
BROKER_VISIBILITY_TIMEOUT = 20 * 60
TASK_RETRY_MAX_COUNTDOWN = 10 * 60
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "socket_connect_timeout": 1,
    "socket_timeout": BROKER_SOCKET_TIMEOUT,
    "visibility_timeout": BROKER_VISIBILITY_TIMEOUT,
}
CELERY_WORKER_MAX_MEMORY_PER_CHILD = env.int("CELERY_WORKER_MAX_MEMORY_PER_CHILD", default=400_000)
# Pool processes of a worker: twice the cores. The e-mail tasks (a reminder sweep's batches,
# the outbox) wait on the database and SMTP for part of each message (claim, audit entry,
# commit, SMTP exchange), and more processes than cores keep the CPU busy meanwhile
# (bench/reminders.py, 7,700 reminders on 2 cores, alternating runs: 2 processes 26.2 and 26.0 s,
# 4 processes 24.9 and 22.6 s); a PDF render is CPU-bound and only shares the cores.
CELERY_WORKER_CONCURRENCY = env.int("CELERY_WORKER_CONCURRENCY", default=2 * (os.cpu_count() or 1))
CELERY_BEAT_SCHEDULE = {
    # The retention plans (gallring): anonymise, delete and reset what is due (nightly, 02:30).
    "records-apply-retention": {
        "task": "records.tasks.retention_apply",
        "schedule": crontab(minute=30, hour=2),
    },
    "regions-resend-unsent-invitations": {
        "task": "regions.tasks.invitations_send_unsent",
        "schedule": timedelta(minutes=10),
    },
    # Deadline reminders: plan and send what is due (on the clock, so 08:00 steps leave at 08:00).
    "reminders-sweep": {
        "task": "reminders.tasks.reminders_sweep",
        "schedule": crontab(minute="*/5"),
    },
    # Every official e-mail in the outbox that a broken broker or SMTP server held back.
    "portal-outbox-send-due": {
        "task": "portal.tasks.outbox_send_due",
        "schedule": timedelta(minutes=1),
    },
    # Integrity of the copy of record: re-hash every snapshot and PDF (Monday 03:30).
    "inventories-verify-records": {
        "task": "inventories.tasks.records_verify",
        "schedule": crontab(minute=30, hour=3, day_of_week=1),
    },
    # Attachments still "being checked" (a broken broker, clamd down or not yet configured).
    "inventories-sweep-unscanned-attachments": {
        "task": "inventories.tasks.attachments_sweep_unscanned",
        "schedule": timedelta(minutes=10),
    },
    # PDF copies of record and receipts that a broken broker or a failing render held back.
    "inventories-sweep-missing-pdfs": {
        "task": "inventories.tasks.versions_sweep_missing_pdfs",
        "schedule": timedelta(minutes=10),
    },
    # Archival packages still waiting because a broken broker held their build back.
    "records-sweep-waiting-archival-packages": {
        "task": "records.tasks.archival_packages_sweep",
        "schedule": timedelta(minutes=10),
    },
    # Synthesis reports still queued or rendering after a while (a broken broker, a lost worker).
    "staff-sweep-synthesis-reports": {
        "task": "staff.tasks.synthesis_reports_sweep",
        "schedule": timedelta(minutes=10),
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    # WeasyPrint reports each step of every render (and parses its own stylesheets at import,
    # so every management command printed those steps) at INFO: only its warnings are kept.
    "loggers": {"axes": {"level": "WARNING"}, "weasyprint": {"level": "WARNING"}},
}
