"""trigger.manual: a run starts when a person or an API client starts it for chosen
customers (POST to the workflow's runs endpoint). Nothing to configure."""

from __future__ import annotations

from blocks.base import (
    BlockConfig,
    BlockSpec,
    Category,
    Continue,
    Outcome,
    RunContext,
    TriggerKind,
    TriggerSpec,
)


class ManualTriggerConfig(BlockConfig):
    pass


def run(ctx: RunContext, config: ManualTriggerConfig) -> Outcome:
    return Continue("out")


SPEC = BlockSpec(
    type="trigger.manual",
    version=1,
    category=Category.TRIGGER,
    label="Manual / API",
    description="Starts when someone starts it for chosen customers, by hand or by API.",
    icon="play",
    config_model=ManualTriggerConfig,
    ports=("out",),
    run=run,
    example={},
    pure=True,
    trigger=TriggerSpec(TriggerKind.MANUAL),
)
