"""flow.filter: customers who match the condition go on through `yes`, the rest `no`."""

from __future__ import annotations

from pydantic import Field

from blocks.base import BlockConfig, BlockSpec, Category, Continue, Outcome, RunContext, SummaryLine
from blocks.fields import Condition


class FilterConfig(BlockConfig):
    condition: Condition = Field(title="Condition",
                                 description="Customers who match go on through yes.")


def run(ctx: RunContext, config: FilterConfig) -> Outcome:
    return Continue("yes" if ctx.condition_matches(config.condition) else "no")


SPEC = BlockSpec(
    type="flow.filter",
    version=1,
    category=Category.FLOW,
    label="Filter",
    description="Checks a condition on the customer or event: yes or no.",
    icon="filter",
    config_model=FilterConfig,
    ports=("yes", "no"),
    run=run,
    example={"condition": {"all": [{"field": "customer.tier", "op": "eq", "value": "gold"}]}},
    summary=(
        SummaryLine("{condition|condition}"),
    ),
)
