"""Portable JSON: export, import, and the round trip between them."""

import pytest

from apps.workflows.models import Workflow, WorkflowTestCase
from tests.workflows.graphs import apology, edge, graph, node, trigger

pytestmark = pytest.mark.django_db

CASE = {"name": "Low score gets an SMS",
        "given": {"event": {"type": "feedback.submitted", "properties": {"score": 3}}},
        "expect": {"path": ["t1", "a1"]}}
SETTINGS = {"re_entry": {"policy": "once_per_period", "period_days": 30},
            "costs": {"sms": "0.08", "currency": "EUR"}}


@pytest.fixture
def workflow(make_workflow, composer) -> dict:
    workflow = make_workflow(description="Say sorry", settings=SETTINGS)
    response = composer.post(f"/api/v1/workflows/{workflow['id']}/test-cases", CASE,
                             format="json")
    assert response.status_code == 201
    return workflow


def test_export_is_portable(workflow, client_as):
    response = client_as("viewer").get(f"/api/v1/workflows/{workflow['id']}/export")

    body = response.json()
    assert response.status_code == 200
    assert set(body) == {"format", "format_version", "schema_version", "name", "description",
                         "graph", "settings", "test_cases"}
    assert (body["format"], body["format_version"], body["schema_version"]) == \
        ("keepflow.workflow", 1, 1)
    assert (body["name"], body["description"], body["graph"]) == \
        ("Apology", "Say sorry", apology())
    assert body["settings"]["costs"]["sms"] == "0.08"
    assert body["test_cases"] == [CASE]
    assert Workflow.objects.get(pk=workflow["id"]).webhook_secret not in response.content.decode()


def test_round_trip(workflow, composer):
    exported = composer.get(f"/api/v1/workflows/{workflow['id']}/export").json()

    imported = composer.post("/api/v1/workflows/import", exported, format="json")
    again = composer.get(f"/api/v1/workflows/{imported.json()['id']}/export").json()

    assert imported.status_code == 201
    assert imported.json()["state"] == "draft"
    assert imported.json()["validation"]["valid"] is True
    assert again == exported
    assert WorkflowTestCase.objects.filter(workflow_id=imported.json()["id"]).count() == 1


def test_import_keeps_a_graph_with_rule_violations_as_a_draft(composer):
    document = {"format": "keepflow.workflow", "format_version": 1, "name": "Half done",
                "graph": graph(trigger(), node("a1", "action.send_sms"),
                               edges=[edge("t1", "a1")])}

    response = composer.post("/api/v1/workflows/import", document, format="json")

    assert response.status_code == 201
    assert [(e["node"], e["field"], e["code"]) for e in response.json()["validation"]["errors"]] \
        == [("a1", "config.body", "required")]


@pytest.mark.parametrize(("change", "field"), [
    pytest.param({"format": "n8n.workflow"}, "format", id="format"),
    pytest.param({"format_version": 2}, "format_version", id="format-version"),
    pytest.param({"graph": None}, "graph", id="no-graph"),
    pytest.param({"graph": {"schema_version": 1, "nodes": [{"id": "a"}]}}, "graph.nodes.0.type",
                 id="node-without-type"),
    pytest.param({"settings": {"re_entry": {"policy": "sometimes"}}}, "settings.re_entry.policy",
                 id="settings"),
    pytest.param({"test_cases": [{**CASE, "given": {"event": {}}}]},
                 "test_cases.0.given.event.type", id="test-case"),
    pytest.param({"test_cases": [CASE, CASE]}, "test_cases.1.name", id="duplicate-case-names"),
])
def test_bad_imports_are_400_naming_the_field(workflow, composer, change, field):
    document = {**composer.get(f"/api/v1/workflows/{workflow['id']}/export").json(), **change}

    response = composer.post("/api/v1/workflows/import", document, format="json")

    assert response.status_code == 400
    assert field in [e["field"] for e in response.json()["errors"]]
    assert Workflow.objects.count() == 1


def test_a_viewer_cannot_import(client_as):
    response = client_as("viewer").post("/api/v1/workflows/import", {}, format="json")

    assert response.status_code == 403
