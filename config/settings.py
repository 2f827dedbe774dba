"""Settings, all from the environment.

Unset DATABASE_URL -> an embedded SQLite file in the project (the default for `make run`).
Unset CELERY_BROKER_URL -> Celery tasks run eagerly in-process.
Unset SECRET_KEY -> a development-only key; `config.settings_production` refuses to start
without a real one.
"""

import datetime
from pathlib import Path

import environ
from csp.constants import NONE, SELF, UNSAFE_INLINE

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env(
    DEBUG=(bool, False),
    ALLOWED_HOSTS=(list, ["127.0.0.1", "localhost"]),
    TIME_ZONE=(str, "Australia/Sydney"),
    CELERY_BROKER_URL=(str, ""),
)
environ.Env.read_env(BASE_DIR / ".env", overwrite=False) if (BASE_DIR / ".env").exists() else None

DEBUG = env("DEBUG")
SECRET_KEY = env(
    "SECRET_KEY",
    default="dev-only-insecure-key-change-me-0123456789-abcdefghijklmnopqrstuvwxyz",
)
ALLOWED_HOSTS = env("ALLOWED_HOSTS")
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "django_htmx",
    "django_filters",
    "simple_history",
    "rules.apps.AutodiscoverRulesConfig",  # imports each app's rules.py (scheduling/rules.py)
    "axes",
    "csp",
    "jobs",
    "clients",
    "workforce",
    "sessions_app",
    "rostering",
    "scheduling",
    "demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # The database not reachable: a 503 page, not a 500 (config/faults.py).
    "config.faults.DatabaseUnavailableMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "config.middleware.LoginRequiredMiddleware",
    "config.middleware.SessionRenewalMiddleware",
    # Who made a change: the request's user, on the historical rows (django-simple-history).
    "simple_history.middleware.HistoryRequestMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # A signed-in user without a role sees only the page saying so (scheduling/rules.py).
    "scheduling.middleware.NoRoleMiddleware",
    # Last, as django-axes asks: it turns a refused login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"

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
                "scheduling.context_processors.nav_section",
            ],
        },
    },
]

WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=0))
# A persistent connection that died (PostgreSQL restarted) is replaced at the next request.
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
IS_POSTGRES = DATABASES["default"]["ENGINE"].endswith("postgresql")
if IS_POSTGRES:
    # No JIT compilation: it costs 25–30 ms a query once a plan looks big (any count over a
    # week of a large provider's sessions) and sped up none of our queries, validation's
    # included (bench_generation on 60,000 sessions). PG_OPTIONS replaces this.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault(
        "options", env("PG_OPTIONS", default="-c jit=off")
    )

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Roles and regions: object permissions from scheduling/rules.py, model permissions from
# the groups (scheduling/roles.py).
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "scheduling:dashboard"
LOGOUT_REDIRECT_URL = "login"

# Login throttling (django-axes): after AXES_FAILURE_LIMIT wrong passwords for one username
# from one address, that pair is locked out for AXES_COOLOFF_MINUTES, the right password
# included; each further try restarts the wait. An administrator unlocks it sooner in the
# Django admin (Axes › Access attempts: delete the row) or with `manage.py axes_reset`.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # first, as django-axes asks: counts failed logins
    "rules.permissions.ObjectPermissionBackend",  # object permissions (scheduling/rules.py)
    "django.contrib.auth.backends.ModelBackend",
]
AXES_ENABLED = env.bool("AXES_ENABLED", default=True)
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = datetime.timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "config.lockout.locked_out"
# Behind N trusted proxies (AXES_PROXY_COUNT=N) the client's address is read from
# X-Forwarded-For, right to left (entries further left could be forged by the client);
# unset, it is the connection's address.
AXES_IPWARE_PROXY_COUNT = env.int("AXES_PROXY_COUNT", default=None)
AXES_IPWARE_PROXY_ORDER = "right-most"
AXES_IPWARE_META_PRECEDENCE_ORDER = (
    ("HTTP_X_FORWARDED_FOR", "REMOTE_ADDR") if AXES_IPWARE_PROXY_COUNT else ("REMOTE_ADDR",)
)

