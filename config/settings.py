"""The one settings file.

Everything that differs between a laptop and a county server comes from the
environment (or a `.env` file beside manage.py). With nothing set, the
application runs on SQLite with Celery executing tasks eagerly, so
`make run` needs no servers. `DATABASE_URL` switches to PostgreSQL and
`REDIS_URL` to a Redis broker with real Celery workers.
"""
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import environ
from celery.schedules import crontab
from csp.constants import NONE, SELF

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=True)

# A development key is only acceptable while DEBUG is on.
SECRET_KEY = env("SECRET_KEY", default="" if not DEBUG else "dev-only-insecure-key-change-me")
if not SECRET_KEY:
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured("DEBUG=0 时必须设置 SECRET_KEY 环境变量。")

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_filters",
    "django_htmx",
    "auditlog",
    "axes",
    "csp",
    "places",
    "core",
    "villages",
    "contracts",
    "debts",
    "reports",
    "ledgers",
    "fixtures",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "core.middleware.IdleTimeoutMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "csp.middleware.CSPMiddleware",
    # Before any view (and Axes' login checks) reads a parameter; after the middleware that set the headers.
    "core.middleware.RefuseNulMiddleware",
    # Inside CommonMiddleware, so that a path missing its slash is still redirected rather than shown as 404.
    "core.middleware.ProductErrorPagesMiddleware",
    "auditlog.middleware.AuditlogMiddleware",
    # Axes must come last: it turns a locked-out login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

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
                "core.context_processors.navigation",
                # The badge of 待办 in the navigation, counted only when a page shows it.
            ],
        },
    },
]

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # Several threads (runserver, eager jobs) share one file: wait rather than fail.
    DATABASES["default"].setdefault("OPTIONS", {})["timeout"] = 20
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    # PostgreSQL's JIT compiler spends some 0.3 s compiling each of the dashboards' aggregate queries,
    # which then run in tens of milliseconds (bench/dashboard.py): off for this application's sessions.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("options", "-c jit=off")

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "core.User"

# The audit trail: one append-only table (django-auditlog) with the village each
# entry belongs to, so an inspector's view is scoped like everything else.
AUDITLOG_LOGENTRY_MODEL = "core.AuditEntry"
AUDITLOG_USE_FK_STRING_REPRESENTATION = True
AUDITLOG_DISABLE_ON_RAW_SAVE = True
# core.AuditEntry replaces auditlog's own table, so its migrations are not run.
MIGRATION_MODULES = {"auditlog": None}

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "core.auth.AddressThrottleBackend",
    "django.contrib.auth.backends.ModelBackend",
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "core.auth.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "core:home"
LOGOUT_REDIRECT_URL = "login"

# Failed logins: after AXES_FAILURE_LIMIT failures for one user name from one
# address, that pair is locked out for AXES_COOLOFF_MINUTES.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
# ...and one address, whatever the user names, after this many (core/auth.py: one password sprayed over
# many names). Higher, because a township office may share one address.
LOGIN_ADDRESS_FAILURE_LIMIT = env.int("LOGIN_ADDRESS_FAILURE_LIMIT", default=20)
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
AXES_IPWARE_PROXY_COUNT = env.int("PROXY_COUNT", default=0) or None

