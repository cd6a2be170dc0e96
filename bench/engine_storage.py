"""Bytes stored per run: `python -m bench.engine_storage [--runs N] [--quick]`.

A scratch database is migrated with the app's migrations; N customers each send one
event that starts a run of a six-node workflow through the real trigger index and
interpreter (trigger.event -> flow.filter -> flow.segment_check -> action.create_task ->
flow.wait 1 day -> action.update_customer). The size of the engine's tables
(pg_total_relation_size: heap, TOAST and indexes, of a copy holding the live rows only)
is measured three times: every run waiting at the timer, every run completed, and after
the step details were pruned (steps_prune with zero retention). Divided by N, that is
what a run costs to keep; docs/engine.md turns it into sizing figures.

Writes bench/results/engine_storage[-quick].json and prints a summary table.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from datetime import timedelta
from typing import Any

from bench.support import (
    database_name,
    database_recreate,
    env_url,
    machine_facts,
    now_iso,
    results_write,
    say,
)

DATABASE_URL = env_url("BENCH_STORAGE_DATABASE_URL",
                       "postgres://postgres@127.0.0.1:5432/keepflow_bench_storage")
RUNS = 5_000
QUICK_RUNS = 300
TABLES = {"runs": "engine_run", "steps": "engine_step", "waits": "engine_wait"}
OTHER_TABLES = {"node_counts": "engine_nodecount", "events": "customers_event",
                "tasks": "tasks_task"}


def _django_setup() -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "apps.config.settings.dev"
    os.environ["DATABASE_URL"] = DATABASE_URL
    os.environ["DEBUG"] = "0"  # no query log growing in memory
    os.environ["CELERY_BROKER_URL"] = "memory://"  # hand-offs stay in this process
    import django

    django.setup()


def _graph(segment_id: int) -> dict[str, Any]:
    def node(node_id: str, type_: str, config: dict[str, Any]) -> dict[str, Any]:
        return {"id": node_id, "type": type_, "config": config}

    def edge(source: str, target: str, port: str = "out") -> dict[str, Any]:
        return {"source": source, "source_port": port, "target": target}

    return {"schema_version": 1, "nodes": [
        node("t1", "trigger.event", {"event_type": "feedback.submitted", "condition": {
            "all": [{"field": "event.properties.score", "op": "lte", "value": 6}]}}),
        node("f1", "flow.filter", {"condition": {
            "all": [{"field": "customer.attributes.plan", "op": "eq", "value": "pro"}]}}),
        node("s1", "flow.segment_check", {"segment_id": segment_id}),
        node("a1", "action.create_task", {"kind": "call_back", "queue": "retention",
                                          "title": "Call {{ customer.first_name }} back",
                                          "due_in": "1d"}),
        node("w1", "flow.wait", {"mode": "duration", "duration": "1d"}),
        node("u1", "action.update_customer", {"set_attributes": {"apologised": True},
                                              "add_tags": ["apologised"]}),
    ], "edges": [edge("t1", "f1"), edge("f1", "s1", "yes"), edge("s1", "a1", "yes"),
                 edge("a1", "w1"), edge("w1", "u1")]}


def _sizes(names: dict[str, str]) -> dict[str, int]:
    """Bytes of the live rows of each table with its indexes and TOAST, measured on a copy
    (CREATE TABLE … LIKE … INCLUDING ALL, then INSERT … SELECT): dead rows of deletes are
    not counted even while another session's snapshot keeps VACUUM from removing them,
    which on a shared PostgreSQL server is usually the case."""
    from django.db import connection

    sizes = {}
    with connection.cursor() as cursor:
        for name, table in names.items():
            copy = f"bench_copy_{table}"
            cursor.execute(f"DROP TABLE IF EXISTS {copy}")
            cursor.execute(f"CREATE TABLE {copy} (LIKE {table} INCLUDING ALL)")
            cursor.execute(f"INSERT INTO {copy} SELECT * FROM {table}")
            cursor.execute("SELECT pg_total_relation_size(%s)", [copy])
            sizes[name] = int(cursor.fetchone()[0])
            cursor.execute(f"DROP TABLE {copy}")
    return sizes


def _rows() -> dict[str, int]:
    from apps.engine.models import Run, Step, Wait

    return {"runs": Run.objects.count(), "steps": Step.objects.count(),
            "waits": Wait.objects.count()}


def _phase(name: str, runs: int) -> dict[str, Any]:
    sizes = _sizes(TABLES)
    total = sum(sizes.values())
    rows = _rows()
    phase = {
        "phase": name,
        "rows": rows,
        "bytes": {**sizes, "total": total},
        "bytes_per_run": {key: round(value / runs) for key, value in
                          {**sizes, "total": total}.items()},
        "steps_per_run": round(rows["steps"] / runs, 2),
    }
    say(f"storage: {name}: {phase['bytes_per_run']['total']} bytes per run "
        f"(runs {phase['bytes_per_run']['runs']}, steps {phase['bytes_per_run']['steps']}, "
        f"waits {phase['bytes_per_run']['waits']})")
    return phase


def run(*, runs: int) -> dict[str, Any]:
    say(f"storage: recreating database {database_name(DATABASE_URL)} and migrating")
    database_recreate(DATABASE_URL)
    _django_setup()
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from apps.accounts.models import User
    from apps.customers.ingest import EventIn, events_ingest
    from apps.customers.models import Customer, Segment, SegmentMembership
    from apps.engine.events import events_handle
    from apps.engine.interpreter import run_advance
    from apps.engine.models import Run, RunState
    from apps.engine.services import steps_prune
    from apps.engine.timers import timers_wake
    from apps.workflows.services import workflow_create, workflow_publish

    call_command("migrate", "--noinput", verbosity=0)
    user = User.objects.create_user(username="bench", password="bench-only", role="publisher")
    now = timezone.now()
    say(f"storage: {runs:,} customers in one segment")
    customers = Customer.objects.bulk_create(
        [Customer(external_id=f"bench-{i}", first_name=f"Customer {i}",
                  attributes={"plan": "pro"}) for i in range(runs)], batch_size=5_000)
    segment = Segment.objects.create(name="pro", condition={"all": [
        {"field": "customer.attributes.plan", "op": "eq", "value": "pro"}]})
    SegmentMembership.objects.bulk_create(
        [SegmentMembership(segment=segment, customer=c, entered_at=now) for c in customers],
        batch_size=5_000)
    workflow, result = workflow_create(name="storage", graph=_graph(segment.pk), user=user)
    if result.errors:
        raise SystemExit(f"the bench workflow does not validate: {result.errors}")
    workflow_publish(workflow.pk, user=user)

    say(f"storage: {runs:,} events -> runs, advanced by the interpreter")
    started = time.monotonic()
    batch = 500
    for offset in range(0, runs, batch):
        results = events_ingest([
            EventIn(customer_external_id=f"bench-{i}", type="feedback.submitted",
                    properties={"score": 3, "comment": "The delivery was late."})
            for i in range(offset, min(runs, offset + batch))])
        events_handle([r.event_id for r in results if not r.duplicate])
    for run_id in Run.objects.order_by("id").values_list("id", flat=True):
        run_advance(run_id)
    first_pass = time.monotonic() - started
    waiting = Run.objects.filter(state=RunState.WAITING).count()
    if waiting != runs:
        raise SystemExit(f"expected {runs} waiting runs, found {waiting}")
    phases = [_phase("waiting at the timer", runs)]

    later = timezone.now() + timedelta(days=1, minutes=1)
    timers_wake(now=later, budget_seconds=600)
    for run_id in Run.objects.filter(state=RunState.WAITING).order_by("id") \
            .values_list("id", flat=True):
        run_advance(run_id, now=later)
    completed = Run.objects.filter(state=RunState.COMPLETED).count()
    if completed != runs:
        raise SystemExit(f"expected {runs} completed runs, found {completed}")
    phases.append(_phase("completed", runs))

    deleted = steps_prune(now=later + timedelta(seconds=1), retention_days=0)
    phases.append({**_phase("completed, steps pruned", runs), "steps_deleted": deleted})
    others = _sizes(OTHER_TABLES)
    connection.close()
    kept, full = phases[2]["bytes_per_run"]["total"], phases[1]["bytes_per_run"]["total"]
    return {
        "database": database_name(DATABASE_URL),
        "runs": runs,
        "workflow": "trigger.event -> flow.filter -> flow.segment_check -> "
                    "action.create_task -> flow.wait 1d -> action.update_customer",
        "interpreter_seconds_first_pass": round(first_pass, 1),
        "phases": phases,
        "pruning_saves_percent": round(100 * (1 - kept / full), 1) if full else 0.0,
        "other_tables_bytes": others,
        "note": "pg_total_relation_size (heap + TOAST + indexes) of a copy of the live rows, "
                "divided by the number of runs; node counts do not grow with runs",
    }


def summary(body: dict[str, Any]) -> str:
    from bench.__main__ import table

    rows = [[p["phase"], p["steps_per_run"], p["bytes_per_run"]["runs"],
             p["bytes_per_run"]["steps"], p["bytes_per_run"]["waits"],
             p["bytes_per_run"]["total"]] for p in body["phases"]]
    return (f"ENGINE STORAGE per run ({body['runs']:,} runs of a 6-node workflow)\n"
            + table(["phase", "steps/run", "runs B", "steps B", "waits B", "total B"], rows)
            + f"\n\npruning step details saves {body['pruning_saves_percent']} %")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.engine_storage", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=None, help=f"default {RUNS:,}")
    parser.add_argument("--quick", action="store_true",
                        help=f"{QUICK_RUNS} runs: a smoke test, not figures")
    args = parser.parse_args(argv)
    runs = args.runs or (QUICK_RUNS if args.quick else RUNS)
    started, started_at = time.monotonic(), now_iso()
    facts = machine_facts(DATABASE_URL)
    body = run(runs=runs)
    payload = {"benchmark": "engine_storage", "started_at": started_at,
               "finished_at": now_iso(), "wall_seconds": round(time.monotonic() - started, 1),
               "quick": args.quick, "machine": facts, **body}
    path = results_write("engine_storage" + ("-quick" if args.quick else ""), payload)
    say(f"engine_storage: results written to {path}")
    print(summary(body))
    return 0


if __name__ == "__main__":
    sys.exit(main())
