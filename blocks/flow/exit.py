"""flow.exit: end the customer's run here, with a reason shown in the run inspector."""

from __future__ import annotations

from pydantic import Field

from blocks.base import (
    BlockConfig,
    BlockSpec,
    Category,
    Exit,
    Outcome,
    RunContext,
    SummaryLine,
    SummaryWhen,
)


class ExitConfig(BlockConfig):
    reason: str = Field("exit", min_length=1, max_length=100, title="Reason",
                        examples=["not_eligible", "goal_reached"])


def run(ctx: RunContext, config: ExitConfig) -> Outcome:
    return Exit(reason=config.reason)


SPEC = BlockSpec(
    type="flow.exit",
    version=1,
    category=Category.FLOW,
    label="Exit",
    description="Ends the customer's run here.",
    icon="log-out",
    config_model=ExitConfig,
    ports=(),
    run=run,
    example={"reason": "not_eligible"},
    pure=True,
    summary=(
        SummaryLine("{reason}", when=(SummaryWhen("reason", "ne", "exit"),)),
    ),
)
