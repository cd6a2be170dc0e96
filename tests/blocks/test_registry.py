"""Every block declares a complete, consistent spec, and the catalog serves them all."""

import json
from pathlib import Path

import pytest

from blocks.base import BlockSpec, Category, Continue, Exit, WaitForEvent, WaitUntil
from blocks.plugins import scan_names, spec_problems
from blocks.registry import (
    BLOCKS,
    BLOCKS_PREVIOUS,
    CATALOG_PROVIDERS,
    block_config_upgrade,
    block_config_validate,
    block_config_warnings,
    block_find,
    block_get,
    block_ports,
    block_schema,
    block_templates,
    block_ui_schema,
    block_versions,
    blocks_all,
    blocks_every_version,
    catalog,
    catalog_entry,
    catalog_provider_register,
    node_version,
)

# The core palette of DESIGN.md.
CORE_PALETTE = [
    "trigger.event", "trigger.segment", "trigger.date", "trigger.inactivity",
    "trigger.schedule", "trigger.webhook", "trigger.manual",
    "flow.filter", "flow.branch", "flow.segment_check", "flow.split", "flow.wait",
    "flow.wait_for_event", "flow.exit",
    "action.send_email", "action.send_sms", "action.create_task", "action.call",
    "action.http_request",
    "action.update_customer", "action.offer", "action.exit_survey",
    "action.zendesk_ticket", "action.freshdesk_ticket", "action.hubspot", "action.salesforce",
    "action.pipedrive", "action.slack_message", "action.teams_message",
]
# Older versions kept for published workflows (catalog keys "type@version").
PREVIOUS_KEYS = ["action.offer@1"]
SPECS = {spec.type: spec for spec in BLOCKS}
TESTS = Path(__file__).parent


def test_registry_holds_exactly_the_core_palette_then_the_package_blocks():
    assert [spec.type for spec in BLOCKS] == CORE_PALETTE
    assert blocks_all()[:len(BLOCKS)] == BLOCKS  # packages come after, never replace


@pytest.mark.parametrize("spec", (*BLOCKS, *BLOCKS_PREVIOUS),
                         ids=lambda spec: f"{spec.type}@{spec.version}")
class TestEverySpec:
    def test_keeps_the_contract_block_packages_are_held_to(self, spec: BlockSpec):
        others = {type_: other for type_, other in SPECS.items() if type_ != spec.type}
        scans = scan_names(other for other in others.values())
        assert spec_problems(spec, taken=others, scans=scans) == []

    def test_a_trigger_declares_how_runs_start(self, spec: BlockSpec):
        assert (spec.trigger is not None) == (spec.category == Category.TRIGGER)

    def test_metadata(self, spec: BlockSpec):
        prefix = spec.type.split(".")[0]
        assert spec.category == Category(prefix)
        assert spec.version >= 1
        assert spec.label.strip() and spec.description.strip() and spec.icon.strip()
        assert len(spec.description) <= 100  # a palette tooltip, not a manual

    def test_example_is_valid_and_has_ports(self, spec: BlockSpec):
        config, errors = block_config_validate(spec.type, spec.example, spec.version)
        assert errors == []
        ports = spec.output_ports(config)
        assert len(ports) == len(set(ports))
        assert ports or spec.type == "flow.exit"

    def test_schema_is_serialisable_deterministic_and_form_ready(self, spec: BlockSpec):
        schema = block_schema(spec.type, spec.version)
        text = json.dumps(schema, sort_keys=True)
        assert json.dumps(block_schema(spec.type, spec.version), sort_keys=True) == text
        assert (schema["type"], schema["title"]) == ("object", spec.label)
        assert "$ref" not in text and "$defs" not in text
        assert '{"type": "null"}' not in text
        for name, prop in schema["properties"].items():
            assert prop.get("title"), f"{spec.type}.{name} has no title"

    def test_template_fields_exist(self, spec: BlockSpec):
        names = spec.config_model.model_fields
        for field in spec.template_fields:
            assert field.split(".")[0] in names

    def test_has_its_own_test_module(self, spec: BlockSpec):
        assert (TESTS / f"test_{spec.type.replace('.', '_')}.py").is_file()

    def test_versions_chain_with_an_upgrade_each(self, spec: BlockSpec):
        versions = block_versions(spec.type)
        assert versions == list(range(1, versions[-1] + 1))
        assert (spec.upgrade is not None) == (spec.version > 1)

    def test_example_of_the_previous_version_upgrades_to_a_valid_config(self, spec: BlockSpec):
        if spec.version == 1:
            return
        previous = block_get(spec.type, spec.version - 1)
        assert spec.upgrade is not None
        _config, errors = block_config_validate(spec.type, spec.upgrade(previous.example),
                                                spec.version)
        assert errors == []

    def test_example_runs_to_an_outcome_on_a_declared_port(self, spec: BlockSpec, make_ctx):
        config, _ = block_config_validate(spec.type, spec.example, spec.version)
        outcome = spec.run(make_ctx(offer={"code": "C", "link": "https://l.example"}), config)
        assert isinstance(outcome, Continue | WaitUntil | WaitForEvent | Exit)
        ports = spec.output_ports(config)
        if isinstance(outcome, Continue | WaitUntil):
            assert outcome.port in ports
        if isinstance(outcome, WaitForEvent):
            assert {outcome.happened_port, outcome.timeout_port, *outcome.ports} <= set(ports)


