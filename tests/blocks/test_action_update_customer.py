import pytest

from blocks.actions.update_customer import run
from blocks.base import Continue
from tests.blocks.conftest import first_error, valid_config

TYPE = "action.update_customer"


@pytest.mark.parametrize("config", [
    pytest.param({"set_attributes": {"apology_sent": True, "score": 3, "note": None}},
                 id="attributes"),
    pytest.param({"add_tags": ["apologised"], "remove_tags": ["angry"]}, id="tags"),
    pytest.param({"tier": "silver"}, id="tier"),
    pytest.param({"set_attributes": {"last_code": "{{ offer.code }}"}}, id="liquid-value"),
])
def test_valid_configs(config):
    assert valid_config(TYPE, config).model_dump(exclude_defaults=True) == config


@pytest.mark.parametrize(("config", "field", "code"), [
    pytest.param({}, "set_attributes", "required", id="nothing-to-change"),
    pytest.param({"tier": ""}, "set_attributes", "required", id="empty-tier-changes-nothing"),
    pytest.param({"set_attributes": {"bad key": 1}}, "set_attributes.bad key",
                 "invalid_format", id="bad-attribute-name"),
    pytest.param({"set_attributes": {"a": {"nested": 1}}}, "set_attributes.a",
                 "invalid_type", id="object-value"),
    pytest.param({"set_attributes": {"a": [1]}}, "set_attributes.a", "invalid_type",
                 id="list-value"),
    pytest.param({"set_attributes": {"a": "{{ offer.code "}}, "set_attributes.a",
                 "template_syntax", id="bad-template-value"),
    pytest.param({"add_tags": ["vip"], "remove_tags": ["vip"]}, "remove_tags", "conflict",
                 id="add-and-remove"),
    pytest.param({"add_tags": [""]}, "add_tags.0", "string_too_short", id="empty-tag"),
    pytest.param({"tier": "x" * 33}, "tier", "string_too_long", id="long-tier"),
])
def test_invalid_configs(config, field, code):
    assert first_error(TYPE, config) == (field, code)


def test_run_renders_text_values_and_applies_changes(make_ctx):
    ctx = make_ctx(offer={"code": "SAVE-1"})
    config = valid_config(TYPE, {"set_attributes": {"last_code": "{{ offer.code }}",
                                                    "apology_sent": True, "old": None},
                                 "add_tags": ["apologised"], "tier": "silver"})
    assert run(ctx, config) == Continue("out", output={"updated": True})
    assert ctx.effects.calls == [("update_customer", {
        "attributes": {"last_code": "SAVE-1", "apology_sent": True, "old": None},
        "tags_add": ["apologised"], "tags_remove": [], "tier": "silver",
    })]
