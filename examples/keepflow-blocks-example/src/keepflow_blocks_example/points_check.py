"""flow.loyalty_points_check: yes when the customer's loyalty balance is at least a
number of points, else no. Reads only, so the engine runs it as a pure block."""

from __future__ import annotations

from pydantic import Field

from blocks.base import (
    BlockConfig,
    BlockSpec,
    Category,
    Continue,
    Outcome,
    RunContext,
    SummaryLine,
)
from blocks.fields import AttributeName
from keepflow_blocks_example.award_points import balance
from keepflow_blocks_example.texts import TRANSLATIONS


class PointsCheckConfig(BlockConfig):
    at_least: int = Field(title="At least", ge=0, le=10_000_000, examples=[500])
    attribute: AttributeName = Field(
        "loyalty_points", title="Balance attribute", examples=["loyalty_points"],
        description="The customer attribute that holds the balance.")


def run(ctx: RunContext, config: PointsCheckConfig) -> Outcome:
    points = balance(ctx.customer, config.attribute)
    return Continue("yes" if points >= config.at_least else "no", output={"balance": points})


SPEC = BlockSpec(
    type="flow.loyalty_points_check",
    version=1,
    category=Category.FLOW,
    label="Loyalty points check",
    description="Goes on by yes when the customer has at least this many loyalty points.",
    icon="badge-check",
    config_model=PointsCheckConfig,
    ports=("yes", "no"),
    run=run,
    example={"at_least": 500, "attribute": "loyalty_points"},
    group="Loyalty",
    pure=True,
    translations=TRANSLATIONS,
    summary=(SummaryLine("At least {at_least} in {attribute}"),),
)
