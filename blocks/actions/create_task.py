"""action.create_task: put a task in a contact-center queue (call the customer back,
follow up, review the account). The tasks app owns queues and business hours: the block
passes the due time (now + due_in) and whether it should move into business hours."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from blocks.base import BlockConfig, BlockSpec, Category, Continue, Outcome, RunContext, SummaryLine
from blocks.fields import Duration, LiquidLine, LiquidText, duration_parse, matching
from blocks.rendering import FieldRenderError, render_field

QueueName = Annotated[
    str,
    Field(min_length=1, max_length=64, examples=["retention", "vip_desk"]),
    *matching(r"^[a-z0-9][a-z0-9_\-]*$", "lower-case letters, digits, _ and -, e.g. retention"),
]


class CreateTaskConfig(BlockConfig):
    kind: Literal["call_back", "follow_up", "review"] = Field("call_back", title="Task")
    queue: QueueName = Field("retention", title="Queue")
    title: LiquidLine = Field(
        max_length=200, title="Title",
        examples=["Call {{ customer.name }}: churn risk {{ customer.churn_score }}"],
    )
    notes: LiquidText | None = Field(None, max_length=5000, title="Notes for the agent")
    due_in: Duration = Field("1d", title="Due in")
    business_hours: bool = Field(
        True, title="Only in business hours",
        description="Move the due time into the queue's business hours.",
    )
    priority: Literal["low", "normal", "high", "urgent"] = Field("normal", title="Priority")


def run(ctx: RunContext, config: CreateTaskConfig) -> Outcome:
    try:
        title = render_field(ctx, "title", config.title)
        notes = render_field(ctx, "notes", config.notes) if config.notes else ""
    except FieldRenderError as err:
        return err.fail()
    result = ctx.effects.create_task(
        kind=config.kind, queue=config.queue, title=title, notes=notes,
        due_at=ctx.now + duration_parse(config.due_in), business_hours=config.business_hours,
        priority=config.priority,
    )
    return Continue("out", output=dict(result))


SPEC = BlockSpec(
    type="action.create_task",
    version=1,
    category=Category.ACTION,
    label="Create agent task",
    description="Schedules a call-back or follow-up for a contact-center agent.",
    icon="phone-call",
    config_model=CreateTaskConfig,
    ports=("out",),
    run=run,
    template_fields=("title", "notes"),
    group="Tasks and data",
    example={"kind": "call_back", "queue": "retention",
             "title": "Call {{ customer.name }} (churn risk)", "due_in": "1d",
             "priority": "high"},
    summary=(
        SummaryLine("{title}"),
        SummaryLine("due in {due_in|duration}"),
    ),
)
