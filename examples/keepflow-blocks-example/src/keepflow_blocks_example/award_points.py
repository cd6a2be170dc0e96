"""action.loyalty_points: add points to the customer's loyalty balance (a profile
attribute), e.g. as an apology after bad feedback.

The write goes through `ctx.effects.update_customer`, so the engine keys it by run, node
and visit (a replayed step never awards twice) and a dry run records it instead."""

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
)
from blocks.fields import AttributeName
from keepflow_blocks_example.texts import TRANSLATIONS


class AwardPointsConfig(BlockConfig):
    points: int = Field(title="Points", description="How many points to add.", ge=1,
                        le=100_000, examples=[100])
    attribute: AttributeName = Field(
        "loyalty_points", title="Balance attribute", examples=["loyalty_points"],
        description="The customer attribute that holds the balance.")


def balance(customer: Any, attribute: str) -> int:
    """The customer's balance; 0 when the attribute is missing or not a whole number."""
    value = (getattr(customer, "attributes", None) or {}).get(attribute)
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def run(ctx: RunContext, config: AwardPointsConfig) -> Outcome:
    total = balance(ctx.customer, config.attribute) + config.points
    ctx.effects.update_customer({"attributes": {config.attribute: total}})
    return Continue("out", output={"awarded": config.points, "balance": total})


SPEC = BlockSpec(
    type="action.loyalty_points",
    version=1,
    category=Category.ACTION,
    label="Award loyalty points",
    description="Adds points to the customer's loyalty balance, e.g. as an apology.",
    icon="award",
    config_model=AwardPointsConfig,
    ports=("out",),
    run=run,
    example={"points": 100, "attribute": "loyalty_points"},
    group="Loyalty",
    translations=TRANSLATIONS,
    # The canvas card: "Adds 100 to loyalty_points" (translated through TRANSLATIONS).
    summary=(SummaryLine("Adds {points} to {attribute}"),),
)
