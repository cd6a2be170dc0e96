"""flow.segment_check: members of the segment go on through `yes`, others `no`."""

from __future__ import annotations

from pydantic import Field

from blocks.base import BlockConfig, BlockSpec, Category, Continue, Outcome, RunContext
from blocks.fields import SegmentId


class SegmentCheckConfig(BlockConfig):
    segment_id: SegmentId = Field(title="Segment")


def run(ctx: RunContext, config: SegmentCheckConfig) -> Outcome:
    return Continue("yes" if ctx.in_segment(config.segment_id) else "no")


SPEC = BlockSpec(
    type="flow.segment_check",
    version=1,
    category=Category.FLOW,
    label="Segment check",
    description="Is the customer in a segment right now? yes or no.",
    icon="user-check",
    config_model=SegmentCheckConfig,
    ports=("yes", "no"),
    run=run,
    example={"segment_id": 1},
)
