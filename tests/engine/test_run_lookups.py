"""Starting runs reads the runs of the customers it starts, not the whole workflow's, even
when PostgreSQL's statistics do not know how big the workflow has grown: a new workflow
busy with events is exactly that case until autovacuum analyses the runs again."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.customers.models import Customer
from apps.engine.models import Run
from apps.engine.starting import Entry, runs_start
from tests.workflows.graphs import edge, graph, node, trigger

pytestmark = pytest.mark.django_db

CUSTOMERS = 2_000
ASKED = 20
READS_RUNS = re.compile(rf'(FROM|JOIN) "?{Run._meta.db_table}\b')


def engine_run_rows_read(sql: str) -> int:
    """Rows the statement's plan took from engine_run (returned or filtered away)."""
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, FORMAT JSON) {sql}")
        plan = cursor.fetchone()[0]
    plan = json.loads(plan) if isinstance(plan, str) else plan
    return sum((n.get("Actual Rows", 0) + n.get("Rows Removed by Filter", 0)
                + n.get("Rows Removed by Index Recheck", 0)) * n.get("Actual Loops", 1)
               for n in _nodes(plan[0]["Plan"]) if n.get("Relation Name") == Run._meta.db_table)


def _nodes(plan: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield plan
    for child in plan.get("Plans", ()):
        yield from _nodes(child)


def runs_insert(workflow, customers: list[Customer]) -> None:
    """A completed run of the workflow for each customer, entry key old:<customer id>."""
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO engine_run (workflow_id, version_id, customer_id, trigger_node, "
            " entry_key, state, frontier, visits, variables, attempts, error, failed_node, "
            " exit_reason, step_count, open_waits, created_at, updated_at, ended_at) "
            "SELECT %s, %s, c, 't1', 'old:' || c, 'completed', '[]', '{}', '{}', 0, '', '',"
            " '', 2, 0, now(), now(), now() FROM unnest(%s::bigint[]) AS c",
            [workflow.pk, workflow.published_version_id, [c.pk for c in customers]])


def test_starting_runs_reads_only_the_runs_of_its_customers(publish) -> None:
    # Given runs of one workflow the statistics know, and 2,000 of another that they do
    # not (it grew after the last ANALYZE)
    def tagging() -> dict:
        return graph(trigger(event_type="order.delayed"),
                     node("a", "action.update_customer", {"add_tags": ["x"]}),
                     edges=[edge("t1", "a")])

    older, workflow = (publish(tagging(), settings={"re_entry": {"policy": "always"}})
                       for _ in range(2))
    customers = Customer.objects.bulk_create(Customer(external_id=f"c{i}")
                                             for i in range(CUSTOMERS))
    runs_insert(older, customers)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE engine_run")
    runs_insert(workflow, customers)

    # When twenty of those customers enter it again, one with a key already used
    entries = [Entry(workflow_id=workflow.pk, version_id=workflow.published_version_id,
                     trigger_node="t1", customer_id=c.pk, entry_key=f"new:{c.pk}")
               for c in customers[:ASKED - 1]]
    entries.append(Entry(workflow_id=workflow.pk, version_id=workflow.published_version_id,
                         trigger_node="t1", customer_id=customers[ASKED].pk,
                         entry_key=f"old:{customers[ASKED].pk}"))
    with CaptureQueriesContext(connection) as captured:
        result = runs_start(entries)

    # Then the duplicate is refused, the others start
    assert (len(result.started), dict(result.skipped)) == (ASKED - 1, {"duplicate": 1})
    # and no statement read more runs than the twenty customers have
    reads = {q["sql"][:120]: engine_run_rows_read(q["sql"]) for q in captured.captured_queries
             if q["sql"].startswith("SELECT") and READS_RUNS.search(q["sql"])}
    assert len(reads) >= 2, reads  # the entry keys, the customers' history
    assert max(reads.values()) <= 2 * ASKED, reads
