"""OpenAPI: document the error answers every operation can give, in the one error shape.

drf-spectacular documents success responses only; clients generated from the schema (and
the schemathesis suite) need the 4xx answers too. Views that document an error status
themselves keep theirs.
"""

from typing import Any

from drf_spectacular.utils import OpenApiResponse

ERROR_COMPONENT = "ApiError"
ERROR_SCHEMAS: dict[str, dict[str, Any]] = {
    "ApiErrorItem": {
        "type": "object",
        "required": ["field", "code", "message"],
        "properties": {
            "field": {
                "type": "string",
                "description": "Dotted path of the offending input, e.g. `events.3.type`; "
                "`body` for the body as a whole, empty for a non-field error.",
            },
            "code": {"type": "string", "description": "Machine-readable, e.g. `required`."},
            "message": {"type": "string"},
        },
    },
    ERROR_COMPONENT: {
        "type": "object",
        "required": ["detail", "errors"],
        "properties": {
            "detail": {"type": "string"},
            "errors": {"type": "array", "items": {"$ref": "#/components/schemas/ApiErrorItem"}},
        },
    },
}
ERROR_DESCRIPTIONS = {
    "400": "Invalid input; `errors` names each field.",
    "401": "Missing, invalid, revoked or expired credentials.",
    "403": "The role or API key scopes do not allow this action.",
    "404": "Not found (or a page past the end).",
    "413": "Request body larger than the configured limit.",
    "415": "Unsupported media type: send application/json.",
}
# For views to document: the same idempotency key with a different request.
IDEMPOTENCY_KEY_REUSED = OpenApiResponse(
    description="This idempotency key was already used for a different request; `errors` "
                "names the key (code `idempotency_key_reused`). The same key with the same "
                "request answers as the first time.")
# For the views that store events: refused while the workers are far behind.
BACKLOG_FULL = OpenApiResponse(
    description="Keepflow is far behind (more events waiting for a worker than "
                "KEEPFLOW_EVENTS_BACKLOG_LIMIT): nothing was stored. Send the same request "
                "again after the `Retry-After` header's seconds.")
HTTP_METHODS = {"get", "put", "post", "patch", "delete", "head", "options", "trace"}


def error_statuses(operation: dict[str, Any], secured_by_default: bool) -> list[str]:
    """Which error answers this operation can give, from what it accepts."""
    statuses: list[str] = []
    parameters = operation.get("parameters", [])
    locations = {p.get("in") for p in parameters}
    has_body = "requestBody" in operation
    if has_body or "query" in locations:
        statuses.append("400")
    security = operation.get("security")
    secured = secured_by_default if security is None else any(security)
    if secured:
        statuses += ["401", "403"]
    paginated = any(p.get("name") == "page" and p.get("in") == "query" for p in parameters)
    if "path" in locations or paginated:
        statuses.append("404")
    if has_body:
        statuses += ["413", "415"]
    return statuses


def add_error_responses(
    result: dict[str, Any], generator: Any, request: Any, public: bool
) -> dict[str, Any]:
    """drf-spectacular postprocessing hook (see SPECTACULAR_SETTINGS)."""
    result.setdefault("components", {}).setdefault("schemas", {}).update(ERROR_SCHEMAS)
    secured_by_default = any(result.get("security") or [])
    ref = {"$ref": f"#/components/schemas/{ERROR_COMPONENT}"}
    for path_item in result.get("paths", {}).values():
        for method, operation in path_item.items():
            if method not in HTTP_METHODS:
                continue
            responses = operation.setdefault("responses", {})
            for status in error_statuses(operation, secured_by_default):
                responses.setdefault(
                    status,
                    {"description": ERROR_DESCRIPTIONS[status],
                     "content": {"application/json": {"schema": ref}}},
                )
            for status in ("422", "429"):  # documented by the view, in the error shape
                if status in responses and "content" not in responses[status]:
                    responses[status]["content"] = {"application/json": {"schema": ref}}
    return result
