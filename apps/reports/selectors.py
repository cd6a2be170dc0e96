"""Reads of the workflow report: who entered (treated or held out) and who converted,
counted in one SQL statement over runs and events, then compared by apps.reports.stats.

Conversions are computed when the report is asked for, not recorded as events arrive:
the goal can be changed afterwards (the report then answers for the new goal over the
whole history), events may arrive late or out of order, and the event path stays as
cheap as it was. The statement reads the workflow's runs through the (workflow,
created_at) index and probes each entered customer's goal events through the events'
(customer, type, occurred_at) index. docs/reports.md explains the choice.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from django.db import connection, transaction
from django.db.models import FloatField, Value
from django.db.models.expressions import RawSQL
from django.utils import timezone

from apps.customers.conditions.compile import condition_q
from apps.customers.conditions.schema import condition_parse
from apps.customers.models import Event
from apps.engine.models import Run
from apps.reports.costs import value_per_kept, workflow_costs
from apps.reports.models import ReportRollup
from apps.reports.roi import Roi, roi_compute
from apps.reports.rollup import (
    NODES_SQL,
    day_cells,
    goal_customers_sql,
    goal_key,
    midnight,
    rollup_read,
    utc_day,
)
from apps.reports.stats import (
    GroupCounts,
    Interval,
    lift_compute,
    value_lift,
    wilson_interval,
)
from apps.workflows.models import Workflow, WorkflowVersion
from apps.workflows.schemas import Goal, WorkflowSettings


@dataclass(frozen=True)
class Cell:
    """One (version, holdout) cell of the counts: customers who first entered there."""

    version_id: int
    holdout: str  # "" treated, "entry" held out by control_percent, "split" holdout port
    customers: int
    converted: int
    value: float
    value_squares: float
    node_id: str = ""  # "" everyone who entered, else those whose run passed the node


def workflow_settings(workflow: Workflow) -> WorkflowSettings:
    """The live settings (the published version's), else the draft's."""
    version = workflow.published_version
    raw = version.settings if version is not None else workflow.draft_settings
    return WorkflowSettings.model_validate(raw or {})


def report_cells(workflow_id: int, goal: Goal | None, date_from: datetime, date_to: datetime,
                 *, now: datetime | None = None,
                 not_entered_since: datetime | None = None,
                 nodes: bool = False) -> list[Cell]:
    """Per (version, holdout): customers whose first entry in [from, to) was there, and
    how many of them reached the goal after entering (within its window), with the sum
    and the sum of squares of their goal values. With `not_entered_since`: only customers
    who did not enter in [not_entered_since, from) (those are counted from the rollup).
    With `nodes`: also per node, those of them whose (first) run passed the node.

    The unit is the customer, not the run: the control group is assigned per customer,
    and one customer entering five times is not five independent observations."""
    runs = Run._meta.db_table
    earlier = ""
    params: list[Any] = [workflow_id, date_from, date_to]
    if not_entered_since is not None:
        earlier = (f"AND NOT EXISTS (SELECT 1 FROM {runs} p WHERE p.customer_id = "
                   f"r.customer_id AND p.workflow_id = r.workflow_id "
                   f"AND p.created_at >= %s AND p.created_at < %s) ")
        params += [not_entered_since, date_from]
    entries = (
        f"SELECT DISTINCT ON (r.customer_id) r.customer_id, r.version_id, r.holdout, "
        f"r.created_at, r.visits FROM {runs} r "
        f"WHERE r.workflow_id = %s AND r.created_at >= %s AND r.created_at < %s {earlier}"
        f"ORDER BY r.customer_id, r.created_at, r.id")
    if goal is None:
        conv = "SELECT e.*, 0 AS n, 0.0 AS value FROM entries e"
    else:
        goal_sql, goal_params = goal_events_sql(goal, now or timezone.now())
        window = ""
        if goal.within_days:
            window = "AND g.occurred_at <= e.created_at + make_interval(days => %s)"
        conv = (
            f"SELECT e.*, c.n, c.value FROM entries e LEFT JOIN LATERAL ("
            f"SELECT count(*) AS n, coalesce(sum(g.goal_value), 0) AS value "
            f"FROM ({goal_sql}) g WHERE g.customer_id = e.customer_id "
            f"AND g.occurred_at > e.created_at {window}) c ON true")
        params += list(goal_params)
        if goal.within_days:
            params.append(goal.within_days)
    expand = NODES_SQL if nodes else "SELECT ''::text AS node_id"
    sql = (
        f"WITH entries AS ({entries}), conv AS ({conv}) "
        f"SELECT e.version_id, e.holdout, n.node_id, count(*), "
        f"count(*) FILTER (WHERE e.n > 0), coalesce(sum(e.value), 0), "
        f"coalesce(sum(e.value * e.value), 0) "
        f"FROM conv e CROSS JOIN LATERAL ({expand}) n "
        f"GROUP BY e.version_id, e.holdout, n.node_id")
    with transaction.atomic(), connection.cursor() as cursor:
        # JIT compiling this one statement cost 0.45 s of a 1.6 s report at 100,000
        # runs (bench/reports.py); the sort of the entries fits in memory with a little
        # more work_mem.
        cursor.execute("SET LOCAL jit = off")
        cursor.execute("SET LOCAL work_mem = '64MB'")
        cursor.execute(sql, params)
        return [Cell(int(v), h or "", int(n), int(x), float(s), float(s2), node)
                for v, h, node, n, x, s, s2 in cursor.fetchall()]


def goal_events_sql(goal: Goal, now: datetime) -> tuple[str, tuple[Any, ...]]:
    """The goal's events (type, condition) with their value, as SQL for the join above.
    A value that is not a JSON number counts as 0."""
    events = Event.objects.filter(type=goal.event_type)
    if goal.condition:
        events = events.filter(condition_q(condition_parse(goal.condition, root="event"),
                                           root="event", now=now))
    if goal.value_property:
        column = f'"{Event._meta.db_table}"."properties"'
        value: Any = RawSQL(
            f"CASE WHEN jsonb_typeof({column} -> %s) = 'number' "
            f"THEN ({column} ->> %s)::float8 ELSE 0 END",
            (goal.value_property, goal.value_property), output_field=FloatField())
    else:
        value = Value(0.0, output_field=FloatField())
    query = events.order_by().annotate(goal_value=value) \
        .values("id", "customer_id", "occurred_at", "goal_value").query
    return query.sql_with_params()


def workflow_cells(workflow_id: int, goal: Goal | None, date_from: datetime,
                   date_to: datetime, *, now: datetime | None = None,
                   nodes: bool = False) -> list[Cell]:
    """report_cells, from the daily rollup where it can: the whole days of the period
    that are rolled up (for this goal), plus the change of conversions since the
    rollup's watermark, plus the raw tables after the rolled-up days. A period that does
    not start at midnight UTC, or a rollup for another goal, is counted from the raw
    tables alone."""
    now = now or timezone.now()
    state = ReportRollup.objects.filter(workflow_id=workflow_id, goal_key=goal_key(goal)) \
        .first()
    day_from = utc_day(date_from)
    if state is None or midnight(day_from) != date_from:
        return report_cells(workflow_id, goal, date_from, date_to, now=now, nodes=nodes)
    day_to = min(state.through_day, utc_day(date_to))
    if day_to <= day_from:
        return report_cells(workflow_id, goal, date_from, date_to, now=now, nodes=nodes)
    totals: dict[tuple[int, str, str], list[float]] = defaultdict(lambda: [0, 0, 0.0, 0.0])

    def add(version_id: int, holdout: str, node: str, n: int, x: int, s: float,
            s2: float) -> None:
        if node and not nodes:
            return
        total = totals[(version_id, holdout, node)]
        total[0] += n
        total[1] += x
        total[2] += s
        total[3] += s2

    for row in rollup_read(workflow_id, day_from, day_to):
        add(*row)
    if goal is not None:
        changed = goal_customers_sql(goal, state.event_watermark, None)
        for cell in day_cells(workflow_id, goal, day_from=day_from, day_to=day_to,
                              prev_before=day_from, customers=changed,
                              events_after=state.event_watermark, now=now):
            add(cell.version_id, cell.holdout, cell.node_id, 0, cell.converted, cell.value,
                cell.value_squares)
    if midnight(day_to) < date_to:
        for cell in report_cells(workflow_id, goal, midnight(day_to), date_to, now=now,
                                 not_entered_since=date_from, nodes=nodes):
            add(cell.version_id, cell.holdout, cell.node_id, cell.customers, cell.converted,
                cell.value, cell.value_squares)
    return [Cell(v, h, int(n), int(x), float(s), float(s2), node)
            for (v, h, node), (n, x, s, s2) in sorted(totals.items()) if n]


def _group(cells: list[Cell], treated: bool) -> GroupCounts:
    chosen = [c for c in cells if (c.holdout == "") == treated]
    return GroupCounts(customers=sum(c.customers for c in chosen),
                       converted=sum(c.converted for c in chosen),
                       value=sum(c.value for c in chosen),
                       value_squares=sum(c.value_squares for c in chosen))


def _interval(interval: Interval | None) -> dict[str, float] | None:
    return None if interval is None else {"low": interval.low, "high": interval.high}


def _group_out(group: GroupCounts, has_goal: bool, has_value: bool,
               ci: Interval | None) -> dict[str, Any]:
    rate = group.converted / group.customers if has_goal and group.customers else None
    return {
        "customers": group.customers,
        "converted": group.converted if has_goal else None,
        "rate": rate,
        "rate_ci": _interval(ci) if has_goal else None,
        "value": group.value if has_value else None,
        "value_per_customer": (group.value / group.customers
                               if has_value and group.customers else None),
    }


def comparison(cells: list[Cell], goal: Goal | None) -> dict[str, Any]:
    """Groups, lift, value and verdict for a set of cells (all versions, or one)."""
    treatment, control = _group(cells, True), _group(cells, False)
    has_goal, has_value = goal is not None, bool(goal and goal.value_property)
    lift = lift_compute(treatment, control)
    groups = {
        "treatment": _group_out(treatment, has_goal, has_value, lift.treatment_ci),
        "control": {
            **_group_out(control, has_goal, has_value, lift.control_ci),
            "held_out_at_entry": sum(c.customers for c in cells if c.holdout == "entry"),
            "split_holdout": sum(c.customers for c in cells if c.holdout == "split"),
        },
    }
    if not has_goal:
        verdict = {"kind": "no_goal",
                   "text": "no goal: set one in settings to count conversions"}
        if not treatment.customers and not control.customers:
            verdict = {"kind": lift.verdict, "text": lift.verdict_text}
        return {"groups": groups, "lift": None, "value": None, "verdict": verdict}
    lift_out = None
    if lift.absolute is not None:
        lift_out = {"absolute": lift.absolute, "absolute_ci": _interval(lift.absolute_ci),
                    "relative": lift.relative, "p_value": lift.p_value, "test": lift.test,
                    "needed_customers": lift.needed_customers,
                    "more_customers": lift.more_customers}
    value_out = None
    if has_value:
        value = value_lift(treatment, control)
        value_out = {"per_customer": value.per_customer,
                     "per_customer_ci": _interval(value.per_customer_ci),
                     "incremental": value.incremental,
                     "incremental_ci": _interval(value.incremental_ci)}
    return {"groups": groups, "lift": lift_out, "value": value_out,
            "verdict": {"kind": lift.verdict, "text": lift.verdict_text}}


def _roi_text(roi: Roi) -> str:
    def pct(value: float) -> str:
        return f"{value * 100:,.0f} %"

    if roi.verdict == "no_data":
        return "nobody has entered this workflow in this period"
    if roi.verdict == "no_control":
        return "no control group: set one in settings to measure what the workflow saves"
    if roi.verdict == "no_value":
        return "no value of a kept customer: set one in the cost settings"
    if roi.verdict == "no_costs":
        return "no costs: set them in settings to compute the return on investment"
    assert roi.roi is not None and roi.roi_ci is not None
    interval = f"(95 % CI {pct(roi.roi_ci.low)} to {pct(roi.roi_ci.high)})"
    if roi.verdict == "pays_off":
        return f"pays off: ROI {pct(roi.roi)} {interval}"
    if roi.verdict == "does_not_pay":
        return f"does not pay off: ROI {pct(roi.roi)} {interval}"
    return f"not clear yet whether it pays off: ROI {pct(roi.roi)} {interval}"


def workflow_roi(workflow_id: int, settings: WorkflowSettings, cells: list[Cell],
                 date_from: datetime, date_to: datetime) -> dict[str, Any] | None:
    """The return on investment (a conversion to the goal counts as a kept customer);
    None without a goal."""
    if settings.goal is None:
        return None
    treatment, control = _group(cells, True), _group(cells, False)
    costs = workflow_costs(workflow_id, settings.costs, date_from, date_to)
    value, averaged, with_clv = value_per_kept(
        workflow_id, settings.costs, date_from, date_to,
        treatment.customers + control.customers)
    roi = roi_compute(treatment.customers, costs.total, value,
                      lift_compute(treatment, control))
    return {
        "currency": settings.costs.currency,
        "costs": {**asdict(costs), "total": costs.total},
        "contacted": roi.contacted,
        "cost_per_contacted": roi.cost_per_contacted,
        "value_per_kept": roi.value_per_kept,
        "value_source": {"use_clv": settings.costs.use_clv, "customers": averaged,
                         "with_clv": with_clv},
        "break_even_rate": roi.break_even_rate,
        "break_even_one_in": roi.break_even_one_in,
        "saved_rate": roi.saved_rate,
        "saved_rate_ci": _interval(roi.saved_rate_ci),
        "saved_customers": roi.saved_customers,
        "saved_customers_ci": _interval(roi.saved_customers_ci),
        "net_value": roi.net_value,
        "net_value_ci": _interval(roi.net_value_ci),
        "roi": roi.roi,
        "roi_ci": _interval(roi.roi_ci),
        "verdict": {"kind": roi.verdict, "text": _roi_text(roi)},
    }


def _rate(group: GroupCounts) -> dict[str, Any]:
    ci = wilson_interval(group.converted, group.customers) if group.customers else None
    return {"customers": group.customers, "converted": group.converted,
            "rate": group.converted / group.customers if group.customers else None,
            "rate_ci": _interval(ci)}


def node_reports(graph: dict[str, Any], cells: list[Cell],
                 goal: Goal | None) -> list[dict[str, Any]]:
    """Per node: the customers whose (first) run in the period passed it, treated against
    those held out after it (a flow.split's holdout port), with their conversions; per
    port, the customers who left by it (counted at the port's target, where only that
    port leads). The graph's order; nodes of older versions after."""
    by_node: dict[str, list[Cell]] = defaultdict(list)
    for cell in cells:
        if cell.node_id:
            by_node[cell.node_id].append(cell)
    nodes = {n["id"]: n for n in graph.get("nodes", [])}
    edges = graph.get("edges", [])
    incoming: dict[str, int] = defaultdict(int)
    for edge in edges:
        incoming[edge["target"]] += 1
    order = [node_id for node_id in nodes if node_id in by_node]
    order += sorted(set(by_node) - set(order))
    out = []
    for node_id in order:
        node = nodes.get(node_id, {})
        ports = []
        for edge in edges:
            target = edge["target"]
            if edge["source"] == node_id and incoming[target] == 1:
                ports.append({"port": edge.get("source_port", "out"), "target": target,
                              **_rate(_group(by_node.get(target, []), True))})
        out.append({"node_id": node_id, "type": node.get("type"), "label": node.get("label"),
                    **comparison(by_node[node_id], goal),
                    "ports": ports if len(ports) > 1 else []})
    return out


def workflow_report(workflow: Workflow, date_from: datetime, date_to: datetime,
                    *, now: datetime | None = None) -> dict[str, Any]:
    """The report of one workflow over the customers who entered in [from, to): overall,
    per version they first entered on, and per node their run passed."""
    settings = workflow_settings(workflow)
    goal = settings.goal
    all_cells = workflow_cells(workflow.pk, goal, date_from, date_to, now=now, nodes=True)
    cells = [cell for cell in all_cells if not cell.node_id]
    by_version: dict[int, list[Cell]] = defaultdict(list)
    for cell in cells:
        by_version[cell.version_id].append(cell)
    numbers = dict(WorkflowVersion.objects.filter(pk__in=by_version)
                   .values_list("pk", "number"))
    versions = [{"version": numbers.get(version_id), **comparison(version_cells, goal)}
                for version_id, version_cells in sorted(
                    by_version.items(), key=lambda item: numbers.get(item[0]) or 0,
                    reverse=True)]
    version = workflow.published_version
    graph = version.resolved_graph if version is not None else workflow.draft_graph
    return {
        "workflow": workflow.pk,
        "from": date_from,
        "to": date_to,
        "control_percent": settings.control_percent,
        "goal": goal.model_dump(mode="json") if goal else None,
        **comparison(cells, goal),
        "roi": workflow_roi(workflow.pk, settings, cells, date_from, date_to),
        "versions": versions,
        "nodes": node_reports(graph or {}, all_cells, goal),
    }
