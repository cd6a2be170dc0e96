"""Request bodies of the tracking API: JSON under any content type, optionally compressed,
bounded after decompression, and only text and numbers that PostgreSQL can store."""

import zlib
from typing import Any

from rest_framework import exceptions, status
from rest_framework.parsers import BaseParser

from apps.common.parsers import json_loads

_DECODERS = {"gzip": 16 + zlib.MAX_WBITS, "x-gzip": 16 + zlib.MAX_WBITS, "deflate": zlib.MAX_WBITS}


class PayloadTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = "Request body too large."
    default_code = "too_large"


class TrackingJSONParser(BaseParser):
    """Any media type: the SDKs send application/json, browsers text/plain (no CORS
    preflight). The view's `max_body_bytes` is Segment's limit (32 KB a call, 500 KB a
    batch) and applies to the decompressed body, so a small gzip bomb is refused too."""

    media_type = "*/*"

    def parse(self, stream: Any, media_type: str | None = None,
              parser_context: dict[str, Any] | None = None) -> Any:
        context = parser_context or {}
        limit: int = context["view"].max_body_bytes
        encoding = context["request"].META.get("HTTP_CONTENT_ENCODING", "").strip().lower()
        raw = stream.read() if stream is not None else b""
        body = _decompress(raw, encoding, limit) if encoding not in ("", "identity") else raw
        if len(body) > limit:
            raise PayloadTooLarge(f"Request body is larger than {limit} bytes.")
        return json_loads(body)


def _decompress(raw: bytes, encoding: str, limit: int) -> bytes:
    wbits = _DECODERS.get(encoding)
    if wbits is None:
        raise exceptions.UnsupportedMediaType(
            encoding, detail=f"Content-Encoding {encoding!r} is not supported; "
            "send gzip, deflate or no encoding."
        )
    decoder = zlib.decompressobj(wbits)
    try:
        body = decoder.decompress(raw, limit + 1)
    except zlib.error as exc:
        raise exceptions.ParseError(f"Body is not valid {encoding} data: {exc}") from exc
    if len(body) > limit:
        raise PayloadTooLarge(f"Request body is larger than {limit} bytes once decompressed.")
    return body
