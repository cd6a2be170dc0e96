"""Reusable blocks for ops teams through the API: definition checks, the draft ->
published -> deprecated lifecycle, versions, the palette, and workflows that pin them."""

import pytest

from apps.workflows.block_templates import (
    block_template_create,
    block_template_publish,
    block_template_version_new,
)
from apps.workflows.models import BlockTemplate, WorkflowVersion
from tests.workflows.concurrency import race
from tests.workflows.graphs import edge, graph, node, trigger

pytestmark = pytest.mark.django_db

APOLOGY_SMS = {
    "name": "Apology SMS",
    "description": "The approved apology text; pick the tone.",
    "base_type": "action.send_sms",
    "preset": {"body": "Sorry {{ customer.first_name | default: 'there' }}, we will fix it.",
               "category": "transactional"},
    "locked_fields": ["category"],
    "exposed_fields": [{"field": "body", "label": "Apology text", "help": "Keep it short."}],
}


@pytest.fixture
def template(composer) -> dict:
    response = composer.post("/api/v1/block-templates", APOLOGY_SMS, format="json")
    assert response.status_code == 201, response.json()
    return response.json()


@pytest.fixture
def published_template(template, publisher) -> dict:
    response = publisher.post(f"/api/v1/block-templates/{template['id']}/publish")
    assert response.status_code == 200, response.json()
    return response.json()


def team_blocks(client) -> list[dict]:
    response = client.get("/api/v1/blocks")
    assert response.status_code == 200
    return [entry for entry in response.json() if entry["source"] == "template"]


def using(template_id: int, version: int = 1, **config) -> dict:
    return graph(trigger(), node("a1", "action.send_sms", config,
                                 template={"id": template_id, "version": version}),
                 edges=[edge("t1", "a1")])


def test_create_starts_a_draft_version_1(template):
    assert template["latest"]["number"] == 1
    assert template["latest"]["state"] == "draft"
    assert template["latest"]["locked_fields"] == ["category"]
    assert template["published"] is None


@pytest.mark.parametrize(("changes", "field", "code"), [
    pytest.param({"base_type": "action.fax"}, "base_type", "unknown_block_type", id="base-type"),
    pytest.param({"preset": {"colour": "red", "category": "transactional"}}, "preset.colour",
                 "unknown_field",
                 id="preset-unknown-field"),
    pytest.param({"preset": {"category": "loud"}}, "preset.category", "literal_error",
                 id="preset-bad-value"),
    pytest.param({"preset": {"body": "Hi {{ customer.name", "category": "transactional"}},
                 "preset.body", "template_syntax",
                 id="preset-bad-liquid"),
    pytest.param({"locked_fields": ["body"], "preset": {}, "exposed_fields": []},
                 "locked_fields.0", "not_preset", id="locked-without-preset"),
    pytest.param({"exposed_fields": [{"field": "colour"}]}, "exposed_fields.0.field",
                 "unknown_field", id="exposed-unknown"),
    pytest.param({"exposed_fields": [{"field": "category"}]}, "exposed_fields.0.field",
                 "locked", id="exposed-and-locked"),
    pytest.param({"name": ""}, "name", "blank", id="blank-name"),
])
def test_bad_definitions_are_400_naming_the_field(composer, changes, field, code):
    response = composer.post("/api/v1/block-templates", {**APOLOGY_SMS, **changes},
                             format="json")

    assert response.status_code == 400
    assert [(e["field"], e["code"]) for e in response.json()["errors"]] == [(field, code)]
    assert not BlockTemplate.objects.exists()


def test_names_are_unique(template, composer):
    response = composer.post("/api/v1/block-templates", APOLOGY_SMS, format="json")

    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "name"


def test_a_draft_can_change_a_published_version_cannot(template, composer, publisher):
    tid = template["id"]
    edited = composer.put(f"/api/v1/block-templates/{tid}",
                          {"preset": {**APOLOGY_SMS["preset"], "body": "We apologise."}},
                          format="json")
    publisher.post(f"/api/v1/block-templates/{tid}/publish")

    frozen = composer.put(f"/api/v1/block-templates/{tid}", {"preset": {"body": "x",
                          "category": "transactional"}}, format="json")
    renamed = composer.put(f"/api/v1/block-templates/{tid}", {"name": "Apology SMS (EN)"},
                           format="json")

    assert edited.json()["latest"]["preset"]["body"] == "We apologise."
    assert frozen.status_code == 409
    assert frozen.json()["detail"] == ("Version 1 is published; create a new version to change "
                                       "preset, locked or exposed fields.")
    assert renamed.status_code == 200 and renamed.json()["name"] == "Apology SMS (EN)"
    assert renamed.json()["published"]["preset"]["body"] == "We apologise."


@pytest.mark.parametrize(("role", "status"), [("composer", 403), ("publisher", 200)])
def test_only_publishers_publish(template, client_as, role, status):
    response = client_as(role).post(f"/api/v1/block-templates/{template['id']}/publish")

    assert response.status_code == status


def test_lifecycle_draft_published_deprecated(template, publisher):
    tid = template["id"]

    published = publisher.post(f"/api/v1/block-templates/{tid}/publish")
    twice = publisher.post(f"/api/v1/block-templates/{tid}/publish")
    deprecated = publisher.post(f"/api/v1/block-templates/{tid}/deprecate")
    again = publisher.post(f"/api/v1/block-templates/{tid}/deprecate")

    assert published.json()["published"]["state"] == "published"
    assert twice.status_code == 409
    assert twice.json()["detail"] == "Cannot publish version 1 in state 'published'."
    assert deprecated.json()["latest"]["state"] == "deprecated"
    assert deprecated.json()["published"] is None
    assert again.status_code == 409


