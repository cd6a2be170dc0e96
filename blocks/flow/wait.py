"""flow.wait: pause the customer's run durably, then go on through `out`.

Three ways to say how long: a duration ("3d"); until a date on the profile (plus or
minus days, at a local time); or until the next local time of day in the customer's
time zone ("tomorrow 09:00 their time"). Time comes from `ctx.now`, never the clock.
A customer without a usable date leaves the run (Exit "missing_date"): a message timed
to a contract end must not go to someone without one."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from django.utils.translation import gettext as _
from pydantic import Field, model_validator

from blocks.base import (
    BlockConfig,
    BlockSpec,
    Category,
    ConfigFieldError,
    Continue,
    Exit,
    Outcome,
    RunContext,
    SummaryLine,
    SummaryWhen,
    WaitUntil,
)
from blocks.fields import AttributeName, Duration, LocalTime, duration_parse, shown_when
from blocks.timeutil import attribute_date, local_moment, next_local_time

DEFAULT_DATE_TIME = "09:00"


class WaitConfig(BlockConfig):
    mode: Literal["duration", "until_date", "until_time"] = Field(
        "duration", title="Wait",
        json_schema_extra={"x-enum-labels": {
            "duration": "For a while", "until_date": "Until a date on their profile",
            "until_time": "Until a time of day (theirs)"}},
    )
    duration: Duration | None = Field("1d", title="For",
                                      json_schema_extra=shown_when(mode=("duration",)))
    attribute: AttributeName | None = Field(
        None, title="Date attribute", description="The date on the customer's profile, e.g. "
        "contract_end.", json_schema_extra=shown_when(mode=("until_date",)),
    )
    offset_days: int = Field(
        0, ge=-365, le=365, title="Days from the date",
        description="-7 wakes a week before the date.",
        json_schema_extra=shown_when(mode=("until_date",)),
    )
    at_local_time: LocalTime | None = Field(
        None, title="At (customer's local time)",
        description="Until a date: 09:00 when empty.",
        json_schema_extra=shown_when(mode=("until_date", "until_time")),
    )

    @model_validator(mode="after")
    def _mode_fields(self) -> WaitConfig:
        needed = {"duration": "duration", "until_date": "attribute",
                  "until_time": "at_local_time"}[self.mode]
        if getattr(self, needed) is None:
            raise ConfigFieldError(needed, "required",
                                   _("this kind of wait needs %(field)s") % {"field": needed})
        return self


def wait_until(ctx: RunContext, config: WaitConfig) -> dt.datetime | None:
    """When to wake up; None if the customer has no usable date (until_date)."""
    time_zone = getattr(ctx.customer, "timezone", None)
    if config.mode == "duration":
        return ctx.now + duration_parse(config.duration or "")
    if config.mode == "until_time":
        return next_local_time(ctx.now, config.at_local_time or "", time_zone)
    attributes = getattr(ctx.customer, "attributes", None) or {}
    day = attribute_date(attributes.get(config.attribute), time_zone)
    if day is None:
        return None
    return local_moment(day + dt.timedelta(days=config.offset_days),
                        config.at_local_time or DEFAULT_DATE_TIME, time_zone)


def run(ctx: RunContext, config: WaitConfig) -> Outcome:
    at = wait_until(ctx, config)
    if at is None:
        return Exit(reason="missing_date")
    if at <= ctx.now:
        return Continue("out")
    return WaitUntil(at=at, port="out")


SPEC = BlockSpec(
    type="flow.wait",
    version=1,
    category=Category.FLOW,
    label="Wait",
    description="Waits for a while, until a customer date, or until a local time of day.",
    icon="timer",
    config_model=WaitConfig,
    ports=("out",),
    run=run,
    example={"mode": "duration", "duration": "3d"},
    pure=True,
    waits=True,
    summary=(
        SummaryLine("Until their {attribute}", when=(SummaryWhen("mode", "eq", "until_date"),)),
        SummaryLine("at {at_local_time} their time",
                    when=(SummaryWhen("mode", "eq", "until_date"),)),
        SummaryLine("Until {at_local_time} their time",
                    when=(SummaryWhen("mode", "eq", "until_time"),)),
        SummaryLine("Wait {duration|duration}",
                    when=(SummaryWhen("mode", "ne", "until_date"),
                          SummaryWhen("mode", "ne", "until_time"))),
    ),
)
