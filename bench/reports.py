"""The workflow report over 1,000,000 runs and 10,000,000 events must answer in under
1 s (issue 20; docs/reports.md).

A scratch database is migrated with the app's own migrations; a published workflow with a
20 % control group and a goal (`order.completed` with `amount`, within 30 days) gets one
run per customer (1,000,000, entered over 90 days; a fifth held out, the others passed
both nodes, so the report per node has two nodes to count), and the customers
10 events each (8 page views and 2 orders, spread over the period and the month after
it): 10,000,000 events, 2,000,000 of the goal's type. Rows are INSERTed from
generate_series with the secondary indexes off, which are rebuilt after. The data is
kept between runs (--fresh regenerates it).

Then the daily rollup is built from scratch (timed: what the periodic task does after a
goal change, and once a day), 1,000 orders arrive after it (what a 5-minute pass finds
at a few events a second; the report counts them from the raw events), and the report is
computed in this process as the API does (`workflow_report`), several times: the first
cold-ish, the rest warm. Last, the rollup's periodic pass takes in the new orders
(timed). The report over the raw tables alone is timed once for comparison.

The dashboard's retention (twelve months and this one so far, per month, with the
cohorts, `definition=purchase`): the beat task's computation of its snapshot is timed
once, then GET /api/v1/reports/retention/dashboard through the whole view stack, several
times (the answer is the snapshot as stored).
"""

from __future__ import annotations

import statistics
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg

from bench.support import (
    bench_data_present,
    database_name,
    database_recreate,
    django_production_setup,
    env_url,
    say,
)

DATABASE_URL = env_url("BENCH_REPORTS_DATABASE_URL",
                       "postgres://postgres@127.0.0.1:5432/keepflow_bench_reports")
CUSTOMERS = 1_000_000
QUICK_CUSTOMERS = 100_000
EVENTS_PER_CUSTOMER = 10
DATA_VERSION = 2  # 2: runs record the nodes they passed (visits)
START = datetime(2026, 8, 1, tzinfo=UTC)
DAYS = 90
REPEATS = 5
TARGET_SECONDS = 1.0
LATE_ORDERS = 1_000

_LATE_ORDERS_SQL = """
INSERT INTO customers_event (customer_id, type, properties, occurred_at, received_at,
                             idempotency_key, source)
SELECT c.id, 'order.completed', jsonb_build_object('amount', 25), %(when)s, now(),
       'late-' || c.id || '-' || extract(epoch from clock_timestamp()), 'import'
FROM (SELECT id FROM customers_customer ORDER BY random() LIMIT %(n)s) AS c
"""

_CUSTOMERS_SQL = """
INSERT INTO customers_customer (external_id, email, phone, first_name, last_name, timezone,
    locale, attributes, tags, consent, tier, churn_reason, created_at, updated_at)
SELECT 'cust-' || g, '', '', '', '', 'UTC', '', '{}', '[]', '{}', '', '', now(), now()
FROM generate_series(1, %(customers)s) AS g
"""

_RUNS_SQL = """
INSERT INTO engine_run (workflow_id, version_id, customer_id, trigger_node, entry_key, state,
    frontier, visits, variables, attempts, error, failed_node, exit_reason, holdout,
    step_count, open_waits, created_at, updated_at, ended_at)
SELECT %(workflow)s, %(version)s, c.id, 't1', 'bench:' || c.id, 'completed', '[]',
       CASE WHEN h THEN '{}' ELSE '{"t1": 1, "a1": 1}' END::jsonb,
       '{}', 0, '', '', CASE WHEN h THEN 'held_out' ELSE '' END,
       CASE WHEN h THEN 'entry' ELSE '' END, CASE WHEN h THEN 0 ELSE 2 END, 0, t, t, t
FROM (SELECT id, random() < 0.2 AS h,
             %(start)s::timestamptz + random() * %(days)s * interval '1 day' AS t
      FROM customers_customer) AS c
"""

_EVENTS_SQL = """
INSERT INTO customers_event (customer_id, type, properties, occurred_at, received_at,
                             idempotency_key, source)
SELECT c.id, CASE WHEN g <= 8 THEN 'page.viewed' ELSE 'order.completed' END,
       CASE WHEN g <= 8 THEN '{}'::jsonb
            ELSE jsonb_build_object('amount', round((random() * 100)::numeric, 2)) END,
       %(start)s::timestamptz + random() * %(days)s * interval '1 day', now(),
       'gen-' || c.id || '-' || g, 'import'
FROM customers_customer AS c, generate_series(1, %(per)s) AS g
"""


