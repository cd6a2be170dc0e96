import pytest

from blocks.actions.send_email import run
from blocks.base import Continue, Fail
from tests.blocks.conftest import FakeCustomer, first_error, valid_config

TYPE = "action.send_email"
BASE = {"subject": "Sorry, {{ customer.first_name }}", "body": "<p>Hi {{ customer.name }}</p>"}


@pytest.mark.parametrize("config", [
    pytest.param(BASE, id="minimal"),
    pytest.param({**BASE, "format": "text", "from_name": "Keepflow Care",
                  "reply_to": "care@example.com", "category": "transactional"}, id="full"),
])
def test_valid_configs(config):
    assert valid_config(TYPE, config).subject == BASE["subject"]


@pytest.mark.parametrize(("config", "field", "code"), [
    pytest.param({"body": "x"}, "subject", "required", id="missing-subject"),
    pytest.param({**BASE, "subject": "x" * 201}, "subject", "string_too_long",
                 id="long-subject"),
    pytest.param({**BASE, "body": ""}, "body", "string_too_short", id="empty-body"),
    pytest.param({**BASE, "body": "Hi {% if customer.tier %}gold"}, "body",
                 "template_syntax", id="unclosed-if"),
    pytest.param({**BASE, "subject": "{{ customer.first_name | shout }}"}, "subject",
                 "unknown_filter", id="unknown-filter"),
    pytest.param({**BASE, "body": "{% include 'secrets' %}"}, "body", "template_syntax",
                 id="include-refused"),
    pytest.param({**BASE, "reply_to": "not-an-address"}, "reply_to", "invalid_format",
                 id="bad-reply-to"),
    pytest.param({**BASE, "category": "promo"}, "category", "literal_error",
                 id="bad-category"),
])
def test_invalid_configs(config, field, code):
    assert first_error(TYPE, config) == (field, code)


def test_syntax_error_message_names_line_and_column():
    from blocks.registry import block_config_validate

    _, errors = block_config_validate(TYPE, {**BASE, "body": "Hi\n{{ customer.first_name | }}"})
    assert errors == [{"field": "body", "code": "template_syntax",
                       "message": "line 2, column 1: expected word, found end of expression"}]


def test_run_renders_and_sends(make_ctx):
    ctx = make_ctx(customer=FakeCustomer(first_name="<Ada>", last_name="L"))
    config = valid_config(TYPE, {**BASE, "from_name": "Care", "category": "transactional"})
    outcome = run(ctx, config)
    assert outcome == Continue("out", output={"message_id": "m-1", "status": "queued",
                                              "variant": "default"})
    assert ctx.effects.calls == [("send_email", {
        "subject": "Sorry, <Ada>", "body": "<p>Hi &lt;Ada&gt; L</p>", "format": "html",
        "from_name": "Care", "reply_to": None, "category": "transactional",
        "variant": "default",
    })]


def test_text_format_is_not_escaped(ctx):
    config = valid_config(TYPE, {**BASE, "format": "text", "body": "Hi {{ '<b>' }}"})
    run(ctx, config)
    assert ctx.effects.calls[0][1]["body"] == "Hi <b>"


@pytest.mark.parametrize(("body", "error"), [
    pytest.param("{{ customer.missing }}", "body: rendered empty", id="empty"),
    pytest.param("{{ 'x' | truncate: 'a' }}", "body (line 1): truncate expected an integer, "
                 "found str", id="render-error"),
])
def test_run_fails_without_sending(ctx, body, error):
    outcome = run(ctx, valid_config(TYPE, {**BASE, "body": body, "format": "text"}))
    assert outcome == Fail(error, retryable=False)
    assert ctx.effects.calls == []
