"""action.teams_message: post a card to a Microsoft Teams channel, e.g. to hand a
customer over to sales.

Microsoft Teams webhooks: a Workflows "When a Teams webhook request is received" flow, or
a (retiring) Office 365 connector incoming webhook; both take an Adaptive Card message
(https://learn.microsoft.com/en-us/microsoftteams/platform/webhooks-and-connectors/how-to/connectors-using#send-adaptive-cards-using-an-incoming-webhook):
POST <webhook URL> {"type": "message", "attachments": [{"contentType":
"application/vnd.microsoft.card.adaptive", "content": {"type": "AdaptiveCard",
"version": "1.4", "body": [TextBlock, ...]}}]} → 202 (Workflows) or 200 "1".
The webhook URL carries its key (`sig=`), so it is the secret of a credential of kind
url, bound to its host (e.g. *.logic.azure.com, *.powerplatform.com,
*.webhook.office.com); the block sends no URL of its own."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from blocks.actions.connectors.common import (
    GROUP,
    TEAMS,
    Credential,
    credential_field,
    render_all,
    vendor_call,
)
from blocks.base import BlockConfig, BlockSpec, Category, Outcome, RunContext
from blocks.fields import LiquidLine, LiquidText
from blocks.rendering import FieldRenderError


class TeamsMessageConfig(BlockConfig):
    credential_id: Credential = credential_field(
        "url: the channel's webhook address from Teams (Workflows).")
    title: LiquidLine | None = Field(
        None, max_length=300, title="Title",
        examples=["Hand-over: {{ customer.name }}"])
    text: LiquidText = Field(
        max_length=5000, title="Message",
        examples=["{{ customer.name }} ({{ customer.email }}) asked for an offer."])

    @property
    def method(self) -> str:
        return "POST"

    @property
    def url(self) -> str:
        return ""  # the credential is the URL


def card(title: str, text: str) -> dict[str, Any]:
    body = [{"type": "TextBlock", "text": title, "weight": "Bolder", "size": "Medium",
             "wrap": True}] if title else []
    body.append({"type": "TextBlock", "text": text, "wrap": True})
    return {"type": "message", "attachments": [{
        "contentType": "application/vnd.microsoft.card.adaptive", "contentUrl": None,
        "content": {"$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
                    "type": "AdaptiveCard", "version": "1.4", "body": body}}]}


def run(ctx: RunContext, config: TeamsMessageConfig) -> Outcome:
    try:
        text = render_all(ctx, {"title": config.title, "text": config.text})
    except FieldRenderError as err:
        return err.fail()
    return vendor_call(ctx, TEAMS, method="POST", url="",
                       payload=card(text.get("title", ""), text.get("text", "")),
                       credential_id=config.credential_id)


SPEC = BlockSpec(
    type="action.teams_message",
    version=1,
    category=Category.ACTION,
    label="Microsoft Teams message",
    description="Posts a card to a Microsoft Teams channel, e.g. to hand a customer to sales.",
    icon="users-round",
    config_model=TeamsMessageConfig,
    ports=("out",),
    run=run,
    template_fields=("title", "text"),
    group=GROUP,
    example={"credential_id": 1, "title": "Hand-over: {{ customer.name }}",
             "text": "{{ customer.name }} ({{ customer.email }}) is ready to buy."},
)
