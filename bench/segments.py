"""Segment counts over 1,000,000 customers.

A scratch database is migrated with the app's own migrations (so it has exactly the
indexes the app defines) and filled by PostgreSQL itself (generate_series, seeded random):
customers with realistic attributes (plan, country, nps, contract_end), tags, consent,
churn score and CLV, plus purchase and feedback events for the metrics conditions. The
data is kept between runs (--fresh regenerates it).

Each segment is a typical three-condition definition in the condition language, compiled
by the app's conditions compiler exactly as segment counts use it, and counted repeatedly;
median and p95 are reported, with EXPLAIN ANALYZE of the slowest.
"""

import os
import time
from typing import Any

import psycopg

from bench.support import (
    bench_data_present,
    database_name,
    database_recreate,
    django_production_setup,
    env_url,
    percentile,
    say,
)

DATABASE_URL = env_url("BENCH_SEGMENTS_DATABASE_URL",
                       "postgres://postgres@127.0.0.1:5432/keepflow_bench_segments")
CUSTOMERS = 1_000_000
QUICK_CUSTOMERS = 50_000
DATA_VERSION = 1  # bump when the generator changes, so old data is regenerated
TARGET_MS = 1000

SEGMENTS: list[dict[str, Any]] = [
    {
        "name": "unhappy pro customers in Germany",
        "condition": {"all": [
            {"field": "customer.attributes.plan", "op": "eq", "value": "pro"},
            {"field": "customer.attributes.country", "op": "eq", "value": "DE"},
            {"field": "customer.attributes.nps", "op": "lte", "value": 6},
        ]},
    },
    {
        "name": "contract ends within 30 days, e-mail opt-in, not VIP",
        "condition": {"all": [
            {"field": "customer.attributes.contract_end", "op": "within_next", "value": "30d"},
            {"field": "customer.consent.email.status", "op": "eq", "value": "granted"},
            {"not": {"field": "customer.tags", "op": "contains", "value": "vip"}},
        ]},
    },
    {
        "name": "valuable customers at risk",
        "condition": {"all": [
            {"field": "customer.clv", "op": "gte", "value": 1000},
            {"field": "customer.churn_score", "op": "gte", "value": 0.7},
            {"field": "customer.last_seen_at", "op": "before", "value": "30d"},
        ]},
    },
    {
        "name": "lapsed repeat buyers with SMS opt-in",
        "condition": {"all": [
            {"field": "metrics.event_count", "op": "gte", "value": 3,
             "event_type": "purchase", "window": "365d"},
            {"field": "metrics.days_since_last", "op": "gte", "value": 60,
             "event_type": "purchase"},
            {"field": "customer.consent.sms.status", "op": "eq", "value": "granted"},
        ]},
    },
    {
        "name": "promoters or VIPs on a paid plan",
        "condition": {"all": [
            {"any": [
                {"field": "customer.attributes.nps", "op": "gte", "value": 9},
                {"field": "customer.tags", "op": "contains", "value": "vip"},
            ]},
            {"field": "customer.attributes.plan", "op": "in",
             "value": ["basic", "pro", "enterprise"]},
            {"field": "customer.attributes.country", "op": "ne", "value": "US"},
        ]},
    },
]

# Seeded, so every run counts the same data. Weights: arrays repeat the common values.
_CUSTOMERS_SQL = """
INSERT INTO customers_customer (
    external_id, email, phone, first_name, last_name, timezone, locale, attributes, tags,
    consent, churn_score, clv, tier, created_at, updated_at, last_seen_at)
SELECT
    'cust-' || g,
    'customer' || g || '@example.com',
    '',
    'First' || (g %% 997),
    'Last' || (g %% 4999),
    (ARRAY['Europe/Berlin','Europe/Berlin','America/New_York','Europe/Paris',
           'Europe/London'])[1 + floor(random() * 5)::int],
    'en',
    jsonb_strip_nulls(jsonb_build_object(
        'plan', (ARRAY['free','free','free','basic','basic','pro','enterprise'])
                [1 + floor(random() * 7)::int],
        'country', (ARRAY['DE','DE','DE','US','US','US','FR','GB','NL','AT','CH','ES'])
                   [1 + floor(random() * 12)::int],
        'nps', CASE WHEN random() < 0.7 THEN floor(random() * 11)::int END,
        'contract_end', to_char(current_date + floor(random() * 900 - 300)::int, 'YYYY-MM-DD'),
        'seats', 1 + floor(random() * random() * 50)::int,
        'signup_channel', (ARRAY['web','partner','sales','app'])[1 + floor(random() * 4)::int]
    )),
    (SELECT COALESCE(jsonb_agg(tag ORDER BY tag), '[]'::jsonb)
       FROM unnest(ARRAY['b2b','beta','churn-risk','newsletter','vip']) AS tag
      WHERE random() < CASE tag WHEN 'newsletter' THEN 0.4 WHEN 'vip' THEN 0.05 ELSE 0.12 END
        AND g > 0),
    jsonb_build_object(
        'email', jsonb_build_object(
            'status', (ARRAY['granted','granted','granted','denied','unknown'])
                      [1 + floor(random() * 5)::int],
            'source', 'import', 'at', '2025-06-01T00:00:00+00:00'),
        'sms', jsonb_build_object(
            'status', (ARRAY['granted','denied','unknown','unknown'])[1 + floor(random() * 4)::int],
            'source', 'import', 'at', '2025-06-01T00:00:00+00:00')),
    CASE WHEN random() < 0.9 THEN round(random()::numeric, 3)::float END,
    CASE WHEN random() < 0.95 THEN round((power(random(), 3) * 5000)::numeric, 2) END,
    (ARRAY['', '', 'silver', 'gold', 'platinum'])[1 + floor(random() * 5)::int],
    now() - random() * interval '1100 days',
    now(),
    CASE WHEN random() < 0.97 THEN now() - power(random(), 2) * interval '400 days' END
FROM generate_series(1, %(customers)s) AS g
"""