LANGUAGE_CODE = "zh-hans"
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Scans, generated letters and exports live here, outside any public URL; they
# are served only through views that check the user's scope.
PRIVATE_ROOT = Path(env("PRIVATE_ROOT", default=str(BASE_DIR / "var" / "private")))
# The project's own face for printed documents (copied from npm by `make install`; see core/pdf/fonts.py).
PDF_FONT_DIR = Path(env("PDF_FONT_DIR", default=str(BASE_DIR / "static" / "vendor" / "fonts")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
# Uploaded scans and photos: PDF, JPEG or PNG, at most this size.
ATTACHMENT_MAX_MB = env.int("ATTACHMENT_MAX_MB", default=20)
# Uploaded Excel ledgers (台账): at most this size, and at most this many data rows in the sheet read.
LEDGER_MAX_MB = env.int("LEDGER_MAX_MB", default=20)
LEDGER_MAX_ROWS = env.int("LEDGER_MAX_ROWS", default=60000)
# What a ledger may unpack to, checked from its zip directory before anything is read (README, 台账导入):
# a worksheet is read as a stream, so it may be large (60,000 rows of 25 columns are some 85 MB); the
# shared strings are held in memory whole (about 2.5 times their size), and so is every other part openpyxl
# parses (styles, workbook, relationships).
LEDGER_MAX_SHEET_MB = env.int("LEDGER_MAX_SHEET_MB", default=200)
LEDGER_MAX_STRINGS_MB = env.int("LEDGER_MAX_STRINGS_MB", default=60)
LEDGER_MAX_PART_MB = env.int("LEDGER_MAX_PART_MB", default=10)
LEDGER_MAX_UNPACKED_MB = env.int("LEDGER_MAX_UNPACKED_MB", default=300)
# A ledger is read by a process of its own (ledgers/reader.py) with at most this much memory (address
# space) and time: whatever gets past the checks above stops there, not in the web process or the worker.
LEDGER_READ_MEMORY_MB = env.int("LEDGER_READ_MEMORY_MB", default=1024)
LEDGER_READ_SECONDS = env.int("LEDGER_READ_SECONDS", default=600)
# How often a ledger job writes its heartbeat (and progress) from a connection of its own, outside the
# commit's transaction: well within JOB_STALE_SECONDS.
LEDGER_HEARTBEAT_SECONDS = env.int("LEDGER_HEARTBEAT_SECONDS", default=30)
# Ledgers and list exports with more rows than this are read, committed or written by a background job.
LEDGER_INLINE_ROWS = 2000
# Printed lists (a list page's 打印(PDF)): longer than this, printed by a background job (WeasyPrint lays out some
# hundred rows a second); longer than the most, not printed at all: the user narrows the conditions or exports Excel.
PDF_LIST_INLINE_ROWS = env.int("PDF_LIST_INLINE_ROWS", default=500)
PDF_LIST_MAX_ROWS = env.int("PDF_LIST_MAX_ROWS", default=20000)
# The one-time keys of money and batch forms (core/submissions.py) are kept this many days, then purged nightly:
# long past any resend of the page that carried one.
SUBMISSION_KEY_DAYS = env.int("SUBMISSION_KEY_DAYS", default=30)

CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

REDIS_URL = env("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}

CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = REDIS_URL or "cache+memory://"
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = TIME_ZONE
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BEAT_SCHEDULE = {
    "check-mediation-cases": {
        "task": "debts.tasks.check_mediation_cases",
        "schedule": crontab(hour=1, minute=30),
    },
    "parcels-follow-contracts": {
        "task": "contracts.tasks.parcels_follow_contracts",
        "schedule": crontab(hour=1, minute=10),
    },
    "clear-expired-sessions": {
        "task": "core.tasks.clear_expired_sessions",
        "schedule": crontab(hour=3, minute=17),
    },
    "purge-submission-keys": {
        "task": "core.tasks.purge_submission_keys",
        "schedule": crontab(hour=3, minute=37),
    },
}

# Behind a TLS-terminating proxy in production; all can be turned off for a
# plain-HTTP intranet by setting them to 0 explicitly.
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=not DEBUG)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=not DEBUG)
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=not DEBUG)
if env.bool("USE_X_FORWARDED_PROTO", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# A session ends after this long without a request (core.middleware.IdleTimeoutMiddleware keeps it alive in use).
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=2 * 3600)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
# No script reads the CSRF cookie: pages carry the token in forms and in htmx's headers, and ask /csrf-token/
# for a fresh one just before they send (static/js/app.js), since signing in elsewhere rotates it.
CSRF_COOKIE_HTTPONLY = True
# A refused form explained in Chinese, with the way back to what was typed.
CSRF_FAILURE_VIEW = "core.views.csrf_failure"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

# Content-Security-Policy (django-csp): scripts, styles, fonts and images from this site only, no inline
# script and no eval. Inline style attributes are allowed (layout widths in templates); they cannot run code.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF, "'unsafe-inline'"],
        "img-src": [SELF, "data:", "blob:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "media-src": [SELF, "blob:"],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
        "axes": {"level": "WARNING"},
    },
}

# --- Domain defaults (DOMAIN.md): counties differ, so each is a setting. ---
# A parcel whose measured area differs from its ledger or contract area by more
# than this share is flagged.
AREA_TOLERANCE = Decimal(env.str("AREA_TOLERANCE", default="0.05"))
LIST_PAGE_SIZE = env.int("LIST_PAGE_SIZE", default=50)
# A background job that reports no progress for this long has lost its worker: it may be restarted.
JOB_STALE_SECONDS = env.int("JOB_STALE_SECONDS", default=10 * 60)
# Processes that print a letter batch; 0 = one a core, at most four (each takes some 200 MB).
LETTER_WORKERS = env.int("LETTER_WORKERS", default=0)
# The limitation clock (民法典 §188): three years from the due date or the last restart, and a claim
# that arose more than twenty years ago is beyond the absolute limit.
LIMITATION_YEARS = env.int("LIMITATION_YEARS", default=3)
ABSOLUTE_LIMIT_YEARS = env.int("ABSOLUTE_LIMIT_YEARS", default=20)
# Claims that lapse within this many days are listed as about to lapse.
LIMITATION_WARNING_DAYS = env.int("LIMITATION_WARNING_DAYS", default=180)
# The reply deadline a reconciliation letter gives the debtor.
LETTER_REPLY_DAYS = env.int("LETTER_REPLY_DAYS", default=30)
# A debtor who had a letter of the same kind within so many days is shown before a batch and left out of it
# unless the user says otherwise.
LETTER_REPEAT_DAYS = env.int("LETTER_REPEAT_DAYS", default=30)
# 账务调整 and 资产抵债 above this amount (元) need the township and a passed resolution, as a write-off does.
ADJUSTMENT_LIMIT = Decimal(env.str("ADJUSTMENT_LIMIT", default="1000"))
# Contracts at or above this amount, and every court case, need the county's approval.
COUNTY_APPROVAL_AMOUNT = Decimal(env.str("COUNTY_APPROVAL_AMOUNT", default="5000000"))