def generate(customers: int) -> dict[str, Any]:
    from bench.segments import _secondary_indexes

    started = time.monotonic()
    workflow_id, version_id = _workflow()
    with psycopg.connect(DATABASE_URL, autocommit=True) as conn:
        conn.execute("SET maintenance_work_mem = '256MB'")
        conn.execute("SELECT setseed(0.20)")
        rebuilt: list[str] = []
        for table in ("customers_customer", "customers_event", "engine_run"):
            for drop, create in _secondary_indexes(conn, table):
                conn.execute(drop)
                rebuilt.append(create)
        conn.execute("ALTER TABLE customers_event DISABLE TRIGGER USER")  # event stats
        say(f"reports: {customers:,} customers")
        conn.execute(_CUSTOMERS_SQL, {"customers": customers})
        say(f"reports: {customers:,} runs")
        conn.execute(_RUNS_SQL, {"workflow": workflow_id, "version": version_id,
                                 "start": START, "days": DAYS})
        say(f"reports: {customers * EVENTS_PER_CUSTOMER:,} events")
        conn.execute(_EVENTS_SQL, {"per": EVENTS_PER_CUSTOMER, "start": START,
                                   "days": DAYS + 30})
        conn.execute("ALTER TABLE customers_event ENABLE TRIGGER USER")
        say(f"reports: rebuilding {len(rebuilt)} indexes and constraints")
        for create in rebuilt:
            conn.execute(create)
        say("reports: VACUUM ANALYZE")
        for table in ("customers_customer", "customers_event", "engine_run"):
            conn.execute(f"VACUUM ANALYZE {table}")
        conn.execute("CREATE TABLE bench_meta (customers int, version int)")
        conn.execute("INSERT INTO bench_meta VALUES (%s, %s)", [customers, DATA_VERSION])
        counts = {
            "customers": conn.execute("SELECT count(*) FROM customers_customer").fetchone()[0],
            "runs": conn.execute("SELECT count(*) FROM engine_run").fetchone()[0],
            "events": conn.execute("SELECT count(*) FROM customers_event").fetchone()[0],
        }
    return {**counts, "seconds": round(time.monotonic() - started, 1)}


def _workflow() -> tuple[int, int]:
    """A published workflow with a control group and a goal, through the services."""
    from apps.accounts.models import User
    from apps.workflows.services import workflow_create, workflow_publish

    user = User.objects.create_user(username="bench-reports", password=None, role="publisher")
    graph = {"schema_version": 1, "nodes": [
        {"id": "t1", "type": "trigger.event", "config": {"event_type": "contract.ending"}},
        {"id": "a1", "type": "action.update_customer", "config": {"add_tags": ["offered"]}}],
        "edges": [{"source": "t1", "target": "a1"}]}
    settings = {"control_percent": 20, "goal": {"event_type": "order.completed",
                                                "value_property": "amount", "within_days": 30}}
    workflow, result = workflow_create(name="Bench win-back", graph=graph, settings=settings,
                                       user=user)
    assert not result.errors, result.errors
    workflow = workflow_publish(workflow.pk, user=user)
    return workflow.pk, workflow.published_version_id


def run(quick: bool = False, fresh: bool = False) -> dict[str, Any]:
    customers = QUICK_CUSTOMERS if quick else CUSTOMERS
    generation: dict[str, Any] | str = "reused from an earlier run"
    if fresh or not bench_data_present(DATABASE_URL, customers, DATA_VERSION):
        say(f"reports: recreating database {database_name(DATABASE_URL)}")
        database_recreate(DATABASE_URL)
        django_production_setup(DATABASE_URL)
        from django.core.management import call_command

        call_command("migrate", "--noinput", verbosity=0)
        generation = generate(customers)
    else:
        say(f"reports: reusing {customers:,} customers in {database_name(DATABASE_URL)}")
        django_production_setup(DATABASE_URL)
        from django.core.management import call_command

        call_command("migrate", "--noinput", verbosity=0)  # tables added since
    from django.db import connection

    from apps.reports.rollup import workflow_rollup
    from apps.reports.selectors import (
        report_cells,
        workflow_cells,
        workflow_report,
        workflow_settings,
    )
    from apps.workflows.models import Workflow

    workflow = Workflow.objects.select_related("published_version").get(name="Bench win-back")
    goal = workflow_settings(workflow).goal
    date_from, date_to = START, START + timedelta(days=DAYS)
    started = time.monotonic()
    workflow_rollup(workflow.pk, goal, settle=timedelta(0), rebuild=True)
    build_seconds = round(time.monotonic() - started, 2)
    say(f"reports: rollup built in {build_seconds} s")
    with psycopg.connect(DATABASE_URL, autocommit=True) as conn:
        conn.execute(_LATE_ORDERS_SQL, {"n": LATE_ORDERS, "when": START + timedelta(days=45)})
    started = time.monotonic()
    raw = report_cells(workflow.pk, goal, date_from, date_to)
    raw_seconds = round(time.monotonic() - started, 2)
    say(f"reports: from the raw tables alone in {raw_seconds} s")
    same = _counts(workflow_cells(workflow.pk, goal, date_from, date_to)) == _counts(raw)
    say(f"reports: the rollup's counts equal the raw tables': {same}")
    seconds: list[float] = []
    report: dict[str, Any] = {}
    for _ in range(REPEATS):
        started = time.monotonic()
        report = workflow_report(workflow, date_from, date_to)
        seconds.append(round(time.monotonic() - started, 3))
        say(f"reports: report in {seconds[-1]} s")
    started = time.monotonic()
    workflow_rollup(workflow.pk, goal, settle=timedelta(0))
    advance_seconds = round(time.monotonic() - started, 2)
    say(f"reports: periodic pass over {LATE_ORDERS:,} new orders in {advance_seconds} s")
    dashboard = dashboard_retention()
    with connection.cursor() as cursor:
        cursor.execute("SHOW max_parallel_workers_per_gather")
        parallel = cursor.fetchone()[0]
    median = statistics.median(seconds)
    return {
        "database": database_name(DATABASE_URL),
        "customers": customers,
        "generation": generation,
        "seconds": seconds,
        "median_seconds": median,
        "raw_tables_seconds": raw_seconds,
        "rollup_equals_raw": same,
        "rollup_build_seconds": build_seconds,
        "late_orders": LATE_ORDERS,
        "rollup_pass_seconds": advance_seconds,
        "max_parallel_workers_per_gather": parallel,
        "groups": {k: {"customers": v["customers"], "converted": v["converted"]}
                   for k, v in report["groups"].items()},
        "verdict": report["verdict"]["text"],
        "target_seconds": TARGET_SECONDS,
        "target_met": median < TARGET_SECONDS,
        "retention_dashboard": dashboard,
    }