# About 2.2 purchases and 0.3 feedback events per customer over two years.
_EVENTS_SQL = """
INSERT INTO customers_event (customer_id, type, properties, occurred_at, received_at,
                             idempotency_key, source)
SELECT c.id, e.type, e.properties, e.at, e.at, 'gen-' || c.id || '-' || e.type || '-' || n,
       'import'
FROM customers_customer AS c
CROSS JOIN LATERAL generate_series(
    1, floor(power(random(), 1.5) * 6)::int + (c.id * 0)) AS n
CROSS JOIN LATERAL (
    SELECT 'purchase' AS type,
           jsonb_build_object('amount', round((random() * 200)::numeric, 2),
                              'sku', 'SKU-' || floor(random() * 500)::int) AS properties,
           now() - power(random(), 1.3) * interval '730 days' + (n * interval '0') AS at
) AS e
UNION ALL
SELECT c.id, 'feedback.submitted', jsonb_build_object('score', floor(random() * 11)::int),
       now() - random() * interval '365 days', now(), 'gen-' || c.id || '-feedback', 'import'
FROM customers_customer AS c
WHERE random() < 0.3
"""


def django_setup() -> None:
    django_production_setup(DATABASE_URL)


def migrate() -> None:
    from django.core.management import call_command

    call_command("migrate", "--noinput", verbosity=0)


def data_present(customers: int) -> bool:
    return bench_data_present(DATABASE_URL, customers, DATA_VERSION)


def _secondary_indexes(conn: psycopg.Connection, table: str) -> list[tuple[str, str]]:
    """(drop statement, create statement) for the table's indexes and unique constraints
    other than the primary key: dropped for the bulk load, rebuilt after (much faster)."""
    constraints = conn.execute(
        "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
        "WHERE conrelid = %s::regclass AND contype = 'u'", [table]).fetchall()
    statements = [(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"',
                   f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
                  for name, definition in constraints]
    indexes = conn.execute(
        "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) FROM pg_index i "
        "WHERE i.indrelid = %s::regclass AND NOT i.indisprimary AND NOT EXISTS ("
        "SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)", [table]).fetchall()
    statements += [(f"DROP INDEX {name}", definition) for name, definition in indexes]
    return statements


def generate(customers: int) -> dict[str, Any]:
    """Fill the database with `customers` customers and their events; returns row counts
    and how long it took."""
    started = time.monotonic()
    with psycopg.connect(DATABASE_URL, autocommit=True) as conn:
        conn.execute("SET maintenance_work_mem = '256MB'")
        conn.execute("SELECT setseed(0.42)")
        rebuilt: list[str] = []
        for table in ("customers_customer", "customers_event"):
            for drop, create in _secondary_indexes(conn, table):
                conn.execute(drop)
                rebuilt.append(create)
        say(f"segments: generating {customers:,} customers")
        conn.execute(_CUSTOMERS_SQL, {"customers": customers})
        say("segments: generating their events")
        conn.execute(_EVENTS_SQL)
        say(f"segments: rebuilding {len(rebuilt)} indexes and constraints")
        for create in rebuilt:
            conn.execute(create)
        say("segments: VACUUM ANALYZE")
        conn.execute("VACUUM ANALYZE customers_customer")
        conn.execute("VACUUM ANALYZE customers_event")
        # Filled by the app's triggers as the events went in (apps/customers/event_stats.py).
        conn.execute("VACUUM ANALYZE customers_eventstat")
        conn.execute("CREATE TABLE bench_meta (customers int, version int)")
        conn.execute("INSERT INTO bench_meta VALUES (%s, %s)", [customers, DATA_VERSION])
        counts = {
            "customers": conn.execute("SELECT count(*) FROM customers_customer").fetchone()[0],
            "events": conn.execute("SELECT count(*) FROM customers_event").fetchone()[0],
        }
    return {**counts, "seconds": round(time.monotonic() - started, 1)}


def table_sizes() -> dict[str, str]:
    with psycopg.connect(DATABASE_URL) as conn:
        rows = conn.execute(
            "SELECT relname, pg_size_pretty(pg_total_relation_size(oid)) FROM pg_class "
            "WHERE relname IN ('customers_customer', 'customers_event', 'customers_eventstat')"
        ).fetchall()
        indexes = conn.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename IN "
            "('customers_customer', 'customers_event', 'customers_eventstat') ORDER BY 1"
        ).fetchall()
    return {**dict(rows), "indexes": [definition for _, definition in indexes]}


