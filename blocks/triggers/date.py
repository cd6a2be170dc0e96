"""trigger.date: a run starts N days before or after a date on the customer's profile
(contract end, renewal, birthday), at a local time of day in the customer's time zone.
The engine scans every live date trigger every 5 minutes (`scan`): the customers whose
due time fell in the window since the last scan; `trigger_date_due` is the rule."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

from pydantic import Field

from blocks.base import (
    BlockConfig,
    BlockSpec,
    Category,
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
from blocks.fields import AttributeName, LocalTime
from blocks.timeutil import attribute_date, local_moment


class DateTriggerConfig(BlockConfig):
    attribute: AttributeName = Field(
        title="Date attribute",
        description="The customer attribute that holds the date, e.g. contract_end.",
    )
    offset_days: int = Field(
        0, ge=-365, le=365, title="Days from the date",
        description="Negative: before the date (-30 = 30 days before); positive: after.",
        examples=[-30, 0, 7],
    )
    at_local_time: LocalTime = Field("09:00", title="At (customer's local time)")


def trigger_date_due(config: DateTriggerConfig, attributes: dict[str, Any],
                     time_zone: str) -> dt.datetime | None:
    """When this trigger fires for a customer with these attributes (UTC), or None if
    the attribute is missing or not a date."""
    day = attribute_date(attributes.get(config.attribute), time_zone)
    if day is None:
        return None
    return local_moment(day + dt.timedelta(days=config.offset_days), config.at_local_time,
                        time_zone)


def date_candidates(ctx: ScanContext, config: DateTriggerConfig, start: dt.datetime,
                    now: dt.datetime) -> Iterator[tuple[int, str, dt.datetime]]:
    """(customer id, attribute day, due time) for due times in (start, now].

    The query narrows to customers whose attribute starts with a day near the window (ISO
    text compares like the date; time zones move a day by at most one, hence the margin);
    the exact due time in the customer's zone is then computed per candidate."""
    low = start.date() - dt.timedelta(days=config.offset_days + 2)
    high = now.date() - dt.timedelta(days=config.offset_days - 3)  # exclusive
    for customer_id, value, time_zone in ctx.customers_by_attribute_text(
            config.attribute, low.isoformat(), high.isoformat()):
        due = trigger_date_due(config, {config.attribute: value}, time_zone)
        if due is not None and start < due <= now:
            day = attribute_date(value, time_zone)
            yield customer_id, day.isoformat() if day else str(value), due


def scan(ctx: ScanContext, config: DateTriggerConfig) -> ScanResult:
    """One run per customer and date: the customer is part of the key because keys are
    unique per workflow, not per customer."""
    return ScanResult(found=(
        ScanStart(customer_id, f"date:{config.attribute}:{day}:{customer_id}")
        for customer_id, day, _due in date_candidates(ctx, config, ctx.since, ctx.now)))


def run(ctx: RunContext, config: DateTriggerConfig) -> Outcome:
    return Continue("out")


SPEC = BlockSpec(
    type="trigger.date",
    version=1,
    category=Category.TRIGGER,
    label="Date",
    description="Starts a number of days before or after a customer date, e.g. contract end.",
    icon="calendar",
    config_model=DateTriggerConfig,
    ports=("out",),
    run=run,
    example={"attribute": "contract_end", "offset_days": -30, "at_local_time": "09:00"},
    pure=True,
    trigger=TriggerSpec(TriggerKind.SCAN, scan=ScanSpec("date", dt.timedelta(minutes=5), scan)),
    summary=(
        SummaryLine("On their {attribute}", when=(SummaryWhen("offset_days", "eq", 0),)),
        SummaryLine("{offset_days|abs} day before their {attribute}",
                    when=(SummaryWhen("offset_days", "lt", 0),),
                    plural="{offset_days|abs} days before their {attribute}",
                    count="offset_days"),
        SummaryLine("{offset_days|abs} day after their {attribute}",
                    when=(SummaryWhen("offset_days", "gt", 0),),
                    plural="{offset_days|abs} days after their {attribute}",
                    count="offset_days"),
        SummaryLine("at {at_local_time} their time"),
    ),
)
