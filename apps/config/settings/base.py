"""Settings shared by every mode. Values come from the environment (django-environ)."""

from pathlib import Path
from typing import Any

import environ
from kombu import Exchange, Queue

BASE_DIR = Path(__file__).resolve().parents[3]
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEMO_SECRET_KEY = "keepflow-demo-secret-key-not-for-production"
SECRET_KEY = env.str("SECRET_KEY", default=DEMO_SECRET_KEY)
DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "apps.common",
    "apps.accounts",
    "apps.handoff",
    "apps.customers",
    "apps.web",
    "apps.workflows",
    "apps.engine",
    "apps.messaging",
    "apps.tasks",
    "apps.offers",
    "apps.integrations",
    "apps.insights",
    "apps.surveys",
    "apps.reports",
    "apps.demo",
]

MIDDLEWARE = [
    "apps.common.server_errors.ApiServerErrorMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "apps.common.csp.ContentSecurityPolicyMiddleware",
    "apps.common.middleware.RequestBodyLimitMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # The language of a request: Accept-Language (the front end sends its UI language)...
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # ...unless the signed-in user chose one (User.language).
    "apps.accounts.middleware.UserLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "apps.config.urls"
WSGI_APPLICATION = "apps.config.wsgi.application"
AUTH_USER_MODEL = "accounts.User"
APPEND_SLASH = False
LOGIN_URL = "/login/"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/login/"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
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


def database(variable: str, default: str) -> dict[str, Any]:
    """PostgreSQL only: one database vendor everywhere (`make run` starts an embedded one),
    through Django's backend with a cheaper health check (apps/common/postgresql)."""
    config: dict[str, Any] = env.db(variable, default=default)
    config.update(ENGINE="apps.common.postgresql", ATOMIC_REQUESTS=False)
    return config


DATABASES = {"default": database("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/keepflow")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

LANGUAGE_CODE = "en"
# The languages of the UI, the API's messages and the block catalog (docs in locale/README.md).
LANGUAGES = [("en", "English"), ("de", "Deutsch"), ("ru", "Русский")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}

# Request bodies: the largest accepted API body (a batch of 1,000 events fits well).
KEEPFLOW_MAX_BODY_BYTES = env.int("KEEPFLOW_MAX_BODY_BYTES", default=5 * 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = KEEPFLOW_MAX_BODY_BYTES
FILE_UPLOAD_MAX_MEMORY_SIZE = KEEPFLOW_MAX_BODY_BYTES
KEEPFLOW_MAX_EVENT_BATCH = 1000
# The installation's currency: what purchase amounts, lifetime values and a new workflow's
# costs are in (ISO 4217).
KEEPFLOW_CURRENCY = env.str("KEEPFLOW_CURRENCY", default="EUR").upper()

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "apps.accounts.authentication.ApiKeyAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["apps.accounts.permissions.HasCapability"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "apps.common.pagination.Pagination",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "EXCEPTION_HANDLER": "apps.common.errors.api_exception_handler",
    # The API speaks JSON; a view that takes uploads declares its own parser_classes.
    "DEFAULT_PARSER_CLASSES": ["apps.common.parsers.JSONParser"],
    # DRF's negotiation, its answer kept per Accept header (apps/common/negotiation.py).
    "DEFAULT_CONTENT_NEGOTIATION_CLASS": "apps.common.negotiation.RememberingContentNegotiation",
    "UNAUTHENTICATED_USER": None,
    "PAGE_SIZE": 50,
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Keepflow API",
    "DESCRIPTION": "Customer-retention automation: customers, events, segments and workflows.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    # Swagger UI from the installed sidecar package, not a CDN: works offline.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "APPEND_COMPONENTS": {
        "securitySchemes": {
            "ApiKey": {"type": "http", "scheme": "bearer", "description": "Keepflow API key"},
        }
    },
    "SECURITY": [{"ApiKey": []}],
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "apps.common.schema.add_error_responses",
    ],
    "ENUM_NAME_OVERRIDES": {
        "WorkflowStateEnum": "apps.workflows.models.WorkflowState",
        "BlockTemplateStateEnum": "apps.workflows.models.BlockTemplateState",
        "RunStateEnum": "apps.engine.models.RunState",
    },
}

