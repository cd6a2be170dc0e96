"""flow.wait_for_event: wait until the customer has a matching event (`happened`), or
give up after a timeout (`timeout`), e.g. "did they use the reactivation link in 7 days?"
"""

from __future__ import annotations

from pydantic import Field

from blocks.base import (
    BlockConfig,
    BlockSpec,
    Category,
    Outcome,
    RunContext,
    SummaryLine,
    WaitForEvent,
)
from blocks.fields import Condition, Duration, EventType, duration_parse


class WaitForEventConfig(BlockConfig):
    event_type: EventType = Field(title="Event type")
    condition: Condition | None = Field(
        None, title="Only when", description="Only events for which this condition holds count."
    )
    timeout: Duration = Field("7d", title="Give up after")


def run(ctx: RunContext, config: WaitForEventConfig) -> Outcome:
    return WaitForEvent(
        event_type=config.event_type,
        timeout_at=ctx.now + duration_parse(config.timeout),
        condition=config.condition,
    )


SPEC = BlockSpec(
    type="flow.wait_for_event",
    version=1,
    category=Category.FLOW,
    label="Wait for event",
    description="Waits until the customer does something, or a timeout passes.",
    icon="bell",
    config_model=WaitForEventConfig,
    ports=("happened", "timeout"),
    run=run,
    example={"event_type": "offer.redeemed", "timeout": "7d"},
    waits=True,
    summary=(
        SummaryLine("Wait for {event_type}"),
        SummaryLine("give up after {timeout|duration}"),
    ),
    awaits="event_type",
)
