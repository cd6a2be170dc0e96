import datetime as dt
from decimal import Decimal

import pytest

from blocks.actions.offer import run
from blocks.base import Continue
from tests.blocks.conftest import NOW, first_error, valid_config

TYPE = "action.offer"


@pytest.mark.parametrize(("config", "value"), [
    pytest.param({"value": 10}, Decimal(10), id="defaults"),
    pytest.param({"code_pattern": "{RANDOM16}", "kind": "amount", "value": "5.50",
                  "currency": "EUR", "expires_in_days": 365,
                  "link_target_url": "https://shop.example.com/back"}, Decimal("5.50"),
                 id="amount"),
    pytest.param({"value": 100, "code_pattern": "WB_{RANDOM4}_26"}, Decimal(100),
                 id="full-percent"),
])
def test_valid_configs(config, value):
    assert valid_config(TYPE, config).value == value


@pytest.mark.parametrize(("config", "field", "code"), [
    pytest.param({}, "value", "required", id="missing-value"),
    pytest.param({"value": 0}, "value", "greater_than", id="zero"),
    pytest.param({"value": 101}, "value", "too_large", id="over-100-percent"),
    pytest.param({"value": "1.234"}, "value", "decimal_max_places", id="three-decimals"),
    pytest.param({"value": 5, "kind": "amount"}, "currency", "required",
                 id="amount-needs-currency"),
    pytest.param({"value": 5, "kind": "amount", "currency": "eur"}, "currency",
                 "invalid_format", id="lower-case-currency"),
    pytest.param({"value": 5, "code_pattern": "SAVE"}, "code_pattern", "invalid_format",
                 id="no-random-part"),
    pytest.param({"value": 5, "code_pattern": "SAVE-{RANDOM3}"}, "code_pattern",
                 "invalid_format", id="random-too-short"),
    pytest.param({"value": 5, "code_pattern": "{RANDOM6}{RANDOM6}"}, "code_pattern",
                 "invalid_format", id="two-random-parts"),
    pytest.param({"value": 5, "link_target_url": "http://shop.example.com"},
                 "link_target_url", "invalid_format", id="plain-http-link"),
    pytest.param({"value": 5, "expires_in_days": 0}, "expires_in_days", "greater_than_equal",
                 id="expires-at-once"),
])
def test_invalid_configs(config, field, code):
    assert first_error(TYPE, config) == (field, code)


def test_run_creates_the_offer_and_outputs_it(ctx):
    config = valid_config(TYPE, {"value": 15, "expires_in_days": 14,
                                 "link_target_url": "https://shop.example.com/back"})
    assert run(ctx, config) == Continue("out", output={"offer": {
        "code": "SAVE-AB12CD", "link": "https://kf.example/o/abc",
        "expires_at": "2026-03-24T12:00:00+00:00",
    }, "variant": "default"})
    assert ctx.effects.calls == [("create_offer", {
        "code_pattern": "SAVE-{RANDOM6}", "kind": "percent", "value": Decimal(15),
        "currency": None, "expires_at": NOW + dt.timedelta(days=14),
        "link_target_url": "https://shop.example.com/back",
    })]
