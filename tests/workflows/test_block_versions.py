"""Versioned blocks end to end, with the real breaking change of action.offer (v1:
`expires_in_days`, v2: `valid_for`): published versions keep running on the block
versions they pinned, drafts get an upgrade warning, the upgrade API converts a draft's
nodes, and starters, exports and the canvas's catalog name the versions."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace
from typing import Any

import pytest

from apps.customers.models import Customer
from apps.engine.events import events_handle
from apps.engine.graph import graph_compile
from apps.engine.models import Run, RunState
from apps.offers.models import Offer
from apps.workflows import services
from apps.workflows.block_templates import block_template_create
from apps.workflows.models import Workflow
from apps.workflows.portable import workflow_export, workflow_import
from apps.workflows.starters import starter_documents
from apps.workflows.upgrades import graph_blocks_upgrade
from blocks.registry import block_latest_version, node_version
from tests.engine.conftest import ingest
from tests.engine.runs_helpers import advance_all
from tests.workflows.graphs import LOW_SCORE, edge, graph, node, sms, trigger

pytestmark = pytest.mark.django_db

OFFER_V1 = {"value": 10, "expires_in_days": 3,
            "link_target_url": "https://shop.example.com/back"}


def offer_graph(version: int = 1, config: dict[str, Any] | None = None) -> dict[str, Any]:
    """trigger -> offer (at `version`) -> SMS with the code."""
    return graph(trigger(condition=LOW_SCORE),
                 node("of", "action.offer", config or OFFER_V1, version=version),
                 sms("a1", body="Your code: {{ offer.code }}"),
                 edges=[edge("t1", "of"), edge("of", "a1")])


def url(workflow: Workflow | dict[str, Any], tail: str = "") -> str:
    pk = workflow["id"] if isinstance(workflow, dict) else workflow.pk
    return f"/api/v1/workflows/{pk}{tail}"


Issues = set[tuple[Any, str, str]]


def issue_codes(result: dict[str, Any]) -> tuple[Issues, Issues]:
    return ({(i["node"], i["field"], i["code"]) for i in result["errors"]},
            {(i["node"], i["field"], i["code"]) for i in result["warnings"]})


def published_on_v1() -> Workflow:
    workflow, _ = services.workflow_create(name="Win-back", graph=offer_graph(1))
    return services.workflow_publish(workflow.pk, user=None)


def feedback(customer: str) -> None:
    Customer.objects.get_or_create(external_id=customer)
    events_handle(ingest(customer, "feedback.submitted", {"score": 2}))
    advance_all()


def assert_offer_ran_on_v1(customer: str) -> None:
    run = Run.objects.get(customer__external_id=customer)
    assert run.state == RunState.COMPLETED, run.error
    offer = Offer.objects.get(customer__external_id=customer)
    assert offer.expires_at is not None
    assert abs(offer.expires_at - (offer.created_at + dt.timedelta(days=3))) \
        < dt.timedelta(minutes=1)


# --- published versions keep their block versions -----------------------------------------


def test_a_version_published_on_v1_keeps_running_on_v1_after_the_draft_is_upgraded(
        client_as):
    workflow = published_on_v1()
    assert workflow.published_version.graph["nodes"][1]["version"] == 1
    assert workflow.published_version.resolved_graph["nodes"][1]["version"] == 1

    feedback("ada")
    assert_offer_ran_on_v1("ada")

    response = client_as("composer").post(url(workflow, "/upgrade-blocks"),
                                          {"revision": workflow.draft_revision}, format="json")
    assert response.status_code == 200, response.json()
    feedback("bob")  # the draft is upgraded, the published version is not
    assert_offer_ran_on_v1("bob")
    workflow.refresh_from_db()
    assert workflow.published_version.graph["nodes"][1]["config"] == OFFER_V1

    published = services.workflow_publish(workflow.pk, user=None)
    assert published.published_version.graph["nodes"][1]["version"] == 2
    feedback("cy")
    offer = Offer.objects.get(customer__external_id="cy")
    assert abs(offer.expires_at - (offer.created_at + dt.timedelta(days=3))) \
        < dt.timedelta(minutes=1)


def test_a_graph_stored_before_versions_existed_compiles_on_version_1():
    legacy = offer_graph(1)
    for item in legacy["nodes"]:
        del item["version"]
    version = SimpleNamespace(pk=1, workflow_id=1, graph=legacy, resolved_graph=legacy,
                              settings={})

    compiled = graph_compile(version)  # type: ignore[arg-type]

    offer = compiled.nodes["of"]
    assert (offer.error, offer.spec.version) == ("", 1)
    assert offer.config.expires_in_days == 3


def test_a_node_on_a_version_that_does_not_exist_cannot_run():
    broken = offer_graph(1)
    broken["nodes"][1]["version"] = 9
    version = SimpleNamespace(pk=1, workflow_id=1, graph=broken, resolved_graph=broken,
                              settings={})

    node_ = graph_compile(version).nodes["of"]  # type: ignore[arg-type]

    assert node_.spec is None
    assert node_.error == "unknown version 9 of block type 'action.offer'"


# --- drafts: the warning, and the upgrade API ----------------------------------------------


def test_saving_pins_every_node_and_an_old_node_gets_an_upgrade_warning(client_as):
    unversioned = offer_graph(1)
    for item in unversioned["nodes"]:
        del item["version"]  # a REST client that does not name versions gets version 1

    response = client_as("composer").post("/api/v1/workflows",
                                          {"name": "Old", "graph": unversioned}, format="json")

    body = response.json()
    assert [n["version"] for n in body["graph"]["nodes"]] == [1, 1, 1]
    errors, warnings = issue_codes(body["validation"])
    assert errors == set()
    assert warnings == {("of", "version", "block_upgrade_available")}
    warning = body["validation"]["warnings"][0]
    assert warning["message"] == (
        'a newer version of "Create offer" is available (this step uses version 1, the '
        "newest is 2). Upgrade it to get the changes: its settings are carried over.")
    assert warning["path"] == "graph.nodes.1.version"


def test_a_v2_config_on_a_v1_node_is_named_by_v1s_fields(make_workflow):
    body = make_workflow(offer_graph(1, {"value": 10, "valid_for": "3d"}))

    errors, _warnings = issue_codes(body["validation"])

    assert errors == {("of", "config.valid_for", "unknown_field")}


def test_an_unknown_version_is_an_error(make_workflow):
    broken = offer_graph(2, {"value": 10})
    broken["nodes"][1]["version"] = 7

    errors, _ = issue_codes(make_workflow(broken)["validation"])

    assert errors == {("of", "version", "unknown_block_version")}


def test_the_upgrade_api_turns_the_drafts_nodes_into_valid_latest_nodes(make_workflow,
                                                                         client_as):
    workflow = make_workflow(offer_graph(1))
    composer = client_as("composer")

    response = composer.post(url(workflow, "/upgrade-blocks"), {"revision": 1}, format="json")

    body = response.json()
    assert response.status_code == 200, body
    assert response["ETag"] == '"2"'
    assert body["revision"] == 2
    assert body["upgraded"] == [{"node": "of", "type": "action.offer", "from_version": 1,
                                 "to_version": 2}]
    offer = body["graph"]["nodes"][1]
    assert (offer["version"], offer["config"]) == (2, {
        "value": 10, "valid_for": "3d", "link_target_url": "https://shop.example.com/back"})
    assert body["validation"] == {"valid": True, "errors": [], "warnings": []}
    assert Workflow.objects.get(pk=workflow["id"]).draft_graph == body["graph"]


def test_upgrading_an_up_to_date_draft_changes_nothing(make_workflow, client_as):
    workflow = make_workflow(offer_graph(2, {"value": 10}))

    response = client_as("composer").post(url(workflow, "/upgrade-blocks"), {"revision": 1},
                                          format="json")

    assert response.status_code == 200
    assert (response.json()["revision"], response.json()["upgraded"]) == (1, [])


def test_upgrade_only_the_named_nodes(make_workflow, client_as):
    two = offer_graph(1)
    two["nodes"].append(node("o2", "action.offer", OFFER_V1, version=1))
    two["edges"].append(edge("a1", "o2"))
    workflow = make_workflow(two)

    body = client_as("composer").post(url(workflow, "/upgrade-blocks"),
                                      {"revision": 1, "nodes": ["o2"]}, format="json").json()

    assert [(n["id"], n["version"]) for n in body["graph"]["nodes"][1::2]] == \
        [("of", 1), ("o2", 2)]
    assert issue_codes(body["validation"])[1] == {("of", "version", "block_upgrade_available")}


@pytest.mark.parametrize(("body", "header", "status", "field"), [
    pytest.param({"revision": 5}, None, 409, "revision", id="stale-revision"),
    pytest.param({}, None, 400, "revision", id="no-revision"),
    pytest.param({}, '"1"', 200, None, id="revision-as-if-match"),
    pytest.param({"revision": 1, "nodes": ["nope"]}, None, 400, "nodes", id="unknown-node"),
])
def test_upgrade_requests(make_workflow, client_as, body, header, status, field):
    workflow = make_workflow(offer_graph(1))
    extra = {"HTTP_IF_MATCH": header} if header else {}

    response = client_as("composer").post(url(workflow, "/upgrade-blocks"), body,
                                          format="json", **extra)

    assert response.status_code == status, response.json()
    if field:
        assert field in str(response.json())


@pytest.mark.parametrize(("role", "status"), [("viewer", 403), ("composer", 200),
                                              ("publisher", 200)])
def test_upgrading_is_for_those_who_edit_drafts(make_workflow, client_as, role, status):
    workflow = make_workflow(offer_graph(1))
    response = client_as(role).post(url(workflow, "/upgrade-blocks"), {"revision": 1},
                                    format="json")
    assert response.status_code == status


def test_an_archived_workflow_is_not_upgraded(client_as):
    workflow = published_on_v1()
    services.workflow_transition(workflow.pk, "archive", user=None)

    response = client_as("composer").post(url(workflow, "/upgrade-blocks"),
                                          {"revision": workflow.draft_revision}, format="json")

    assert response.status_code == 409


def test_templated_nodes_keep_their_templates_block_version():
    templated = node("of", "action.offer", {}, version=1, template={"id": 1, "version": 1})
    upgraded_graph, upgraded = graph_blocks_upgrade(graph(trigger(), templated))
    assert upgraded == [] and upgraded_graph["nodes"][1] == templated


# --- starters, demo data, import and export, templates, the catalog -------------------------


def test_starters_use_the_latest_version_of_every_block():
    for key, document in starter_documents().items():
        for item in document["graph"]["nodes"]:
            assert item.get("version") == block_latest_version(item["type"]), (key, item["id"])


def test_export_and_import_carry_the_versions():
    workflow, _ = services.workflow_create(name="Old offer", graph=offer_graph(1))

    document = workflow_export(workflow)
    assert [n["version"] for n in document["graph"]["nodes"]] == [1, 1, 1]
    imported, validation = workflow_import({**document, "name": "Copy"})

    assert [node_version(n) for n in imported.draft_graph["nodes"]] == [1, 1, 1]
    assert imported.draft_graph["nodes"][1]["config"] == OFFER_V1
    assert {(w["node"], w["code"]) for w in validation.warnings} == \
        {("of", "block_upgrade_available")}


def test_a_template_is_made_for_the_latest_block_version_and_its_nodes_must_match():
    template = block_template_create(name="Flash offer", base_type="action.offer",
                                     preset={"value": 15, "valid_for": "48h"})
    version = template.versions.get()
    assert version.base_version == 2
    version.publish()
    version.save()
    ref = {"id": template.pk, "version": 1}
    right = graph(trigger(), node("of", "action.offer", {}, version=2, template=ref),
                  edges=[edge("t1", "of")])
    wrong = graph(trigger(), node("of", "action.offer", {}, version=1, template=ref),
                  edges=[edge("t1", "of")])

    assert services.workflow_check(right, {}).errors == []
    assert {(e["node"], e["field"], e["code"]) for e in services.workflow_check(wrong, {})
            .errors} >= {("of", "version", "template_version_mismatch")}


def test_the_catalog_gives_new_nodes_the_latest_version_and_keeps_the_old_form(client_as):
    entries = {e["key"]: e for e in client_as("viewer").get("/api/v1/blocks").json()}

    assert (entries["action.offer"]["version"], entries["action.offer"]["latest_version"]) \
        == (2, 2)
    old = entries["action.offer@1"]
    assert (old["type"], old["version"], old["latest_version"]) == ("action.offer", 1, 2)
    assert "expires_in_days" in old["config_schema"]["properties"]