def test_published_templates_join_the_palette_as_team_blocks(template, publisher, composer):
    assert team_blocks(composer) == []
    publisher.post(f"/api/v1/block-templates/{template['id']}/publish")

    (entry,) = team_blocks(composer)

    assert (entry["key"], entry["type"], entry["group"], entry["label"]) == \
        (f"template:{template['id']}@1", "action.send_sms", "Team blocks", "Apology SMS")
    assert entry["template"]["id"] == template["id"]
    assert entry["template"]["version"] == 1
    schema = entry["config_schema"]
    assert list(schema["properties"]) == ["body"]
    assert schema["properties"]["body"]["title"] == "Apology text"
    assert schema["properties"]["body"]["description"] == "Keep it short."
    assert schema["properties"]["body"]["default"] == APOLOGY_SMS["preset"]["body"]
    assert "required" not in schema
    assert (entry["example_config"], entry["example_ports"]) == ({}, ["out"])


def test_a_new_version_is_a_draft_copy_and_replaces_the_palette_entry(published_template,
                                                                      composer, publisher):
    tid = published_template["id"]
    created = composer.post(f"/api/v1/block-templates/{tid}/versions")
    second = composer.post(f"/api/v1/block-templates/{tid}/versions")
    composer.put(f"/api/v1/block-templates/{tid}", {"preset": {
        "body": "Version two", "category": "transactional"}}, format="json")

    before = team_blocks(composer)
    publisher.post(f"/api/v1/block-templates/{tid}/publish")
    after = team_blocks(composer)

    assert (created.status_code, created.json()["number"], created.json()["state"]) == \
        (201, 2, "draft")
    assert created.json()["preset"] == APOLOGY_SMS["preset"]
    assert second.status_code == 409
    assert [e["template"]["version"] for e in before] == [1]
    assert [e["template"]["version"] for e in after] == [2]
    versions = composer.get(f"/api/v1/block-templates/{tid}/versions").json()
    assert [(v["number"], v["state"]) for v in versions] == [(2, "published"), (1, "published")]


def test_a_workflow_pins_a_version_and_runs_its_effective_config(published_template,
                                                                 make_workflow, publisher):
    workflow = make_workflow(using(published_template["id"], body="Custom apology"))

    response = publisher.post(f"/api/v1/workflows/{workflow['id']}/publish", {}, format="json")

    assert workflow["validation"]["valid"] is True
    assert response.status_code == 200
    version = WorkflowVersion.objects.get(workflow_id=workflow["id"])
    assert version.graph["nodes"][1]["config"] == {"body": "Custom apology"}
    assert version.resolved_graph["nodes"][1]["config"] == {"body": "Custom apology",
                                                            "category": "transactional"}
    assert version.resolved_graph["nodes"][1]["template"] == {"id": published_template["id"],
                                                              "version": 1}


def test_a_locked_field_cannot_change_in_a_workflow(published_template, make_workflow,
                                                    publisher):
    workflow = make_workflow(using(published_template["id"], category="marketing"))

    response = publisher.post(f"/api/v1/workflows/{workflow['id']}/publish", {}, format="json")

    assert response.status_code == 400
    assert response.json()["errors"] == [{
        "field": "graph.nodes.1.config.category", "code": "locked_field", "node": "a1",
        "message": "'category' is locked by block template 'Apology SMS'"}]


def test_a_draft_template_cannot_be_used_in_a_published_workflow(template, make_workflow,
                                                                 publisher):
    workflow = make_workflow(using(template["id"]))

    response = publisher.post(f"/api/v1/workflows/{workflow['id']}/publish", {}, format="json")

    assert response.status_code == 400
    assert [e["code"] for e in response.json()["errors"]] == ["template_not_published"]


def test_a_deprecated_template_warns_but_keeps_working(published_template, make_workflow,
                                                       publisher, composer):
    workflow = make_workflow(using(published_template["id"]))
    publisher.post(f"/api/v1/block-templates/{published_template['id']}/deprecate")

    validation = composer.post(f"/api/v1/workflows/{workflow['id']}/validate").json()
    published = publisher.post(f"/api/v1/workflows/{workflow['id']}/publish", {}, format="json")

    assert validation["valid"] is True
    assert [(w["node"], w["code"]) for w in validation["warnings"]] == \
        [("a1", "template_deprecated")]
    assert published.status_code == 200
    assert team_blocks(composer) == []


def test_only_never_published_templates_can_be_deleted(template, published_template, composer):
    other = composer.post("/api/v1/block-templates", {**APOLOGY_SMS, "name": "Draft only"},
                          format="json").json()

    assert composer.delete(f"/api/v1/block-templates/{other['id']}").status_code == 204
    refused = composer.delete(f"/api/v1/block-templates/{published_template['id']}")
    assert refused.status_code == 409
    assert list(BlockTemplate.objects.values_list("name", flat=True)) == ["Apology SMS"]


def test_the_base_block_cannot_change(template, composer):
    response = composer.put(f"/api/v1/block-templates/{template['id']}",
                            {"base_type": "action.send_email"}, format="json")

    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "base_type"


@pytest.mark.django_db(transaction=True)
def test_two_new_versions_at_once_make_one_draft():
    template = block_template_create(name="Race", base_type="action.send_sms",
                                     preset=APOLOGY_SMS["preset"])
    block_template_publish(template, user=None)

    results = race(lambda _: str(block_template_version_new(template, user=None).number), 1, 2)

    assert results == ["2", "not_editable"]
    assert list(template.versions.values_list("number", flat=True)) == [2, 1]
