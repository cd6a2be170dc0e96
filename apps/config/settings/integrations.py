"""Outbound HTTP (action.http_request) and stored credentials (docs/integrations.md)."""

import environ

env = environ.Env()

# Fernet key(s) that encrypt stored credentials, comma-separated: the first encrypts, all
# decrypt (rotation). Empty: derived from SECRET_KEY, which only dev and test accept;
# production refuses to store or use credentials without it.
KEEPFLOW_ENCRYPTION_KEY = env.str("KEEPFLOW_ENCRYPTION_KEY", default="")
KEEPFLOW_ENCRYPTION_KEY_REQUIRED = False

# Internal hosts that http_request may reach although they resolve to private addresses,
# as "host" or "host:port" (admins add more in the Django admin: Allowed hosts).
KEEPFLOW_HTTP_ALLOWED_HOSTS = env.list("KEEPFLOW_HTTP_ALLOWED_HOSTS", default=[])
KEEPFLOW_HTTP_MAX_RESPONSE_BYTES = env.int("KEEPFLOW_HTTP_MAX_RESPONSE_BYTES",
                                           default=1024 * 1024)
KEEPFLOW_HTTP_MAX_REDIRECTS = env.int("KEEPFLOW_HTTP_MAX_REDIRECTS", default=5)
KEEPFLOW_HTTP_USER_AGENT = "Keepflow/1 (+action.http_request)"

# The connectors' vendor addresses (blocks/actions/connectors), vendor → origin with
# "{account}" for the configured subdomain, e.g. {"hubspot": "https://api-eu1.hubapi.com"}
# or a company proxy. Empty: each vendor's documented address.
KEEPFLOW_CONNECTOR_ORIGINS: dict[str, str] = env.dict("KEEPFLOW_CONNECTOR_ORIGINS", default={})
