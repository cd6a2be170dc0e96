import datetime as dt
from decimal import Decimal

import pytest

from blocks.actions import offer_v1
from blocks.actions.offer import run, upgrade
from blocks.base import Continue
from blocks.registry import block_config_upgrade, block_find
from tests.blocks.conftest import NOW, first_error, valid_config

TYPE = "action.offer"


@pytest.mark.parametrize(("config", "value"), [
    pytest.param({"value": 10}, Decimal(10), id="defaults"),
    pytest.param({"code_pattern": "{RANDOM16}", "kind": "amount", "value": "5.50",
                  "currency": "EUR", "valid_for": "365d",
                  "link_target_url": "https://shop.example.com/back"}, Decimal("5.50"),
                 id="amount"),
    pytest.param({"value": 100, "code_pattern": "WB_{RANDOM4}_26"}, Decimal(100),
                 id="full-percent"),
    pytest.param({"value": 10, "valid_for": "1h"}, Decimal(10), id="shortest"),
    pytest.param({"value": 10, "valid_for": "2d12h"}, Decimal(10), id="days-and-hours"),
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
    pytest.param({"value": 5, "valid_for": "14"}, "valid_for", "invalid_format",
                 id="duration-without-unit"),
    pytest.param({"value": 5, "valid_for": "30m"}, "valid_for", "duration_too_short",
                 id="under-an-hour"),
    pytest.param({"value": 5, "valid_for": "366d"}, "valid_for", "duration_too_long",
                 id="over-a-year"),
    pytest.param({"value": 5, "expires_in_days": 14}, "expires_in_days", "unknown_field",
                 id="version-1-field"),
])
def test_invalid_configs(config, field, code):
    assert first_error(TYPE, config) == (field, code)


def test_run_creates_the_offer_and_outputs_it(ctx):
    config = valid_config(TYPE, {"value": 15, "valid_for": "48h",
                                 "link_target_url": "https://shop.example.com/back"})
    assert run(ctx, config) == Continue("out", output={"offer": {
        "code": "SAVE-AB12CD", "link": "https://kf.example/o/abc",
        "expires_at": "2026-03-24T12:00:00+00:00",
    }, "variant": "default"})
    assert ctx.effects.calls == [("create_offer", {
        "code_pattern": "SAVE-{RANDOM6}", "kind": "percent", "value": Decimal(15),
        "currency": None, "expires_at": NOW + dt.timedelta(hours=48),
        "link_target_url": "https://shop.example.com/back",
    })]


# --- version 1, kept for the workflows published on it ----------------------------------


def test_version_1_stays_loadable_with_its_own_fields():
    spec = block_find(TYPE, 1)
    assert spec is offer_v1.SPEC and spec.version == 1
    assert block_find(TYPE).version == 2  # the default for new nodes
    assert valid_config(TYPE, {"value": 10, "expires_in_days": 30}, version=1) \
        .expires_in_days == 30
    assert first_error(TYPE, {"value": 10, "valid_for": "3d"}, version=1) \
        == ("valid_for", "unknown_field")
    assert first_error(TYPE, {"value": 5, "expires_in_days": 0}, version=1) \
        == ("expires_in_days", "greater_than_equal")


def test_version_1_runs_in_whole_days(ctx):
    config = valid_config(TYPE, {"value": 15, "expires_in_days": 14}, version=1)
    offer_v1.run(ctx, config)
    assert ctx.effects.calls[0][1]["expires_at"] == NOW + dt.timedelta(days=14)


# --- the upgrade from version 1 ---------------------------------------------------------


@pytest.mark.parametrize(("v1", "v2"), [
    pytest.param({"value": 10, "expires_in_days": 14}, {"value": 10, "valid_for": "14d"},
                 id="days-become-a-duration"),
    pytest.param({"code_pattern": "VIP-{RANDOM6}", "kind": "amount", "value": 20,
                  "currency": "EUR", "expires_in_days": 365, "headline": "Thanks",
                  "variants": {"de": {"headline": "Danke"}}},
                 {"code_pattern": "VIP-{RANDOM6}", "kind": "amount", "value": 20,
                  "currency": "EUR", "valid_for": "365d", "headline": "Thanks",
                  "variants": {"de": {"headline": "Danke"}}},
                 id="other-fields-stay-in-place"),
    pytest.param({"value": 10}, {"value": 10}, id="default-stays-default"),
    pytest.param({"value": 10, "expires_in_days": "7"}, {"value": 10, "valid_for": "7d"},
                 id="digits-in-a-string"),
    pytest.param({"value": 10, "expires_in_days": "soon"}, {"value": 10, "valid_for": "soon"},
                 id="garbage-carried-for-validation-to-name"),
])
def test_upgrade_from_version_1(v1, v2):
    assert upgrade(v1) == v2
    assert list(upgrade(v1)) == list(v2)  # same order: a diff shows one changed field
    assert v1 != v2 or "expires_in_days" not in v1  # the input is not changed in place


def test_every_valid_version_1_config_upgrades_to_a_valid_one_with_the_same_expiry(ctx):
    for days in (1, 14, 365):
        v1 = valid_config(TYPE, {"value": 10, "expires_in_days": days}, version=1)
        v2 = valid_config(TYPE, block_config_upgrade(TYPE, v1.model_dump(mode="json"), 1))
        assert v2.valid_for == f"{days}d"


def test_the_default_expiry_is_the_same_in_both_versions():
    v1 = valid_config(TYPE, {"value": 10}, version=1)
    v2 = valid_config(TYPE, upgrade({"value": 10}))
    assert dt.timedelta(days=v1.expires_in_days) == dt.timedelta(days=14)
    assert v2.valid_for == "14d"