def test_lookup():
    assert block_get("flow.filter") is SPECS["flow.filter"]
    assert block_find("flow.filter") is SPECS["flow.filter"]
    assert block_find("flow.filter", 1) is SPECS["flow.filter"]
    assert block_find("flow.teleport") is None
    assert block_find("flow.filter", 2) is None
    with pytest.raises(KeyError, match=r"unknown block type 'flow\.teleport'"):
        block_get("flow.teleport")
    with pytest.raises(KeyError, match=r"unknown block type 'flow\.filter' version 9"):
        block_get("flow.filter", 9)


def test_lookup_by_version_keeps_old_versions_loadable():
    assert block_find("action.offer").version == 2
    assert block_find("action.offer", 1).version == 1
    assert block_versions("action.offer") == [1, 2]
    assert block_versions("flow.filter") == [1]


@pytest.mark.parametrize(("node", "version"), [
    pytest.param({"type": "flow.wait"}, 1, id="absent-is-1"),
    pytest.param({"type": "action.offer", "version": 2}, 2, id="named"),
    pytest.param({"type": "action.offer", "version": True}, 1, id="bool-is-not-a-version"),
    pytest.param({"type": "action.offer", "version": 0}, 1, id="zero"),
])
def test_node_version(node, version):
    assert node_version(node) == version


def test_config_upgrade_runs_every_step_to_the_latest():
    assert block_config_upgrade("action.offer", {"value": 5, "expires_in_days": 3}, 1) == \
        {"value": 5, "valid_for": "3d"}
    assert block_config_upgrade("action.offer", {"value": 5}, 2) == {"value": 5}
    with pytest.raises(KeyError):
        block_config_upgrade("action.offer", {}, 3)


def test_config_of_an_unknown_version_is_named_as_such():
    assert block_config_validate("action.offer", {}, 7) == (None, [{
        "field": "", "code": "unknown_version",
        "message": "block type 'action.offer' has no version 7"}])


def test_index_refuses_a_version_without_its_upgrade():
    from dataclasses import replace

    from blocks.registry import _index

    v2 = SPECS["action.offer"]
    with pytest.raises(RuntimeError, match="needs an `upgrade`"):
        _index([replace(v2, upgrade=None)], [block_get("action.offer", 1)])
    with pytest.raises(RuntimeError, match="listed twice"):
        _index([v2], [v2])
    with pytest.raises(RuntimeError, match="not older than the latest"):
        _index([block_get("action.offer", 1)], [v2])


@pytest.mark.parametrize(("block_type", "config", "errors"), [
    pytest.param("flow.teleport", {}, [{"field": "", "code": "unknown_type",
                                        "message": "unknown block type 'flow.teleport'"}],
                 id="unknown-type"),
    pytest.param("flow.exit", ["reason"], [{"field": "", "code": "invalid_type",
                                            "message": "config is an object"}],
                 id="config-not-an-object"),
    pytest.param("action.send_sms", {"body": 5, "x": 1}, [
        {"field": "body", "code": "string_type", "message": "Input should be a valid string"},
        {"field": "x", "code": "unknown_field", "message": "Extra inputs are not permitted"},
    ], id="every-error-listed"),
    pytest.param("flow.filter", {"condition": {"all": [
        {"field": "customer.tier", "op": "eq"},
        {"field": "customer.nope", "op": "eq", "value": 1}]}}, [
        {"field": "condition.all.0.value", "code": "invalid_value",
         "message": "value is required (to test for a missing value use exists or not_exists)"},
        {"field": "condition.all.1.field", "code": "unknown_field",
         "message": "unknown customer field 'nope'; use one of: external_id, email, phone, "
                    "first_name, last_name, timezone, locale, tier, churn_score, clv, "
                    "p_alive, expected_purchases_90d, created_at, last_seen_at, tags, "
                    "attributes.<key>, consent.<channel>.status"},
    ], id="every-condition-issue-listed"),
])
def test_validation_errors(block_type, config, errors):
    assert block_config_validate(block_type, config) == (None, errors)


