"""Django's PostgreSQL backend with a health check that is not paid on every request
(base.py). Settings name it as the ENGINE: "apps.common.postgresql"."""