# Sessions end after SESSION_IDLE_MINUTES without a request and when the browser closes:
# shared computers in care offices. Activity renews the session at most once a minute
# (config.middleware.SessionRenewalMiddleware), not with a write on every request.
SESSION_COOKIE_AGE = env.int("SESSION_IDLE_MINUTES", default=60) * 60
SESSION_SAVE_EVERY_REQUEST = False
SESSION_EXPIRE_AT_BROWSER_CLOSE = True

# Security headers, in every mode (HTTPS-only ones are in settings_production).
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# Content Security Policy (django-csp): scripts and styles only from our own static files;
# no inline <script>, no event-handler attributes, no eval. Inline style *attributes* are
# allowed (the boards position sessions with style="--days:7", widths of progress bars);
# <style> elements are not.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "style-src-attr": [UNSAFE_INLINE],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}

LANGUAGE_CODE = "en-au"
TIME_ZONE = env("TIME_ZONE")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
# Collected static files (production: `collectstatic`); unset in development.
STATIC_ROOT = env("STATIC_ROOT", default=None)
STATICFILES_DIRS = [BASE_DIR / "static"]
# WhiteNoise serves static files straight from the apps and static/ in every mode, so the
# embedded `make run` needs no collectstatic; production uses the collected manifest.
WHITENOISE_USE_FINDERS = True
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}

EMAIL_BACKEND = env(
    "EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend"
)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="rostering@example.org")

# Celery: a broker URL means a real worker through Redis; none means eager, in-process.
CELERY_BROKER_URL = env("CELERY_BROKER_URL")
CELERY_RESULT_BACKEND = env("CELERY_RESULT_BACKEND", default=CELERY_BROKER_URL or None)
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
# The queue tasks go to when none is named (a test worker listens on a private one).
CELERY_TASK_DEFAULT_QUEUE = env("CELERY_TASK_DEFAULT_QUEUE", default="celery")
CELERY_TASK_EAGER_PROPAGATES = True
# A worker killed mid-job: its task goes back to the queue and runs again (every task is
# idempotent and carries its job's id, so it carries on where the dead worker stopped).
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Redis hands an unacknowledged task to another worker after this many seconds: longer than
# any job runs (else a live job would run twice at once). A job lost sooner is re-sent by
# the sweep (`manage.py sweep_jobs`, or beat every minute) once silent for jobs' STALE_AFTER.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=3600),
}
# Sending a task to a broker that is down fails after ~2 s instead of hanging the request;
# the job stays queued and the sweep sends it once the broker is back.
CELERY_BROKER_CONNECTION_TIMEOUT = env.float("CELERY_BROKER_CONNECTION_TIMEOUT", default=2.0)
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 2, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.5,
}
CELERY_RESULT_BACKEND_TRANSPORT_OPTIONS = {"retry_policy": CELERY_TASK_PUBLISH_RETRY_POLICY}
# Base-roster sessions a generation job writes per transaction (and per progress step).
GENERATION_CHUNK_SIZE = env.int("GENERATION_CHUNK_SIZE", default=2000)
# A test hook only: seconds a job's task sleeps after each progress write (to kill a worker
# mid-job).
JOB_TEST_CHUNK_DELAY = env.float("JOB_TEST_CHUNK_DELAY", default=0.0)
CELERY_TIMEZONE = TIME_ZONE
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True

# History (django-simple-history): no index on history_date, which nothing filters by (the
# timeline reads a session's rows by its id); each index slows publishing a whole period.
SIMPLE_HISTORY_DATE_INDEX = False
# History is a record, not an undo: the admin's past versions have no Revert button (a revert
# would save around the services that check every write).
SIMPLE_HISTORY_REVERT_DISABLED = True

# The organisation's naming convention for session subjects.
SESSION_SUBJECT_PATTERN = env(
    "SESSION_SUBJECT_PATTERN", default="{site} · {session_type} · {clients}"
)

# Demo logins (admin/admin …) are refused under production settings.
DEMO_LOGINS_ALLOWED = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="WARNING")},
}

# Short-notice cancellations: the notice a support item needs when it does not say
# (clients.SupportItem.cancellation_notice_days blank): NDIS's 2 clear business days.
CANCELLATION_NOTICE_DEFAULT = {"days": 2, "business_days": True}
