"""action.http_request: call another system (CRM, helpdesk, shop) with a Liquid URL,
headers and JSON body. Secrets stay out of the graph: authentication comes from a stored
credential, referenced by id, and the host is fixed at design time (only the path and
query may be templated). The call itself goes through `ctx.effects.http_request`, which
guards the network (SSRF), retries and records it.

Effect contract: `Effects.http_request` returns an HttpResult (blocks/base.py): status
(0 with an error when no response came), the parsed json, text, error and retryable.
Outcome: 2xx/3xx → `out` (output status and json). 429, 5xx or a retryable transport
error → Fail(retryable). Other failures → the `failed` port when on_error is "route",
else Fail."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Annotated, Any, Literal

from django.utils.translation import gettext as _
from pydantic import Field, field_validator, model_validator

from blocks.base import (
    BlockConfig,
    BlockSpec,
    Category,
    ConfigFieldError,
    Continue,
    DynamicPorts,
    Fail,
    Outcome,
    RunContext,
    SummaryLine,
)
from blocks.fields import CredentialId, LiquidLine, LiquidText, matching
from blocks.rendering import FieldRenderError, render_field

MAX_TIMEOUT_SECONDS = 30
MAX_HEADERS = 20
_FORBIDDEN_HEADERS = frozenset({"authorization", "proxy-authorization", "cookie", "host",
                                "content-length", "transfer-encoding", "connection"})
_LITERAL_HOST = re.compile(r"^https?://[A-Za-z0-9.\-]+(:[0-9]{1,5})?(/|\?|$)")

HeaderName = Annotated[
    str,
    Field(min_length=1, max_length=100),
    *matching(r"^[A-Za-z0-9!#$%&'*+.^_`|~\-]+$", "a header name like X-Request-Source"),
]


class HttpRequestConfig(BlockConfig):
    method: Literal["GET", "POST", "PUT", "PATCH", "DELETE"] = Field("POST", title="Method")
    url: LiquidLine = Field(
        max_length=2000, title="URL",
        description="https://host/path; the host is fixed, path and query may use Liquid.",
        examples=["https://crm.example.com/api/contacts/{{ customer.external_id | url_encode }}"],
    )
    headers: dict[HeaderName, LiquidLine] = Field(
        default_factory=dict, title="Headers",
        description="Name → value (Liquid). Authentication comes from the credential.",
    )
    credential_id: CredentialId | None = Field(
        None, title="Credential",
        description="A stored credential that authenticates the call (token, basic auth).",
    )
    body: LiquidText | None = Field(
        None, max_length=20_000, title="JSON body",
        description="Liquid that renders to JSON; insert values with the json filter: "
                    '{"name": {{ customer.name | json }}}',
    )
    timeout_seconds: int = Field(10, ge=1, le=MAX_TIMEOUT_SECONDS, title="Timeout (seconds)")
    expect_json: bool = Field(True, title="Expect a JSON response")
    on_error: Literal["fail", "route"] = Field(
        "fail", title="On error",
        description="fail: the run fails (visible in the inspector). route: go on through "
                    "the failed port.",
    )

    @field_validator("url")
    @classmethod
    def _host_literal(cls, url: str) -> str:
        if not _LITERAL_HOST.match(url):
            raise ConfigFieldError("", "invalid_url",
                                   _("start with http:// or https:// and a fixed host name"))
        return url

    @field_validator("headers")
    @classmethod
    def _headers_allowed(cls, headers: dict[str, str]) -> dict[str, str]:
        if len(headers) > MAX_HEADERS:
            raise ConfigFieldError("", "too_many",
                                   _("at most %(count)d headers") % {"count": MAX_HEADERS})
        for name in headers:
            if name.lower() in _FORBIDDEN_HEADERS:
                raise ConfigFieldError(name, "forbidden_header",
                                       _("%(name)s is set by Keepflow; use a credential for "
                                         "authentication") % {"name": name})
        return headers

    @model_validator(mode="after")
    def _body_allowed(self) -> HttpRequestConfig:
        if self.body is not None and self.method in ("GET", "DELETE"):
            raise ConfigFieldError("body", "not_allowed",
                                   _("a %(method)s request has no body") % {"method": self.method})
        return self


def _failure(config: HttpRequestConfig, message: str, output: Mapping[str, Any]) -> Outcome:
    if config.on_error == "route":
        return Continue("failed", output={**output, "error": message})
    return Fail(message, retryable=False)


def run(ctx: RunContext, config: HttpRequestConfig) -> Outcome:
    try:
        url = render_field(ctx, "url", config.url)
        headers = {name: render_field(ctx, f"headers.{name}", value)
                   for name, value in config.headers.items()}
        body_text = render_field(ctx, "body", config.body) if config.body else None
    except FieldRenderError as err:
        return err.fail()
    payload: Any = None
    if body_text is not None:
        try:
            payload = json.loads(body_text)
        except json.JSONDecodeError as exc:
            return Fail(f"body: not JSON after rendering ({exc.msg} at line {exc.lineno}, "
                        f"column {exc.colno}); insert values with | json", retryable=False)
    result = ctx.effects.http_request(
        method=config.method, url=url, headers=headers, json=payload,
        credential_id=config.credential_id, timeout_seconds=config.timeout_seconds,
    )
    status = int(result.get("status") or 0)
    output = {"status": status, "json": result.get("json")}
    if status == 0:
        message = str(result.get("error") or "no response")
        if result.get("retryable"):
            return Fail(message, retryable=True)
        return _failure(config, message, output)
    if status == 429 or status >= 500:
        return Fail(f"HTTP {status}", retryable=True)
    if status >= 400:
        return _failure(config, f"HTTP {status}", output)
    if config.expect_json and result.get("json") is None:
        return _failure(config, f"HTTP {status} without a JSON body", output)
    return Continue("out", output=output)


SPEC = BlockSpec(
    type="action.http_request",
    version=1,
    category=Category.ACTION,
    label="HTTP request",
    description="Calls another system's API, e.g. to update the CRM or open a ticket.",
    icon="globe",
    config_model=HttpRequestConfig,
    ports=DynamicPorts(always=("out",), when_equals=(("failed", "on_error", "route"),)),
    run=run,
    template_fields=("url", "headers.*", "body"),
    group="Tasks and data",
    example={
        "method": "POST",
        "url": "https://crm.example.com/api/notes",
        "headers": {"X-Source": "keepflow"},
        "body": '{"customer": {{ customer.external_id | json }}, "note": "churn risk"}',
        "timeout_seconds": 10,
    },
    summary=(
        SummaryLine("{method} {url|host}"),
    ),
)
