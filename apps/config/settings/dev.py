"""`make run`: SQLite and an embedded broker (kombu's SQLAlchemy transport on SQLite).

Nothing to install or start besides Python; see docs/operations.md for why this broker.
"""

from .base import *  # noqa: F403
from .base import VAR_DIR, env

DEBUG = env.bool("DEBUG", default=True)
CELERY_BROKER_URL = env.str(
    "CELERY_BROKER_URL", default=f"sqla+sqlite:///{VAR_DIR / 'broker.sqlite3'}"
)
DATABASES["default"].setdefault("OPTIONS", {})  # noqa: F405
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):  # noqa: F405
    # WAL lets the web process read while the worker writes.
    DATABASES["default"]["OPTIONS"].update(  # noqa: F405
        {"timeout": 20, "init_command": "PRAGMA journal_mode=WAL;"}
    )
