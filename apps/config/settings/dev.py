"""`make run`: the production architecture in small. PostgreSQL and Redis are the
embedded ones `python -m apps.config.embedded run` starts; it writes their URLs to
var/embedded.env while it runs, so `manage.py` commands in this folder reach them.
DATABASE_URL and REDIS_URL point elsewhere. DEBUG is on for the static files and
templates; the API still answers errors in its JSON shape (apps.common.server_errors)."""

import os
from pathlib import Path

from .base import *  # noqa: F403
from .base import VAR_DIR, database, env

env.read_env(Path(os.environ.get("KEEPFLOW_VAR_DIR") or VAR_DIR) / "embedded.env",
             overwrite=False)

DEBUG = env.bool("DEBUG", default=True)
DATABASES = {"default": database("DATABASE_URL", "postgres://postgres@127.0.0.1:54320/keepflow")}
REDIS_URL = env.str("REDIS_URL", default="redis://127.0.0.1:63790/0")
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL)
