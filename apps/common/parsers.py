"""The API's JSON parser: refuses at the door what PostgreSQL cannot store.

JSON may carry `\\u0000` and unpaired surrogates (`\\ud800`); PostgreSQL's text and jsonb
cannot hold either, so such a body would fail deep inside an INSERT with a 500. Numbers
such as `1e309` or `-1e400` parse to Python's infinities, which jsonb refuses too, and an
integer of hundreds of digits overflows wherever it meets a float (conditions compare
numbers as floats). This parser answers 400 naming the field instead, for every API
endpoint at once; the tracking API, the inbound webhook and the SendGrid webhook parse
with `json_loads` as well.
"""

import json
import math
import sys
from collections.abc import Callable
from typing import Any

from django.conf import settings
from rest_framework import parsers
from rest_framework.exceptions import ErrorDetail, ParseError, ValidationError

UNSTORABLE = "contains a NUL character or an unpaired surrogate, which cannot be stored"
OUT_OF_RANGE = "is not a number that can be stored: numbers must be finite and at most " \
               "1.7e308 in size"
_MAX_INT_DIGITS = len(str(int(sys.float_info.max)))  # 309


def number_in_range(value: int | float) -> bool:
    """True for the numbers every part of Keepflow can hold: finite, within a double's
    range (I-JSON, RFC 7493), so jsonb stores them and a float comparison cannot
    overflow."""
    if isinstance(value, float):
        return math.isfinite(value)
    return abs(value) <= sys.float_info.max


def _number_parsers(refused: list[str]) -> dict[str, Callable[[str], Any]]:
    """json.loads hooks that put a marker in place of a number out of range (and note its
    text), so the walk afterwards can name its path; none noted, no walk."""

    def parse_float(text: str) -> Any:
        value = float(text)
        if math.isfinite(value):
            return value
        refused.append(text)
        return _OUT_OF_RANGE

    def parse_int(text: str) -> Any:
        # Checked on the text first: int() of thousands of digits is slow, then refused.
        if len(text.lstrip("-")) <= _MAX_INT_DIGITS and number_in_range(value := int(text)):
            return value
        refused.append(text)
        return _OUT_OF_RANGE

    return {"parse_float": parse_float, "parse_int": parse_int}


_OUT_OF_RANGE = object()
# Text that can hold a number out of range: an exponent of three digits or more, or a run
# of digits that an exponent below 100 can lift past the largest double (309 - 99 = 210
# digits; in strings too: then only slower). Found with C-speed byte operations: a
# regular expression took longer than the parse itself.
_DIGITS_TO_ZERO = bytes.maketrans(b"123456789", b"000000000")
_LARGE = (b"0" * (_MAX_INT_DIGITS - 99), b"e000", b"E000", b"e+000", b"E+000")


def _may_be_out_of_range(raw: bytes | str) -> bool:
    data = raw if isinstance(raw, bytes) else raw.encode("utf-8", "surrogatepass")
    zeros = data.translate(_DIGITS_TO_ZERO)
    return any(pattern in zeros for pattern in _LARGE)


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


def _path_where(data: Any, bad_text: Callable[[str], bool] | None,
                bad_value: Callable[[Any], bool] | None) -> str | None:
    """Dotted path of the first string or key for which `bad_text` holds, or the first
    other value for which `bad_value` holds; a bad key is reported at its object's path.
    Iterative: depth is no concern."""
    stack: list[tuple[str, Any]] = [("", data)]
    while stack:
        path, value = stack.pop()
        if isinstance(value, str):
            if bad_text is not None and bad_text(value):
                return path
        elif isinstance(value, dict):
            for key, item in value.items():
                if bad_text is not None and bad_text(key):
                    return path
                stack.append((f"{path}.{key}" if path else key, item))
        elif isinstance(value, list):
            stack.extend((f"{path}.{i}" if path else str(i), item) for i, item in enumerate(value))
        elif bad_value is not None and bad_value(value):
            return path
    return None


def unstorable_path(data: Any) -> str | None:
    """Dotted path of the first string (or object key) PostgreSQL cannot store, else None."""
    return _path_where(data, lambda text: not _storable(text), None)


def json_loads(raw: bytes | str) -> Any:
    """Parse a request body: ParseError if it is not JSON (NaN and Infinity are not, as
    DRF's STRICT_JSON has it), ValidationError naming the field of text or a number
    PostgreSQL cannot store."""
    refused: list[str] = []
    # The number hooks cost Python calls per number (2.3x the parse of a 1,000-event
    # batch): only a body with a large exponent or a long run of digits needs them.
    hooks = _number_parsers(refused) if _may_be_out_of_range(raw) else {}
    try:
        data = json.loads(raw, parse_constant=_refuse_constant, **hooks)
    except RecursionError as exc:
        raise ParseError("JSON parse error - nested too deeply") from exc
    except ValueError as exc:
        raise ParseError(f"JSON parse error - {exc}") from exc
    if refused:
        path = _path_where(data, None, lambda value: value is _OUT_OF_RANGE)
        raise ValidationError({path or "body": [ErrorDetail(OUT_OF_RANGE, "out_of_range")]})
    # Only a \u escape can smuggle either character in (raw NUL is invalid JSON, and
    # the bytes were strictly decoded), so most bodies skip the walk.
    if (b"\\u" if isinstance(raw, bytes) else "\\u") in raw:
        path = unstorable_path(data)
        if path is not None:
            raise ValidationError({path or "body": [UNSTORABLE]})
    return data


class JSONParser(parsers.JSONParser):
    def parse(self, stream, media_type=None, parser_context=None) -> Any:
        encoding = (parser_context or {}).get("encoding", settings.DEFAULT_CHARSET)
        raw = stream.read()
        try:
            text = raw.decode(encoding)
        except UnicodeDecodeError as exc:
            raise ParseError(f"JSON parse error - {exc}") from exc
        return json_loads(text)


def _refuse_constant(name: str) -> Any:
    """NaN and Infinity are not JSON (DRF's STRICT_JSON behaviour)."""
    raise ValueError(f"{name} is not valid JSON")