def counter() -> tuple[str, Any]:
    """How the app counts a segment: segments_selectors.segment_count when it exists, else
    the conditions compiler it is built on, used the same way."""
    try:
        from apps.customers.segments_selectors import segment_count
    except ImportError:
        segment_count = None
    if segment_count is not None:
        return "apps.customers.segments_selectors.segment_count", segment_count

    from apps.customers.conditions import condition_parse, condition_q
    from apps.customers.models import Customer

    def count(condition: dict[str, Any]) -> int:
        node = condition_parse(condition, root="customer", segment=True)
        return Customer.objects.filter(erased_at__isnull=True).filter(
            condition_q(node, root="customer")).order_by().count()

    return "apps.customers.conditions.condition_q", count


def explain(count: Any, condition: dict[str, Any]) -> list[str]:
    """EXPLAIN (ANALYZE, BUFFERS) of the very query the count ran (captured, not rebuilt),
    under the same session settings (the SET LOCALs the count issued)."""
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        count(condition)
    queries = [q["sql"] for q in captured.captured_queries]
    settings = [sql for sql in queries if sql.upper().startswith("SET LOCAL")]
    sql = [sql for sql in queries if sql.upper().startswith("SELECT")][-1]
    with transaction.atomic(), connection.cursor() as cursor:
        for setting in settings:
            cursor.execute(setting)
        cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}")
        return [*settings, *(row[0] for row in cursor.fetchall())]


def run(quick: bool = False, fresh: bool = False) -> dict[str, Any]:
    customers = QUICK_CUSTOMERS if quick else CUSTOMERS
    runs = 3 if quick else 9
    generation: dict[str, Any] | str = "reused from an earlier run"
    if fresh or not data_present(customers):
        say(f"segments: recreating database {database_name(DATABASE_URL)}")
        database_recreate(DATABASE_URL)
        django_setup()
        migrate()
        generation = generate(customers)
    else:
        say(f"segments: reusing {customers:,} customers in {database_name(DATABASE_URL)}")
        django_setup()
        migrate()

    compiler, count = counter()
    results = []
    for segment in SEGMENTS:
        say(f"segments: counting '{segment['name']}' ({runs} runs after a warm-up)")
        load_before = round(os.getloadavg()[0], 2)
        count(segment["condition"])  # warm-up: caches, plan
        timings, found = [], 0
        for _ in range(runs):
            started = time.perf_counter()
            found = count(segment["condition"])
            timings.append((time.perf_counter() - started) * 1000)
        results.append({
            "name": segment["name"],
            "condition": segment["condition"],
            "count": found,
            "runs": runs,
            "median_ms": round(percentile(timings, 50), 1),
            "p95_ms": round(percentile(timings, 95), 1),
            "timings_ms": [round(t, 1) for t in timings],
            "load_1min_before": load_before,
        })
        say(f"  {found:,} customers, median {results[-1]['median_ms']} ms")
    slowest = max(results, key=lambda r: r["median_ms"])
    say(f"segments: EXPLAIN ANALYZE of the slowest, '{slowest['name']}'")
    return {
        "database": database_name(DATABASE_URL),
        "customers": customers,
        "generation": generation,
        "tables": table_sizes(),
        "compiler": compiler,
        "segments": results,
        "slowest": {"name": slowest["name"],
                    "explain_analyze": explain(count, slowest["condition"])},
        "target_ms": TARGET_MS,
        "target_met": all(r["p95_ms"] < TARGET_MS for r in results),
    }