def dashboard_retention() -> dict[str, Any]:
    """The beat task's snapshot (timed), then the dashboard's API answering from it."""
    from rest_framework.test import APIClient

    from apps.accounts.models import User
    from apps.reports.dashboard import retention_snapshot_compute

    started = time.monotonic()
    snapshot = retention_snapshot_compute("purchase", None)
    compute_seconds = round(time.monotonic() - started, 2)
    say(f"reports: dashboard retention snapshot computed in {compute_seconds} s")
    client = APIClient(SERVER_NAME="127.0.0.1")
    client.force_authenticate(User.objects.get(username="bench-reports"))
    seconds: list[float] = []
    body: dict[str, Any] = {}
    for _ in range(REPEATS):
        started = time.monotonic()
        response = client.get("/api/v1/reports/retention/dashboard", secure=True)
        body = response.json()
        seconds.append(round(time.monotonic() - started, 3))
        assert response.status_code == 200, response.content
    say(f"reports: dashboard retention answered in {seconds} s")
    return {
        "snapshot_seconds": compute_seconds,
        "seconds": seconds,
        "median_seconds": statistics.median(seconds),
        "months": len(body["series"]),
        "cohorts": len(body["cohorts"]),
        "same_as_snapshot": {k: v for k, v in body.items() if k != "as_of"} == snapshot.report,
        "target_seconds": TARGET_SECONDS,
        "target_met": statistics.median(seconds) < TARGET_SECONDS,
    }


def _counts(cells: list[Any]) -> list[tuple[Any, ...]]:
    return sorted((c.version_id, c.holdout, c.customers, c.converted, round(c.value, 2),
                   round(c.value_squares, 0)) for c in cells)


def summary(body: dict[str, Any]) -> str:
    groups = body["groups"]
    customers = groups["treatment"]["customers"] + groups["control"]["customers"]
    return (f"REPORTS: workflow report over {customers:,} customers' first entries; "
            f"median {body['median_seconds']} s of {body['seconds']} (raw tables alone "
            f"{body['raw_tables_seconds']} s; rollup built in {body['rollup_build_seconds']} s, "
            f"a pass over {body['late_orders']:,} new orders {body['rollup_pass_seconds']} s)\n"
            f"target < {body['target_seconds']} s -> {'met' if body['target_met'] else 'MISSED'}"
            + _dashboard_summary(body.get("retention_dashboard")))


def _dashboard_summary(dashboard: dict[str, Any] | None) -> str:
    if not dashboard:
        return ""
    return (f"\nREPORTS: dashboard retention ({dashboard['months']} months, "
            f"{dashboard['cohorts']} cohorts) median {dashboard['median_seconds']} s of "
            f"{dashboard['seconds']} from the snapshot (computing it: "
            f"{dashboard['snapshot_seconds']} s, every hour in the beat task); target < "
            f"{dashboard['target_seconds']} s -> "
            f"{'met' if dashboard['target_met'] else 'MISSED'}")
