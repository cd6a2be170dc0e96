"""trigger.segment: a run starts when a customer enters (or leaves) a segment. The
segment refresh emits internal segment.entered / segment.exited events that the engine
matches against this config."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from blocks.base import (
    BlockConfig,
    BlockSpec,
    Category,
    Continue,
    Outcome,
    RunContext,
    SummaryLine,
    SummaryWhen,
    TriggerKind,
    TriggerSpec,
)
from blocks.fields import SegmentId


class SegmentTriggerConfig(BlockConfig):
    segment_id: SegmentId = Field(title="Segment")
    on: Literal["entered", "exited"] = Field(
        "entered", title="When the customer",
        description="Start when a customer enters the segment, or when they leave it.",
    )


def segment_condition(config: SegmentTriggerConfig) -> dict[str, Any]:
    """The segment events name their segment; only this one's start a run."""
    return {"field": "event.properties.segment_id", "op": "eq", "value": config.segment_id}


def run(ctx: RunContext, config: SegmentTriggerConfig) -> Outcome:
    return Continue("out")


SPEC = BlockSpec(
    type="trigger.segment",
    version=1,
    category=Category.TRIGGER,
    label="Segment entered / exited",
    description="Starts when a customer enters or leaves a segment, e.g. becomes VIP.",
    icon="users",
    config_model=SegmentTriggerConfig,
    ports=("out",),
    run=run,
    example={"segment_id": 1, "on": "entered"},
    pure=True,
    trigger=TriggerSpec(TriggerKind.EVENT, listens_to="segment.{on}",
                        condition=segment_condition, audience_segment="segment_id"),
    summary=(
        SummaryLine("When a customer enters the segment",
                    when=(SummaryWhen("segment_id"), SummaryWhen("on", "ne", "exited"))),
        SummaryLine("When a customer leaves the segment",
                    when=(SummaryWhen("segment_id"), SummaryWhen("on", "eq", "exited"))),
    ),
)