REDIS_URL = env.str("REDIS_URL", default="redis://127.0.0.1:6379/0")
# API keys found by their hash stay in Redis this long (0: off); a revoke or an edit
# replaces the cached state at once (apps/accounts/key_cache.py, docs/access.md).
KEEPFLOW_API_KEY_CACHE_SECONDS = env.int("KEEPFLOW_API_KEY_CACHE_SECONDS", default=60)
# Each process keeps what it read from that cache this long (0: off): a revoke reaches the
# other processes within this time, the one that made it at once.
KEEPFLOW_API_KEY_LOCAL_SECONDS = env.float("KEEPFLOW_API_KEY_LOCAL_SECONDS", default=1.0)

# Celery: see docs/operations.md for the broker choice per run mode.
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL)
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_IGNORE_RESULT = True
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Celery's Django fixup closes the database connection around every task unless this is
# set: a new PostgreSQL connection (and server process) per task. Instead a worker keeps
# its connection as Django would (CONN_MAX_AGE, health checks): apps/config/celery.py
# calls close_old_connections() before each task, and the fixup recycles after N tasks.
CELERY_DB_REUSE_MAX = env.int("CELERY_DB_REUSE_MAX", default=500) or None
CELERY_TIMEZONE = "UTC"
# Two queues: the engine's (events, runs, scans) and the deliveries to providers, so a
# slow or failing provider cannot hold up workflows. A worker started without -Q takes
# both; in production they can be scaled apart (docs/operations.md).
# Each queue with its own exchange and routing key (declared without them, both would
# get Celery's defaults, "celery"/"celery", and one binding).
KEEPFLOW_DELIVERY_QUEUE = "messages"
CELERY_TASK_QUEUES = tuple(Queue(name, Exchange(name), routing_key=name)
                           for name in ("celery", KEEPFLOW_DELIVERY_QUEUE))
CELERY_BEAT_SCHEDULE = {
    "engine-timers-wake": {"task": "engine.timers_wake", "schedule": 1.0},
    "events-redispatch": {"task": "handoff.events_redispatch", "schedule": 30.0},
    "engine-runs-sweep": {"task": "engine.runs_sweep", "schedule": 30.0},
    "engine-steps-prune": {"task": "engine.steps_prune", "schedule": 3600.0},
    # Erases customers inactive past KEEPFLOW_RETENTION_INACTIVE_MONTHS (off by default).
    "customers-retention-erase": {"task": "customers.retention_erase", "schedule": 3600.0},
    # Trigger scans (docs/engine.md#triggers): each scan trigger's block declares how
    # often (date every 5 min, inactivity every 15 min, schedule every minute); this task
    # looks every minute for the triggers that are due.
    "engine-trigger-scans": {"task": "engine.trigger_scans", "schedule": 60.0},
    "segments-refresh": {
        "task": "apps.customers.tasks.segments_refresh_all",
        "schedule": env.float("KEEPFLOW_SEGMENT_REFRESH_SECONDS", default=300.0),
    },
    # Agent tasks past their queue's response target -> task.overdue (once per task).
    "tasks-overdue-sweep": {"task": "tasks.overdue_sweep", "schedule": 60.0},
    # The workflow reports' daily rollup: closed days and new goal events (docs/reports.md).
    "reports-rollup": {"task": "apps.reports.tasks.reports_rollup",
                       "schedule": env.float("KEEPFLOW_REPORT_ROLLUP_SECONDS", default=300.0)},
    # The dashboard's retention snapshots (docs/reports.md#on-the-dashboard).
    "reports-retention-refresh": {"task": "apps.reports.tasks.retention_snapshots_refresh",
                                  "schedule": 600.0},
    # Deferred (quiet hours) and retry-due messages, stuck sends -> reconcile.
    "messages-dispatch-due": {
        "task": "apps.messaging.tasks.messages_dispatch_due",
        "schedule": env.float("KEEPFLOW_MESSAGE_DISPATCH_SECONDS", default=30.0),
    },
}

# How old the dashboard's retention may get before the beat task computes it again.
KEEPFLOW_RETENTION_REFRESH_SECONDS = env.int("KEEPFLOW_RETENTION_REFRESH_SECONDS",
                                             default=3600)

# Workers expected to share a burst of events: each drain of the ready list takes this
# share of what is pending (at least 20 events, at most 500; apps/handoff/ready.py),
# and a batch handed on as tasks is cut in as many. Every share pays a drain's fixed
# cost again (some 10-16 ms of CPU since segments are evaluated only where an event can
# change them); with two, a burst is handled by two worker processes at once: at 1,500
# events/s in bursts, p50 61 ms and p99 102 ms against 91-115 and 140-303 ms with one
# (docs/benchmarks.md).
KEEPFLOW_EVENTS_HANDOFF_PARTS = env.int("KEEPFLOW_EVENTS_HANDOFF_PARTS", default=2)

