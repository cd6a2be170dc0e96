import datetime as dt

import pytest

from blocks.actions.exit_survey import run
from blocks.base import Continue, Fail
from tests.blocks.conftest import NOW, first_error, valid_config

TYPE = "action.exit_survey"
EMAIL = {"subject": "One question, {{ customer.first_name }}",
         "body": "<p>Why did you leave? <a href=\"{{ survey.url }}\">Tell us</a></p>"}
SMS = {"channel": "sms", "body": "Why did you leave, {{ customer.first_name }}? {{survey.url}}"}
SURVEY = {"survey_id": 9, "url": "https://kf.example/s/abc",
          "expires_at": "2026-04-09T12:00:00+00:00"}


@pytest.mark.parametrize(("config", "channel"), [
    pytest.param(EMAIL, "email", id="email-defaults"),
    pytest.param(SMS, "sms", id="sms-without-subject"),
    pytest.param({**EMAIL, "reasons": ["too_expensive", "other"], "expires_in_days": 365,
                  "category": "transactional"}, "email", id="chosen-reasons"),
])
def test_valid_configs(config, channel):
    assert valid_config(TYPE, config).channel == channel


@pytest.mark.parametrize(("config", "field", "code"), [
    pytest.param({"subject": "Hi"}, "body", "required", id="missing-body"),
    pytest.param({"body": "{{ survey.url }}"}, "subject", "required", id="email-no-subject"),
    pytest.param({**EMAIL, "body": "Why did you leave?"}, "body", "missing_link",
                 id="no-link"),
    pytest.param({**EMAIL, "reasons": ["Too Expensive"]}, "reasons.0", "invalid_format",
                 id="bad-reason-code"),
    pytest.param({**EMAIL, "reasons": ["other", "other"]}, "reasons", "duplicate",
                 id="duplicate-reason"),
    pytest.param({**EMAIL, "expires_in_days": 0}, "expires_in_days", "greater_than_equal",
                 id="expires-at-once"),
    pytest.param({**EMAIL, "channel": "push"}, "channel", "literal_error", id="bad-channel"),
])
def test_invalid_configs(config, field, code):
    assert first_error(TYPE, config) == (field, code)


def test_email_creates_the_survey_and_sends_its_link(ctx):
    config = valid_config(TYPE, {**EMAIL, "reasons": ["too_expensive"]})

    outcome = run(ctx, config)

    assert outcome == Continue("out", output={"message_id": "m-1", "status": "queued",
                                              "survey": SURVEY, "variant": "default"})
    assert ctx.effects.calls == [
        ("create_exit_survey", {"channel": "email", "reason_codes": ["too_expensive"],
                                "expires_at": NOW + dt.timedelta(days=30)}),
        ("send_email", {"subject": "One question, Ada",
                        "body": '<p>Why did you leave? <a href="https://kf.example/s/abc">'
                                "Tell us</a></p>",
                        "format": "html", "category": "marketing", "variant": "default"}),
    ]


def test_sms_sends_the_link_as_text(ctx):
    outcome = run(ctx, valid_config(TYPE, SMS))

    assert isinstance(outcome, Continue)
    assert outcome.output["survey"] == SURVEY
    assert outcome.output["sms"]["segments"] == 1
    assert ctx.effects.calls[1] == ("send_sms", {
        "body": "Why did you leave, Ada? https://kf.example/s/abc", "category": "marketing",
        "variant": "default"})


def test_a_template_error_fails_naming_the_field(ctx):
    config = valid_config(TYPE, {**EMAIL, "subject": "{{ 1 | divided_by: 0 }}"})
    outcome = run(ctx, config)
    assert isinstance(outcome, Fail) and outcome.error.startswith("subject")
    assert not outcome.retryable
