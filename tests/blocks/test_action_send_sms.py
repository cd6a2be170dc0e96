import pytest

from blocks.actions.send_sms import run
from blocks.base import Continue, Fail
from tests.blocks.conftest import first_error, valid_config

TYPE = "action.send_sms"


@pytest.mark.parametrize(("config", "category"), [
    pytest.param({"body": "Hi {{ customer.first_name }}"}, "marketing", id="default-marketing"),
    pytest.param({"body": "x" * 1600, "category": "transactional"}, "transactional",
                 id="longest"),
])
def test_valid_configs(config, category):
    assert valid_config(TYPE, config).category == category


@pytest.mark.parametrize(("config", "field", "code"), [
    pytest.param({}, "body", "required", id="missing"),
    pytest.param({"body": "x" * 1601}, "body", "string_too_long", id="too-long"),
    pytest.param({"body": "{% render 'x' %}"}, "body", "template_syntax", id="render-tag"),
    pytest.param({"body": "{{ customer.first_name"}, "body", "template_syntax",
                 id="unclosed-output"),
])
def test_invalid_configs(config, field, code):
    assert first_error(TYPE, config) == (field, code)


@pytest.mark.parametrize(("body", "text", "sms"), [
    pytest.param("Hi {{ customer.first_name }}, 10 € off!", "Hi Ada, 10 € off!",
                 {"length": 18, "characters": 17, "encoding": "GSM-7", "segments": 1},
                 id="euro-is-two-septets"),
    pytest.param("Danke {{ customer.first_name }} 🙏", "Danke Ada 🙏",
                 {"length": 12, "characters": 11, "encoding": "UCS-2", "segments": 1},
                 id="emoji-is-ucs2"),
])
def test_run_sends_and_reports_the_size(ctx, body, text, sms):
    outcome = run(ctx, valid_config(TYPE, {"body": body, "category": "transactional"}))
    assert outcome == Continue("out", output={"message_id": "s-1", "status": "queued",
                                              "sms": sms, "variant": "default"})
    assert ctx.effects.calls == [("send_sms", {"body": text, "category": "transactional",
                                               "variant": "default"})]


def test_offer_code_from_an_earlier_node(make_ctx):
    ctx = make_ctx(offer={"code": "SAVE-ZZ9", "link": "https://x.example/o/1"})
    run(ctx, valid_config(TYPE, {"body": "Code {{ offer.code }}: {{ offer.link }}"}))
    assert ctx.effects.calls[0][1]["body"] == "Code SAVE-ZZ9: https://x.example/o/1"


def test_run_fails_on_an_empty_text(ctx):
    outcome = run(ctx, valid_config(TYPE, {"body": "{{ event.properties.note }}"}))
    assert outcome == Fail("body: rendered empty", retryable=False)
    assert ctx.effects.calls == []
