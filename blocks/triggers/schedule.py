"""trigger.schedule: on a cron schedule, a run starts for every member of a segment,
enqueued in batches. The expression is standard 5-field cron, read in a time zone.

The engine scans every live schedule trigger every minute (`scan`): the trigger remembers
its next fire time; when it has come, one fan-out over the segment, and the next one.
Missed ticks (scheduler down) collapse into one."""

from __future__ import annotations

import datetime as dt

from croniter import CroniterBadDateError, croniter
from pydantic import Field, field_validator

from blocks.base import (
    BlockConfig,
    BlockSpec,
    Category,
    ConfigFieldError,
    Continue,
    Outcome,
    RunContext,
    ScanContext,
    ScanFanOut,
    ScanResult,
    ScanSpec,
    SummaryLine,
    TriggerKind,
    TriggerSpec,
)
from blocks.fields import SegmentId, TimeZoneName
from blocks.timeutil import UTC, zone

_PROBE_START = dt.datetime(2000, 1, 1)  # a fixed start keeps validation deterministic


class ScheduleTriggerConfig(BlockConfig):
    cron: str = Field(
        title="Schedule (cron)", max_length=100,
        description="Five fields: minute hour day-of-month month day-of-week. "
                    "'0 9 * * MON' is every Monday at 09:00.",
        examples=["0 9 * * MON", "30 8 1 * *"],
    )
    timezone: TimeZoneName = Field("UTC", title="Time zone of the schedule")
    segment_id: SegmentId = Field(title="Segment", description="Who the run starts for.")
    batch_size: int = Field(
        500, ge=1, le=10_000, title="Batch size",
        description="Runs are started in batches of this many customers.",
    )

    @field_validator("cron")
    @classmethod
    def _cron_valid(cls, value: str) -> str:
        if len(value.split()) != 5 or not croniter.is_valid(value):
            raise ConfigFieldError(
                "", "invalid_cron",
                "a cron expression has 5 fields: minute hour day-of-month month day-of-week",
            )
        try:
            croniter(value, _PROBE_START).get_next(dt.datetime)
        except CroniterBadDateError:
            raise ConfigFieldError("", "invalid_cron", "this schedule never fires") from None
        return value


def schedule_next(config: ScheduleTriggerConfig, after: dt.datetime) -> dt.datetime:
    """The next fire time strictly after `after` (aware), as UTC."""
    local = after.astimezone(zone(config.timezone))
    following: dt.datetime = croniter(config.cron, local).get_next(dt.datetime)
    return following.astimezone(UTC)


FIRST_SIGHT_GRACE = dt.timedelta(minutes=1)  # a tick while going live still counts


def scan(ctx: ScanContext, config: ScheduleTriggerConfig) -> ScanResult:
    stored = ctx.state.get("next_at")
    try:
        next_at = dt.datetime.fromisoformat(stored) if isinstance(stored, str) else None
    except ValueError:
        next_at = None
    if next_at is None:
        next_at = schedule_next(config, ctx.now - FIRST_SIGHT_GRACE)
    found: list[ScanFanOut] = []
    if next_at <= ctx.now:
        found.append(ScanFanOut(config.segment_id,
                                f"schedule:{ctx.node_id}:{next_at:%Y%m%dT%H%M%SZ}",
                                config.batch_size))
        next_at = schedule_next(config, ctx.now)
    return ScanResult(found=found, state={"next_at": next_at.isoformat()})


def run(ctx: RunContext, config: ScheduleTriggerConfig) -> Outcome:
    return Continue("out")


SPEC = BlockSpec(
    type="trigger.schedule",
    version=1,
    category=Category.TRIGGER,
    label="Schedule",
    description="Starts on a schedule (cron) for every customer in a segment.",
    icon="clock",
    config_model=ScheduleTriggerConfig,
    ports=("out",),
    run=run,
    example={"cron": "0 9 * * MON", "timezone": "Europe/Berlin", "segment_id": 1,
             "batch_size": 500},
    pure=True,
    trigger=TriggerSpec(TriggerKind.SCAN, audience_segment="segment_id",
                        scan=ScanSpec("schedule", dt.timedelta(minutes=1), scan)),
    summary=(
        SummaryLine("On schedule {cron} ({timezone})"),
    ),
)
