"""`make test`: real PostgreSQL and Redis, URLs from the environment."""

from .base import *  # noqa: F403
from .base import database, env

DATABASES = {
    "default": database("TEST_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/keepflow"),
}
REDIS_URL = env.str("TEST_REDIS_URL", default="redis://127.0.0.1:6379/15")
CELERY_BROKER_URL = REDIS_URL
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# pytest-xdist runs several test processes on one Redis: each gets its own key prefix, so
# a Celery worker started by one test process never takes another's tasks.
_XDIST_WORKER = env.str("PYTEST_XDIST_WORKER", default="main")
CELERY_BROKER_TRANSPORT_OPTIONS = {"global_keyprefix": f"kf-test-{_XDIST_WORKER}:"}

# Quiet hours follow the wall clock: off unless a test sets them (tests/messaging does),
# so a test that counts queued texts does not defer them when the suite runs after 21:00.
KEEPFLOW_QUIET_HOURS = ""

# The exit survey page's rate limit counts per address in Redis, and every test client is
# 127.0.0.1: a limit the suite cannot reach (tests/surveys sets its own to test it).
KEEPFLOW_SURVEY_RATE_LIMIT = 100_000
