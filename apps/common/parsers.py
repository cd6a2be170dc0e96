"""The API's JSON parser: refuses at the door what PostgreSQL cannot store.

JSON may carry `\\u0000` and unpaired surrogates (`\\ud800`); PostgreSQL's text and jsonb
cannot hold either, so such a body would fail deep inside an INSERT with a 500. This
parser answers 400 naming the field instead, for every API endpoint at once.
"""

import json
from typing import Any

from django.conf import settings
from rest_framework import parsers
from rest_framework.exceptions import ParseError, ValidationError

UNSTORABLE = "contains a NUL character or an unpaired surrogate, which cannot be stored"


def _storable(text: str) -> bool:
    if "\x00" in text:
        return False
    if text.isascii():
        return True
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def unstorable_path(data: Any) -> str | None:
    """Dotted path of the first string (or object key) PostgreSQL cannot store, else None.
    A bad key is reported at its object's path. Iterative: depth is no concern."""
    stack: list[tuple[str, Any]] = [("", data)]
    while stack:
        path, value = stack.pop()
        if isinstance(value, str):
            if not _storable(value):
                return path
        elif isinstance(value, dict):
            for key, item in value.items():
                if not _storable(key):
                    return path
                stack.append((f"{path}.{key}" if path else key, item))
        elif isinstance(value, list):
            stack.extend((f"{path}.{i}" if path else str(i), item) for i, item in enumerate(value))
    return None


class JSONParser(parsers.JSONParser):
    def parse(self, stream, media_type=None, parser_context=None) -> Any:
        encoding = (parser_context or {}).get("encoding", settings.DEFAULT_CHARSET)
        raw = stream.read()
        try:
            data = json.loads(raw.decode(encoding), parse_constant=_refuse_constant)
        except RecursionError as exc:
            raise ParseError("JSON parse error - nested too deeply") from exc
        except ValueError as exc:
            raise ParseError(f"JSON parse error - {exc}") from exc
        # Only a \u escape can smuggle either character in (raw NUL is invalid JSON, and
        # the bytes were strictly decoded), so most bodies skip the walk.
        if b"\\u" in raw:
            path = unstorable_path(data)
            if path is not None:
                raise ValidationError({path or "body": [UNSTORABLE]})
        return data


def _refuse_constant(name: str) -> Any:
    """NaN and Infinity are not JSON (DRF's STRICT_JSON behaviour)."""
    raise ValueError(f"{name} is not valid JSON")
