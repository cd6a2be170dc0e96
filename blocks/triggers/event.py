"""trigger.event: a run starts when a customer's event of a type arrives (optionally only
when a condition holds). The engine indexes published event triggers by `event_type`."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from blocks.base import (
    BlockConfig,
    BlockSpec,
    Category,
    Continue,
    Outcome,
    RunContext,
    SummaryLine,
    TriggerKind,
    TriggerSpec,
)
from blocks.fields import Condition, EventType


class EventTriggerConfig(BlockConfig):
    event_type: EventType = Field(
        title="Event type", description="A run starts when an event of this type arrives."
    )
    condition: Condition | None = Field(
        None, title="Only when",
        description="Start only if this condition holds for the customer and the event.",
    )


def event_condition(config: EventTriggerConfig) -> dict[str, Any] | None:
    return config.condition


def run(ctx: RunContext, config: EventTriggerConfig) -> Outcome:
    return Continue("out")


SPEC = BlockSpec(
    type="trigger.event",
    version=1,
    category=Category.TRIGGER,
    label="Event",
    description="Starts when a customer event arrives, e.g. bad feedback or a cancellation.",
    icon="zap",
    config_model=EventTriggerConfig,
    ports=("out",),
    run=run,
    example={
        "event_type": "feedback.submitted",
        "condition": {"all": [{"field": "event.properties.score", "op": "lte", "value": 6}]},
    },
    pure=True,
    trigger=TriggerSpec(TriggerKind.EVENT, listens_to="{event_type}", condition=event_condition),
    summary=(
        SummaryLine("When {event_type}"),
        SummaryLine("{condition|condition}"),
    ),
)
