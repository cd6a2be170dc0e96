"""trigger.inactivity: a run starts when a customer has gone quiet: no event of a type for
a fixed number of days, or for k times their own usual gap between such events ("a loyal
customer buys every two months": silence of 2 x 60 days is a churn signal).

The engine scans every live inactivity trigger every 15 minutes (`scan`), in SQL;
`inactivity_due_at` is the same rule in Python, for one customer's event times."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from itertools import pairwise
from statistics import median
from typing import Literal

from pydantic import Field, model_validator

from blocks.base import (
    BlockConfig,
    BlockSpec,
    Category,
    ConfigFieldError,
    Continue,
    Outcome,
    RunContext,
    ScanContext,
    ScanResult,
    ScanSpec,
    ScanStart,
    SummaryLine,
    SummaryWhen,
    TriggerKind,
    TriggerSpec,
)
from blocks.fields import EventType, shown_when


class InactivityTriggerConfig(BlockConfig):
    event_type: EventType = Field(
        title="Activity event", description="The event that counts as activity, e.g. purchase."
    )
    mode: Literal["fixed_days", "rhythm"] = Field(
        "fixed_days", title="Inactive after",
        json_schema_extra={"x-enum-labels": {
            "fixed_days": "A fixed number of days without the event",
            "rhythm": "k times their own usual gap between events"}},
    )
    days: int | None = Field(
        None, ge=1, le=730, title="Days without the event", examples=[60],
        json_schema_extra=shown_when(mode=("fixed_days",)),
    )
    multiplier: float = Field(
        2.0, ge=1.0, le=10.0, title="k (times the usual gap)",
        description="Inactive after k times the customer's median gap.", examples=[2.0],
        json_schema_extra=shown_when(mode=("rhythm",)),
    )
    min_events: int = Field(
        3, ge=2, le=100, title="Minimum history",
        description="Customers with fewer events have no rhythm yet.",
        json_schema_extra=shown_when(mode=("rhythm",)),
    )

    @model_validator(mode="after")
    def _days_for_fixed(self) -> InactivityTriggerConfig:
        if self.mode == "fixed_days" and self.days is None:
            raise ConfigFieldError("days", "required", "fixed_days needs the number of days")
        return self


def inactivity_due_at(config: InactivityTriggerConfig,
                      event_times: Sequence[dt.datetime]) -> dt.datetime | None:
    """When the customer counts as inactive, given the times of their activity events;
    None when they never had one, or (rhythm) too few to know their rhythm."""
    if not event_times:
        return None
    times = sorted(event_times)
    if config.mode == "fixed_days":
        return times[-1] + dt.timedelta(days=config.days or 0)
    if len(times) < config.min_events:
        return None
    gaps = [later - earlier for earlier, later in pairwise(times)]
    usual = median(gap.total_seconds() for gap in gaps)
    if usual <= 0:
        return None
    return times[-1] + dt.timedelta(seconds=usual * config.multiplier)


def inactivity_candidates(ctx: ScanContext, config: InactivityTriggerConfig, *,
                          start: dt.datetime | None) -> dict[int, tuple[int, dt.datetime]]:
    """{customer id: (last event id, due time)} for due times in (start, now] (no lower
    bound when start is None). Only events up to now count."""
    if config.mode == "rhythm":
        rows = ctx.events_overdue(config.event_type, multiplier=config.multiplier,
                                  min_events=config.min_events, since=start)
        return {customer_id: (last_id, due) for customer_id, last_id, due in rows}
    days = dt.timedelta(days=config.days or 0)
    found: dict[int, tuple[int, dt.datetime]] = {}
    for customer_id, event_id, occurred_at in ctx.last_events(
            config.event_type, occurred_after=start - days if start is not None else None,
            occurred_until=ctx.now - days):
        found.setdefault(customer_id, (event_id, occurred_at + days))
    return found


def scan(ctx: ScanContext, config: InactivityTriggerConfig) -> ScanResult:
    """Once per silence: the key names the customer's last event, so a new event then a
    new silence starts a run again."""
    due = inactivity_candidates(ctx, config, start=ctx.since)
    return ScanResult(found=(
        ScanStart(customer_id, f"inactivity:{config.event_type}:{last_id}")
        for customer_id, (last_id, _at) in sorted(due.items())))


def run(ctx: RunContext, config: InactivityTriggerConfig) -> Outcome:
    return Continue("out")


SPEC = BlockSpec(
    type="trigger.inactivity",
    version=1,
    category=Category.TRIGGER,
    label="Inactivity",
    description="Starts when a customer goes quiet: fixed days, or below their own rhythm.",
    icon="hourglass",
    config_model=InactivityTriggerConfig,
    ports=("out",),
    run=run,
    example={"event_type": "purchase", "mode": "rhythm", "multiplier": 2.0, "min_events": 3},
    pure=True,
    trigger=TriggerSpec(TriggerKind.SCAN,
                        scan=ScanSpec("inactivity", dt.timedelta(minutes=15), scan)),
    summary=(
        SummaryLine("No {event_type} for {days} day",
                    when=(SummaryWhen("mode", "eq", "fixed_days"),),
                    plural="No {event_type} for {days} days",
                    count="days"),
        SummaryLine("No {event_type} for {multiplier}\u00d7 their usual gap",
                    when=(SummaryWhen("mode", "ne", "fixed_days"),)),
    ),
)
