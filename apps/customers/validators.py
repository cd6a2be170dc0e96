"""Field checks shared by the API, the tracking API and CSV import."""

import zoneinfo
from functools import cache

import phonenumbers
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_noop

# Event types: printable text without leading or trailing spaces, so both
# "feedback.submitted" and Segment-style names like "Order Completed" work.
EVENT_TYPE_PATTERN = r"^[^\s\x00-\x1f\x7f](?:[^\x00-\x1f\x7f]*[^\s\x00-\x1f\x7f])?$"
EVENT_TYPE_HINT = gettext_noop("printable text without leading or trailing spaces, e.g. purchase")


def normalize_phone(value: str) -> str:
    """E.164 form of a phone number written in international form (leading +)."""
    if not value:
        return ""
    try:
        number = phonenumbers.parse(value, None)
    except phonenumbers.NumberParseException as exc:
        raise ValidationError(f"not a phone number in international form (+CC...): {exc}") from exc
    if not phonenumbers.is_valid_number(number):
        raise ValidationError("not a valid phone number; use E.164, e.g. +4915112345678")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


@cache
def _time_zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def validate_time_zone(value: str) -> str:
    if value not in _time_zones():
        raise ValidationError(f"unknown time zone {value!r}; use an IANA name like Europe/Berlin")
    return value
