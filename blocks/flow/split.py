"""flow.split: A/B/n test with an optional holdout (control group). Each customer lands
in a stable bucket: sha256 of workflow, node and customer, so re-entering the same
workflow keeps their variant, while another split node shuffles independently.
Customers in the holdout leave through `holdout` (usually unconnected: they get nothing,
and analytics compares them with the rest)."""

from __future__ import annotations

import hashlib

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from pydantic import ConfigDict, Field, model_validator

from blocks.base import (
    BlockConfig,
    BlockSpec,
    Category,
    ConfigFieldError,
    Continue,
    DynamicPorts,
    Outcome,
    RunContext,
    SummaryLine,
)
from blocks.fields import PortName, port_names_check

HOLDOUT = "holdout"
BUCKETS = 10_000  # basis points: percentages map onto 100 buckets each


class SplitVariant(BlockConfig):
    model_config = ConfigDict(title="Variant")

    name: PortName = Field(title="Variant (port) name")
    percent: int = Field(ge=1, le=100, title="Share %")


class SplitConfig(BlockConfig):
    branches: list[SplitVariant] = Field(
        min_length=1, max_length=10, title="Variants",
        description="Shares of the variants and the holdout add up to 100.",
    )
    holdout_percent: int = Field(
        0, ge=0, le=99, title="Holdout (control) %",
        description="Customers held out get nothing; they measure the real effect.",
    )

    @model_validator(mode="after")
    def _shares_valid(self) -> SplitConfig:
        port_names_check([v.name for v in self.branches], reserved=HOLDOUT,
                         reserved_hint=gettext_noop(
                             "holdout is the control group's port; pick another name"))
        total = sum(variant.percent for variant in self.branches) + self.holdout_percent
        if total != 100:
            raise ConfigFieldError("branches", "percent_sum",
                                   _("variants and holdout add up to %(total)s %%, not 100 %%")
                                   % {"total": total})
        return self


def split_bucket(workflow_id: int | None, node_id: str, customer_id: object) -> int:
    """A stable bucket in [0, BUCKETS) for this customer at this node."""
    key = f"{workflow_id or ''}:{node_id}:{customer_id}".encode()
    return int.from_bytes(hashlib.sha256(key).digest()[:8], "big") % BUCKETS


def split_choose(config: SplitConfig, bucket: int) -> str:
    edge = 0
    for variant in config.branches:
        edge += variant.percent * BUCKETS // 100
        if bucket < edge:
            return variant.name
    return HOLDOUT


def run(ctx: RunContext, config: SplitConfig) -> Outcome:
    bucket = split_bucket(ctx.workflow_id, ctx.node_id, ctx.customer.id)
    variant = split_choose(config, bucket)
    return Continue(variant, output={"variant": variant})


SPEC = BlockSpec(
    type="flow.split",
    version=1,
    category=Category.FLOW,
    label="A/B split",
    description="Splits customers at random but stably into variants and a control group.",
    icon="split",
    config_model=SplitConfig,
    ports=DynamicPorts(list_field="branches", when_positive=((HOLDOUT, "holdout_percent"),)),
    run=run,
    example={"branches": [{"name": "a", "percent": 45}, {"name": "b", "percent": 45}],
             "holdout_percent": 10},
    pure=True,
    holdout_port=HOLDOUT,
    summary=(
        SummaryLine("{branches|branches}"),
        SummaryLine("{holdout_percent} % held out"),
    ),
)