# Admission control (apps/handoff/admission.py): while more stored events than this wait
# for a worker, the ways in (events API, webhooks, /v1/ tracking) answer 429 with
# Retry-After instead of storing more. About 40 s of work for the two worker processes of
# one 2-core machine (docs/benchmarks.md); raise it with the workers. 0: no limit.
KEEPFLOW_EVENTS_BACKLOG_LIMIT = env.int("KEEPFLOW_EVENTS_BACKLOG_LIMIT", default=100_000)
KEEPFLOW_EVENTS_BACKLOG_RETRY_SECONDS = env.int("KEEPFLOW_EVENTS_BACKLOG_RETRY_SECONDS",
                                                default=2)

# The engine's knobs (docs/engine.md).
KEEPFLOW_ENGINE = {
    "ADVANCE_BATCH": env.int("KEEPFLOW_ADVANCE_BATCH", default=100),  # runs per task message
    "WAKE_BATCH": env.int("KEEPFLOW_WAKE_BATCH", default=5_000),
    # Woken runs per runs_advance message: a due batch of timers is thousands of runs.
    "WAKE_ADVANCE_BATCH": env.int("KEEPFLOW_WAKE_ADVANCE_BATCH", default=200),
    "WAKE_BUDGET_SECONDS": env.float("KEEPFLOW_WAKE_BUDGET_SECONDS", default=5.0),
    "LEASE_SECONDS": env.int("KEEPFLOW_RUN_LEASE_SECONDS", default=120),
    "MAX_ATTEMPTS": env.int("KEEPFLOW_MAX_ATTEMPTS", default=5),
    "RETRY_BASE_SECONDS": env.float("KEEPFLOW_RETRY_BASE_SECONDS", default=30.0),
    "RETRY_MAX_SECONDS": env.float("KEEPFLOW_RETRY_MAX_SECONDS", default=3600.0),
    "THROTTLE_RECHECK_SECONDS": env.int("KEEPFLOW_THROTTLE_RECHECK_SECONDS", default=30),
    "STEP_RETENTION_DAYS": env.int("KEEPFLOW_STEP_RETENTION_DAYS", default=30),
    # Per run, across waits: a run past either limit fails (a loop that never ends, or
    # one that fans out and doubles). A weekly loop runs about 4 years within 200 visits.
    "RUN_MAX_STEPS": env.int("KEEPFLOW_RUN_MAX_STEPS", default=5_000),
    "RUN_MAX_NODE_VISITS": env.int("KEEPFLOW_RUN_MAX_NODE_VISITS", default=200),
}

# Events not handled this long after they were stored are handed on again if their
# hand-off was lost: neither waiting in the ready list nor claimed by a live drain.
KEEPFLOW_EVENT_REDISPATCH_SECONDS = env.int("KEEPFLOW_EVENT_REDISPATCH_SECONDS", default=60)
# A drain's claim on its share lasts this long unless renewed (it is, between handlers):
# the events of a drain whose worker died are handed on again once it has expired.
KEEPFLOW_EVENT_LEASE_SECONDS = env.int("KEEPFLOW_EVENT_LEASE_SECONDS", default=120)

# Each gets the newly stored events (ordered by id, customers selected) after segment
# membership is current, in this order.
KEEPFLOW_EVENT_HANDLERS: list[str] = [
    "apps.engine.events.events_rows_handle",
    "apps.offers.services.offers_events_handle",  # offer.redeemed marks the offer
]

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
}

# Outbound HTTP and stored credentials (apps.integrations).
# Churn score, P(alive), CLV and tiers (apps.insights).
from .insights import *  # noqa: E402, F403
from .integrations import *  # noqa: E402, F403

# Messaging providers and guardrails: their own module (one module per integration).
from .messaging import *  # noqa: E402, F403

# Erasure and retention of personal data (apps.customers.erasure).
from .privacy import *  # noqa: E402, F403

# Content-Security-Policy and sign-in throttling.
from .security import *  # noqa: E402, F403

# Exit surveys (apps.surveys).
from .surveys import *  # noqa: E402, F403

# Agent tasks and offers (apps.tasks, apps.offers).
from .tasks import *  # noqa: E402, F403

CELERY_BEAT_SCHEDULE.update(INSIGHTS_BEAT_SCHEDULE)  # noqa: F405
