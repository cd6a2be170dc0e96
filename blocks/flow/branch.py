"""flow.branch: several conditions in order; the customer goes through the port of the
first one that matches, or `else`. Ports are the branch names plus else."""

from __future__ import annotations

from django.utils.translation import gettext_noop
from pydantic import ConfigDict, Field, model_validator

from blocks.base import (
    BlockConfig,
    BlockSpec,
    Category,
    Continue,
    DynamicPorts,
    Outcome,
    RunContext,
    SummaryLine,
)
from blocks.fields import Condition, PortName, port_names_check

RESERVED = "else"


class BranchRule(BlockConfig):
    model_config = ConfigDict(title="Branch")

    name: PortName = Field(title="Port name")
    condition: Condition = Field(title="Condition")


class BranchConfig(BlockConfig):
    branches: list[BranchRule] = Field(
        min_length=1, max_length=10, title="Branches",
        description="Checked in order; the first match wins, no match goes to else.",
    )

    @model_validator(mode="after")
    def _names_unique(self) -> BranchConfig:
        port_names_check([b.name for b in self.branches], reserved=RESERVED,
                         reserved_hint=gettext_noop(
                             "else is the port for no match; pick another name"))
        return self


def run(ctx: RunContext, config: BranchConfig) -> Outcome:
    for branch in config.branches:
        if ctx.condition_matches(branch.condition):
            return Continue(branch.name)
    return Continue(RESERVED)


SPEC = BlockSpec(
    type="flow.branch",
    version=1,
    category=Category.FLOW,
    label="Branch",
    description="Several conditions in order: the first match picks the path, else the rest.",
    icon="git-branch",
    config_model=BranchConfig,
    ports=DynamicPorts(list_field="branches", always=(RESERVED,)),
    run=run,
    example={"branches": [
        {"name": "vip", "condition": {"all": [{"field": "customer.tier", "op": "eq",
                                                "value": "gold"}]}},
        {"name": "at_risk", "condition": {"all": [{"field": "customer.churn_score",
                                                    "op": "gte", "value": 0.7}]}},
    ]},
    summary=(
        SummaryLine("{branches|branches}"),
    ),
)
