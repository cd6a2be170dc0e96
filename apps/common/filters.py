"""Query-string filters shared by the API's list endpoints."""

from datetime import UTC, datetime

import django_filters
from django.core.exceptions import ValidationError
from django_filters.fields import IsoDateTimeField


class UtcIsoDateTimeField(IsoDateTimeField):
    """An ISO 8601 date-time, normalised to UTC.

    Python accepts UTC offsets up to ±23:59 but PostgreSQL refuses anything beyond ±15:59
    (a 500 for `?since=2026-01-01T00:00-19:00`); converted to UTC first, every offset the
    parser accepts is safe, and a value that leaves the calendar in UTC is a 400."""

    def to_python(self, value: object) -> datetime | None:
        parsed = super().to_python(value)
        if parsed is None:
            return None
        try:
            return parsed.astimezone(UTC)
        except OverflowError as exc:
            raise ValidationError("date-time out of range once converted to UTC",
                                  code="invalid") from exc


class UtcDateTimeFilter(django_filters.IsoDateTimeFilter):
    field_class = UtcIsoDateTimeField
