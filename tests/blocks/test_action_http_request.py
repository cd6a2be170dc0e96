import pytest

from blocks.actions.http_request import run
from blocks.base import Continue, Fail
from blocks.registry import block_ports
from tests.blocks.conftest import FakeEffects, first_error, valid_config

TYPE = "action.http_request"
BASE = {"url": "https://crm.example.com/api/contacts/{{ customer.id }}"}
BODY = '{"name": {{ customer.name | json }}, "score": {{ customer.churn_score }}}'


@pytest.mark.parametrize("config", [
    pytest.param(BASE, id="minimal-post"),
    pytest.param({**BASE, "method": "PATCH", "headers": {"X-Source": "kf-{{ run.id }}"},
                  "credential_id": 3, "body": BODY, "timeout_seconds": 30,
                  "expect_json": False, "on_error": "route"}, id="full"),
    pytest.param({"url": "http://localhost:8080/hook?c={{ customer.id }}", "method": "GET"},
                 id="host-with-port-and-templated-query"),
])
def test_valid_configs(config):
    assert valid_config(TYPE, config).url == config["url"]


@pytest.mark.parametrize(("config", "field", "code"), [
    pytest.param({}, "url", "required", id="missing-url"),
    pytest.param({"url": "ftp://files.example.com/x"}, "url", "invalid_url", id="not-http"),
    pytest.param({"url": "https://{{ customer.attributes.crm_host }}/x"}, "url",
                 "invalid_url", id="templated-host"),
    pytest.param({"url": "https://crm.example.com{{ customer.attributes.suffix }}"}, "url",
                 "invalid_url", id="host-extended-by-template"),
    pytest.param({**BASE, "method": "TRACE"}, "method", "literal_error", id="bad-method"),
    pytest.param({**BASE, "headers": {"Authorization": "Bearer abc"}},
                 "headers.Authorization", "forbidden_header", id="secret-in-graph"),
    pytest.param({**BASE, "headers": {"Bad Header": "x"}}, "headers.Bad Header",
                 "invalid_format", id="bad-header-name"),
    pytest.param({**BASE, "headers": {"X-A": "{{ x"}}, "headers.X-A", "template_syntax",
                 id="bad-header-template"),
    pytest.param({**BASE, "method": "GET", "body": "{}"}, "body", "not_allowed",
                 id="get-with-body"),
    pytest.param({**BASE, "timeout_seconds": 31}, "timeout_seconds", "less_than_equal",
                 id="timeout-over-30"),
    pytest.param({**BASE, "credential_id": 0}, "credential_id", "greater_than_equal",
                 id="bad-credential"),
    pytest.param({**BASE, "on_error": "ignore"}, "on_error", "literal_error",
                 id="bad-on-error"),
])
def test_invalid_configs(config, field, code):
    assert first_error(TYPE, config) == (field, code)


@pytest.mark.parametrize(("on_error", "ports"), [
    pytest.param("fail", ["out"], id="fail"),
    pytest.param("route", ["out", "failed"], id="route"),
])
def test_failed_port_exists_only_when_routed(on_error, ports):
    assert block_ports(TYPE, valid_config(TYPE, {**BASE, "on_error": on_error})) == ports


def test_run_renders_and_calls(ctx):
    config = valid_config(TYPE, {**BASE, "headers": {"X-Run": "{{ run.id }}"},
                                 "credential_id": 3, "body": BODY})
    assert run(ctx, config) == Continue("out", output={"status": 200, "json": {"ok": True}})
    assert ctx.effects.calls == [("http_request", {
        "method": "POST", "url": "https://crm.example.com/api/contacts/C-42",
        "headers": {"X-Run": "1"}, "json": {"name": "Ada Lovelace", "score": 0.8},
        "credential_id": 3, "timeout_seconds": 10,
    })]


def response(status: int, json=None, error=None, retryable=False) -> dict:
    return {"status": status, "json": json, "text": "", "error": error, "retryable": retryable}


@pytest.mark.parametrize(("answer", "on_error", "outcome"), [
    pytest.param(response(201, {"id": 9}), "fail",
                 Continue("out", output={"status": 201, "json": {"id": 9}}), id="created"),
    pytest.param(response(503), "route", Fail("HTTP 503", retryable=True),
                 id="5xx-retried-even-when-routed"),
    pytest.param(response(429), "fail", Fail("HTTP 429", retryable=True), id="rate-limited"),
    pytest.param(response(0, error="timed out", retryable=True), "fail",
                 Fail("timed out", retryable=True), id="timeout"),
    pytest.param(response(0, error="blocked address"), "fail",
                 Fail("blocked address", retryable=False), id="refused-by-guard"),
    pytest.param(response(404), "fail", Fail("HTTP 404", retryable=False), id="404-fails"),
    pytest.param(response(404, {"e": 1}), "route",
                 Continue("failed", output={"status": 404, "json": {"e": 1},
                                            "error": "HTTP 404"}), id="404-routed"),
    pytest.param(response(200), "fail", Fail("HTTP 200 without a JSON body", retryable=False),
                 id="json-expected"),
])
def test_outcome_by_response(make_ctx, answer, on_error, outcome):
    ctx = make_ctx(effects=FakeEffects(responses={"http_request": answer}))
    assert run(ctx, valid_config(TYPE, {**BASE, "on_error": on_error})) == outcome


def test_body_that_does_not_render_to_json_fails_before_calling(make_ctx):
    ctx = make_ctx()
    config = valid_config(TYPE, {**BASE, "body": '{"name": {{ customer.name }}}'})
    outcome = run(ctx, config)
    assert outcome == Fail("body: not JSON after rendering (Expecting value at line 1, "
                           "column 10); insert values with | json", retryable=False)
    assert ctx.effects.calls == []
