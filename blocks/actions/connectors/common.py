"""What every CRM/helpdesk connector shares: the vendor's address, the stored credential,
and one call through the same guarded path as action.http_request
(`ctx.effects.http_request`: SSRF guard, credential binding, retries, idempotency key).

A connector block only builds the vendor's documented payload. Its config model exposes
`method` and `url` (properties, like the fields of http_request) so that publishing
checks that the credential is bound to the vendor's host and method, as for
http_request. See docs/integrations.md, "Connectors".
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import quote

from django.conf import settings
from pydantic import Field

from blocks.base import Continue, Fail, Outcome, RunContext
from blocks.fields import CredentialId, matching
from blocks.rendering import render_field

GROUP = "CRM & helpdesk"
TIMEOUT_SECONDS = 15


@dataclass(frozen=True)
class Vendor:
    key: str  # settings.KEEPFLOW_CONNECTOR_ORIGINS key
    name: str  # in error messages: "Zendesk refused: ..."
    origin: str  # scheme and host; "{account}" is the config's account field
    docs: str


ZENDESK = Vendor("zendesk", "Zendesk", "https://{account}.zendesk.com",
                 "https://developer.zendesk.com/api-reference/ticketing/tickets/tickets/")
FRESHDESK = Vendor("freshdesk", "Freshdesk", "https://{account}.freshdesk.com",
                   "https://developers.freshdesk.com/api/#tickets")
HUBSPOT = Vendor("hubspot", "HubSpot", "https://api.hubapi.com",
                 "https://developers.hubspot.com/docs/api/crm/understanding-the-crm")
SALESFORCE = Vendor("salesforce", "Salesforce", "https://{account}",
                    "https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/"
                    "resources_sobject_basic_info.htm")
PIPEDRIVE = Vendor("pipedrive", "Pipedrive", "https://{account}.pipedrive.com",
                   "https://developers.pipedrive.com/docs/api/v1")
TEAMS = Vendor("teams", "Microsoft Teams", "",
              "https://learn.microsoft.com/en-us/microsoftteams/platform/webhooks-and-connectors/"
              "how-to/connectors-using")
SLACK = Vendor("slack", "Slack", "https://slack.com",
               "https://api.slack.com/methods/chat.postMessage")

# The vendor's own account name: the "acme" of acme.zendesk.com.
AccountName = Annotated[
    str,
    Field(min_length=1, max_length=63, examples=["acme"]),
    *matching(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$",
              "the first part of your address, e.g. acme for acme.zendesk.com"),
]


# A vendor's field or property name: dealname, Phone, Churn_Risk__c, a Pipedrive key.
FieldName = Annotated[
    str, Field(min_length=1, max_length=100),
    *matching(r"^[A-Za-z0-9_]+$", "a field name like phone or Churn_Risk__c"),
]
MAX_FIELDS = 30


_NUMBER = re.compile(r"^-?(0|[1-9][0-9]{0,11})(\.[0-9]+)?$")


def number_or_text(text: str) -> Any:
    """"1200" → 1200, "99.5" → 99.5 (amounts and scores from Liquid); anything else stays
    text, so "+4915…" or "0151…" keep their plus and leading zero."""
    if not _NUMBER.match(text):
        return text
    return float(text) if "." in text else int(text)


Credential = CredentialId  # the connectors' credential_id type


def credential_field(hint: str) -> Any:
    return Field(title="Credential",
                 description=f"A stored credential of kind {hint}")


def vendor_origin(vendor: Vendor, account: str = "") -> str:
    """https://acme.zendesk.com; an admin may point a vendor elsewhere (a proxy, the EU
    data centre, a local fake in tests) with KEEPFLOW_CONNECTOR_ORIGINS."""
    overrides: Mapping[str, str] = getattr(settings, "KEEPFLOW_CONNECTOR_ORIGINS", {}) or {}
    return overrides.get(vendor.key, vendor.origin).format(account=account).rstrip("/")


def render_all(ctx: RunContext, fields: Mapping[str, str | None]) -> dict[str, str]:
    """Rendered templates by field name; empty or missing ones are left out. Raises
    FieldRenderError naming the field."""
    out = {}
    for name, text in fields.items():
        if text:
            rendered = render_field(ctx, name, text).strip()
            if rendered:
                out[name] = rendered
    return out


class PathValueError(ValueError):
    """A rendered id that cannot name a record (empty, or not a number where one is due)."""

    def fail(self) -> Fail:
        return Fail(str(self), retryable=False)


def path_value(text: dict[str, str], field: str, *, digits: bool = False) -> str:
    """A rendered id as one URL path segment (quoted, so it cannot leave the record's
    path); `digits` for vendors whose ids are numbers."""
    value = text.get(field, "").lstrip("#")
    if not value or (digits and not value.isdigit()):
        kind = "a number" if digits else "an id"
        raise PathValueError(f"{field}: {value or 'empty'!r} is not {kind}")
    return quote(value, safe="")


def _first_text(*values: Any) -> str:
    for value in values:
        if isinstance(value, str) and value.strip():
            return value.strip()
    return ""


def refusal_message(body: Any, text: str = "") -> str:
    """The vendor's own words from an error body, whatever its shape: Zendesk
    {"error": {"title", "message"}} or {"error", "description", "details"}, Freshdesk
    {"description", "errors": [{"field", "message"}]}, HubSpot {"message"}, Salesforce
    [{"message", "errorCode"}], Pipedrive {"error", "error_info"}, Slack {"error"}."""
    if isinstance(body, list):
        parts = [_first_text(item.get("message"), item.get("errorCode"))
                 for item in body if isinstance(item, Mapping)]
        return "; ".join(part for part in parts if part)[:500]
    if not isinstance(body, Mapping):
        return text.strip()[:200]
    error = body.get("error")
    if isinstance(error, Mapping):
        return _first_text(error.get("message"), error.get("title"))[:500]
    main = _first_text(body.get("message"), body.get("description"), error)
    details: list[str] = []
    for item in body.get("errors") or []:
        if isinstance(item, Mapping):
            words = _first_text(item.get("message"), item.get("code"))
            details.append(f"{item['field']}: {words}" if item.get("field") else words)
    for field, items in (body.get("details") or {}).items() if isinstance(
            body.get("details"), Mapping) else ():
        for item in items if isinstance(items, list) else []:
            if isinstance(item, Mapping):
                details.append(_first_text(item.get("description"), item.get("error"), field))
    words = "; ".join(part for part in [main, *details] if part)
    return words[:500] or text.strip()[:200]


def vendor_call(ctx: RunContext, vendor: Vendor, *, method: str, url: str,
                payload: Any, credential_id: int,
                id_of: Callable[[Any], Any] = lambda body: None,
                refused: Callable[[Any], str | None] = lambda body: None) -> Outcome:
    """Call the vendor and turn its answer into an outcome: 2xx → `out` with {status, id,
    json}; 429/5xx or no answer (timeout, connection) → retryable failure; any other
    refusal → a failure that names the vendor and says its message. `refused` reads a
    refusal inside a 2xx answer (Slack answers 200 with ok: false)."""
    result = ctx.effects.http_request(
        method=method, url=url, headers={}, json=payload, credential_id=credential_id,
        timeout_seconds=TIMEOUT_SECONDS,
    )
    status = int(result.get("status") or 0)
    body = result.get("json")
    if status == 0:
        return Fail(f"{vendor.name}: {result.get('error') or 'no response'}",
                    retryable=bool(result.get("retryable")))
    words = refusal_message(body, str(result.get("text") or ""))
    if status == 429 or status >= 500:
        detail = f": {words}" if words else ""
        return Fail(f"{vendor.name} is busy or unavailable (HTTP {status}){detail}",
                    retryable=True)
    if status >= 300:
        return Fail(f"{vendor.name} refused: {words or 'no reason given'} (HTTP {status})",
                    retryable=False)
    inner = refused(body)
    if inner:
        return Fail(f"{vendor.name} refused: {inner}", retryable=False)
    return Continue("out", output={"status": status, "id": id_of(body), "json": body})
