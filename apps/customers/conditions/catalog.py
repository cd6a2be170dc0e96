"""The fields a person can pick in a condition, in words, with their value type and
examples: the customer's fields, the attribute keys customers have, and the properties
of the event types seen in the last 30 days. Read from a sample of the newest rows, so
the cost does not grow with the size of the tables."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.customers.conditions.fields import CONSENT_CHANNELS
from apps.customers.models import ConsentStatus, Customer, Event

WINDOW_DAYS = 30
EVENT_SAMPLE = 20_000
CUSTOMER_SAMPLE = 5_000
MAX_CHOICES = 10  # a text with at most this many values in the sample is offered as a list
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}.*)?$")


@dataclass
class FieldInfo:
    path: str
    label: str
    group: str
    type: str  # number, text, choice, date, datetime, boolean, tags
    choices: list[str] = field(default_factory=list)
    examples: list[str] = field(default_factory=list)
    event_type: str | None = None  # a property's event type; the group only names it


def _words(key: str) -> str:
    return key.replace("_", " ").replace("-", " ").strip().capitalize()


def _profile_fields(tiers: list[str]) -> list[FieldInfo]:
    customer = _("Customer")
    consent = [FieldInfo(f"customer.consent.{c}.status",
                         _("%(channel)s consent") % {"channel": _("SMS") if c == "sms" else
                                                     _("E-mail") if c == "email" else _("Call")},
                         customer, "choice", [s.value for s in ConsentStatus])
               for c in CONSENT_CHANNELS]
    return [
        FieldInfo("customer.churn_score", _("Churn score (0 to 1)"), customer, "number"),
        FieldInfo("customer.p_alive", _("Chance still a customer (0 to 1)"), customer, "number"),
        FieldInfo("customer.clv", _("Lifetime value"), customer, "number"),
        FieldInfo("customer.expected_purchases_90d", _("Expected purchases, next 90 days"),
                  customer, "number"),
        FieldInfo("customer.tier", _("Value tier"), customer, "choice", tiers),
        *consent,
        FieldInfo("customer.tags", _("Tags"), customer, "tags"),
        FieldInfo("customer.locale", _("Language"), customer, "text"),
        FieldInfo("customer.email", _("E-mail address"), customer, "text"),
        FieldInfo("customer.phone", _("Phone number"), customer, "text"),
        FieldInfo("customer.first_name", _("First name"), customer, "text"),
        FieldInfo("customer.last_seen_at", _("Last seen"), customer, "datetime"),
        FieldInfo("customer.created_at", _("Customer since"), customer, "datetime"),
        FieldInfo("event.type", _("Event type"), _("Event"), "text"),
        FieldInfo("event.occurred_at", _("Event time"), _("Event"), "datetime"),
    ]


def _kind(json_type: str, values: list[str], distinct: int) -> tuple[str, list[str]]:
    """The value type a person edits, and the choices when there are few."""
    if json_type == "number":
        return "number", []
    if json_type == "boolean":
        return "boolean", []
    if values and all(_DATE.match(v) for v in values):
        return ("date" if all(len(v) == 10 for v in values) else "datetime"), []
    if distinct <= MAX_CHOICES:
        return "choice", sorted(values)
    return "text", []


_PROPERTY_KEYS = """
WITH recent AS (
    SELECT type, properties FROM {events}
    WHERE occurred_at >= %(since)s AND occurred_at <= %(now)s AND id > {newest}
    ORDER BY id DESC LIMIT %(limit)s)
SELECT r.type, kv.key, jsonb_typeof(kv.value), count(*), count(DISTINCT kv.value),
       (array_agg(DISTINCT kv.value #>> '{{}}'))[1:%(choices)s]
FROM recent AS r, jsonb_each(CASE jsonb_typeof(r.properties) WHEN 'object'
                                  THEN r.properties ELSE '{{}}' END) AS kv
WHERE jsonb_typeof(kv.value) IN ('number', 'string', 'boolean')
GROUP BY r.type, kv.key, jsonb_typeof(kv.value)
ORDER BY r.type, count(*) DESC, kv.key
"""
# Only the newest ids are looked at (by the primary key), so an installation whose recent
# events are few does not scan its whole history backwards.
_NEWEST = "(SELECT coalesce(max(id), 0) FROM {events}) - %(limit)s * 10"
_EVENT_TYPES = """
SELECT type, count(*) FROM (
    SELECT type FROM {events} WHERE occurred_at >= %(since)s AND occurred_at <= %(now)s
      AND id > {newest}
    ORDER BY id DESC LIMIT %(limit)s) AS recent
GROUP BY type ORDER BY count(*) DESC, type
"""
_ATTRIBUTE_KEYS = """
WITH recent AS (
    SELECT attributes FROM {customers}
    WHERE erased_at IS NULL AND attributes <> '{{}}'::jsonb
    ORDER BY id DESC LIMIT %(limit)s)
SELECT kv.key, jsonb_typeof(kv.value), count(*), count(DISTINCT kv.value),
       (array_agg(DISTINCT kv.value #>> '{{}}'))[1:%(choices)s]
FROM recent AS r, jsonb_each(CASE jsonb_typeof(r.attributes) WHEN 'object'
                                  THEN r.attributes ELSE '{{}}' END) AS kv
WHERE jsonb_typeof(kv.value) IN ('number', 'string', 'boolean')
GROUP BY kv.key, jsonb_typeof(kv.value)
ORDER BY count(*) DESC, kv.key
"""


def condition_fields(tiers: list[str], now: datetime | None = None) -> dict[str, Any]:
    """{"fields": [FieldInfo...], "event_types": [{"type", "count"}]}, newest samples;
    `tiers` are the value tiers' names, highest first (the insights settings)."""
    now = now or timezone.now()
    params = {"since": now - timedelta(days=WINDOW_DAYS), "now": now,
              "choices": MAX_CHOICES + 1}
    events, customers = Event._meta.db_table, Customer._meta.db_table
    with connection.cursor() as cursor:
        newest = _NEWEST.format(events=events)
        cursor.execute(_EVENT_TYPES.format(events=events, newest=newest),
                       {**params, "limit": EVENT_SAMPLE})
        event_types = [{"type": t, "count": n} for t, n in cursor.fetchall()]
        cursor.execute(_PROPERTY_KEYS.format(events=events, newest=newest),
                       {**params, "limit": EVENT_SAMPLE})
        properties = cursor.fetchall()
        cursor.execute(_ATTRIBUTE_KEYS.format(customers=customers),
                       {**params, "limit": CUSTOMER_SAMPLE})
        attributes = cursor.fetchall()
    fields = _profile_fields(tiers)
    attribute_seen: set[str] = set()
    for key, json_type, _count, distinct, values in attributes:
        path = f"customer.attributes.{key}"
        if path in attribute_seen:  # one key with two JSON types: the commoner one wins
            continue
        attribute_seen.add(path)
        kind, choices = _kind(json_type, values, distinct)
        fields.append(FieldInfo(path, _words(key), _("Customer details"), kind, choices,
                                [] if choices else values[:3]))
    property_seen: set[tuple[str, str]] = set()
    for event_type, key, json_type, _count, distinct, values in properties:
        path = f"event.properties.{key}"
        if (event_type, path) in property_seen:
            continue
        property_seen.add((event_type, path))
        kind, choices = _kind(json_type, values, distinct)
        fields.append(FieldInfo(path, _words(key), _("Event: %(type)s") % {"type": event_type},
                                kind, choices, [] if choices else values[:3], event_type))
    return {"fields": fields, "event_types": event_types}
