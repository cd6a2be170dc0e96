"""action.slack_message: post a message to a Slack channel, e.g. to hand a customer over
to sales.

Slack Web API chat.postMessage (https://api.slack.com/methods/chat.postMessage):
POST https://slack.com/api/chat.postMessage {"channel", "text", "unfurl_links": false}
→ 200 {"ok": true, "channel", "ts"}; a refusal is also HTTP 200, with
{"ok": false, "error": "channel_not_found"}. Authentication: a bearer credential with
the app's bot token (xoxb-…, scope chat:write; invite the app to the channel). Incoming
webhooks are not used: their URL is the secret, and secrets stay out of workflows."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field

from blocks.actions.connectors.common import (
    GROUP,
    SLACK,
    Credential,
    credential_field,
    render_all,
    vendor_call,
    vendor_origin,
)
from blocks.base import BlockConfig, BlockSpec, Category, Outcome, RunContext
from blocks.fields import LiquidText, matching
from blocks.rendering import FieldRenderError

Channel = Annotated[
    str,
    Field(min_length=2, max_length=80, examples=["#sales-handover", "C0123456789"]),
    *matching(r"^(#[a-z0-9][a-z0-9_\-]{0,79}|[CGD][A-Z0-9]{6,20})$",
              "a channel like #sales-handover, or its id like C0123456789"),
]


class SlackMessageConfig(BlockConfig):
    credential_id: Credential = credential_field("bearer, the Slack app's bot token (xoxb-…).")
    channel: Channel = Field(title="Channel")
    text: LiquidText = Field(
        max_length=3000, title="Message",
        examples=["Hand-over: {{ customer.name }} ({{ customer.email }}) wants an offer."])

    @property
    def method(self) -> str:
        return "POST"

    @property
    def url(self) -> str:
        return f"{vendor_origin(SLACK)}/api/chat.postMessage"


def _refused(body: Any) -> str | None:
    if isinstance(body, dict) and body.get("ok") is False:
        return str(body.get("error") or "not ok")
    return None


def run(ctx: RunContext, config: SlackMessageConfig) -> Outcome:
    try:
        text = render_all(ctx, {"text": config.text})
    except FieldRenderError as err:
        return err.fail()
    payload = {"channel": config.channel, "text": text.get("text", ""), "unfurl_links": False}
    return vendor_call(ctx, SLACK, method="POST", url=config.url, payload=payload,
                       credential_id=config.credential_id, refused=_refused,
                       id_of=lambda body: (body or {}).get("ts"))


SPEC = BlockSpec(
    type="action.slack_message",
    version=1,
    category=Category.ACTION,
    label="Slack message",
    description="Posts a message to a Slack channel, e.g. to hand a customer to sales.",
    icon="hash",
    config_model=SlackMessageConfig,
    ports=("out",),
    run=run,
    template_fields=("text",),
    group=GROUP,
    example={"credential_id": 1, "channel": "#sales-handover",
             "text": "Hand-over: {{ customer.name }} ({{ customer.email }}) is ready to buy."},
)
