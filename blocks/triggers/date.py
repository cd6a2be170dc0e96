"""trigger.date: a run starts N days before or after a date on the customer's profile
(contract end, renewal, birthday), at a local time of day in the customer's time zone.
A daily scan finds the customers whose date matches; `trigger_date_due` is its rule."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import Field

from blocks.base import BlockConfig, BlockSpec, Category, Continue, Outcome, RunContext
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
)