def test_templates_expand_mappings():
    config, _ = block_config_validate("action.http_request", {
        "url": "https://x.example/{{ customer.id }}", "headers": {"A": "1", "B": "{{ run.id }}"},
        "body": "{}"})
    assert block_templates("action.http_request", config) == [
        ("url", "https://x.example/{{ customer.id }}"), ("headers.A", "1"),
        ("headers.B", "{{ run.id }}"), ("body", "{}")]


def test_a_valid_config_can_still_name_variables_no_run_provides():
    config, errors = block_config_validate("action.send_email", {
        "subject": "Hi {{ costumer.first_name }}", "body": "{{ customer.id }}"})
    assert errors == []  # the field's own check is the syntax; variables are the graph's
    assert block_config_warnings("action.send_email", config) == [
        {"field": "subject", "code": "unknown_variable",
         "message": "line 1, column 7: unknown variable costumer; did you mean "
                    "customer.first_name?"},
        {"field": "body", "code": "renamed_variable",
         "message": "line 1, column 4: customer.id is the old name of customer.external_id, "
                    "which conditions and the API use too; it still works"}]


def test_ports_of_a_node_without_a_valid_config():
    assert block_ports("flow.filter", None) == ["yes", "no"]
    assert block_ports("flow.branch", None) == []


def test_ui_schema_marks_special_editors_and_keeps_the_field_order():
    assert block_ui_schema("action.http_request") == {
        "url": {"ui:widget": "liquid"},
        "headers": {"additionalProperties": {"ui:widget": "liquid"}},
        "credential_id": {"ui:widget": "credential"},
        "body": {"ui:widget": "liquid_textarea"},
        "ui:order": ["method", "url", "headers", "credential_id", "body", "timeout_seconds",
                     "expect_json", "on_error"],
    }
    assert block_ui_schema("flow.branch") == {
        "branches": {"items": {"condition": {"ui:field": "condition"}}},
        "ui:order": ["branches"]}
    assert block_ui_schema("trigger.schedule") == {
        "timezone": {"ui:widget": "timezone"}, "segment_id": {"ui:widget": "segment"},
        "ui:order": ["cron", "timezone", "segment_id", "batch_size"]}


def test_schema_properties_follow_the_model_order():
    assert list(block_schema("flow.wait")["properties"]) == [
        "mode", "duration", "attribute", "offset_days", "at_local_time"]


@pytest.mark.django_db  # other apps' providers (block templates) read the database
def test_catalog_lists_every_core_block_in_order():
    entries = [entry for entry in catalog() if entry["source"] == "core"]
    assert [entry["key"] for entry in entries] == [*CORE_PALETTE, *PREVIOUS_KEYS]
    assert json.loads(json.dumps(entries)) == entries
    old = entries[-1]
    assert (old["type"], old["version"], old["latest_version"]) == ("action.offer", 1, 2)
    assert "expires_in_days" in old["config_schema"]["properties"]
    offer = entries[CORE_PALETTE.index("action.offer")]
    assert (offer["version"], offer["latest_version"]) == (2, 2)
    assert "valid_for" in offer["config_schema"]["properties"]
    split = entries[CORE_PALETTE.index("flow.split")]
    assert split["ports"] == [] and split["example_ports"] == ["a", "b", "holdout"]
    assert split["dynamic_ports"] == {
        "list_field": "branches", "name_key": "name", "always": [],
        "when_positive": [{"port": "holdout", "field": "holdout_percent"}],
        "when_equals": []}
    assert {entry["group"] for entry in entries} == {
        "Triggers", "Flow", "Messages", "Tasks and data", "Contact center",
        "Offers", "CRM & helpdesk"}


@pytest.fixture
def provider():
    def templates():
        entry = catalog_entry(block_get("action.send_sms"))
        return [{**entry, "key": "template:7@2", "source": "template", "group": "Team blocks",
                 "label": "Apology SMS", "template": {"id": 7, "version": 2}}]

    yield templates
    if templates in CATALOG_PROVIDERS:
        CATALOG_PROVIDERS.remove(templates)


@pytest.mark.django_db
def test_providers_add_entries_after_the_core(provider):
    catalog_provider_register(provider)
    catalog_provider_register(provider)  # idempotent

    entries = catalog()

    assert len(entries) == len(blocks_every_version()) + 1
    assert entries[-1]["key"] == "template:7@2"
    assert entries[-1]["template"] == {"id": 7, "version": 2}
    assert entries[-1]["type"] == "action.send_sms"


@pytest.mark.django_db
def test_catalog_is_a_copy():
    catalog()[0]["label"] = "changed"
    assert catalog()[0]["label"] == "Event"
