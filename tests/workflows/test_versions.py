"""Version history, readable diffs and rollback through the API; versions are immutable."""

import pytest

from apps.workflows.models import ImmutableVersionError, Workflow, WorkflowVersion
from tests.workflows.graphs import apology, draft_save, edge, graph, sms, trigger, wait

pytestmark = pytest.mark.django_db


def url(workflow: dict, tail: str = "") -> str:
    return f"/api/v1/workflows/{workflow['id']}{tail}"


@pytest.fixture
def two_versions(published, publisher) -> dict:
    """Version 1: trigger -> SMS. Version 2: trigger -> wait -> SMS, new SMS text."""
    new = graph(trigger(), wait(), sms(body="Sorry again"),
                edges=[edge("t1", "w1"), edge("w1", "a1")])
    draft_save(publisher, published["id"], published["revision"], graph=new,
               settings={"re_entry": {"policy": "always"}})
    response = publisher.post(url(published, "/publish"), {"note": "Wait a day"}, format="json")
    assert response.json()["version"] == 2
    return response.json()


def test_versions_list_newest_first(two_versions, client_as):
    response = client_as("viewer").get(url(two_versions, "/versions"))

    assert response.status_code == 200
    assert [(v["number"], v["note"], v["is_published"]) for v in response.json()["results"]] == \
        [(2, "Wait a day", True), (1, "", False)]


def test_a_version_has_its_graph_and_settings(two_versions, publisher):
    response = publisher.get(url(two_versions, "/versions/1"))

    body = response.json()
    assert body["number"] == 1
    assert body["graph"] == apology()
    assert body["resolved_graph"] == apology()
    assert body["settings"]["re_entry"]["policy"] == "once"


def test_diff_against_the_previous_version_by_default(two_versions, publisher):
    response = publisher.get(url(two_versions, "/versions/2/diff"))

    body = response.json()
    assert (body["base"], body["target"]) == ("1", "2")
    assert body["nodes_added"] == [{"id": "w1", "type": "flow.wait", "title": "Wait"}]
    assert [(n["title"], n["config_keys_changed"]) for n in body["nodes_changed"]] == \
        [("Event", ["condition"]), ("Send SMS", ["body"])]
    sms_change = body["nodes_changed"][1]["fields"]
    assert [(f["label"], f["new"]) for f in sms_change] == [("Text", "Sorry again")]
    assert [(e["source_title"], e["target_title"]) for e in body["edges_removed"]] == \
        [("Event", "Send SMS")]
    assert [(e["source_title"], e["target_title"]) for e in body["edges_added"]] == \
        [("Event", "Wait"), ("Wait", "Send SMS")]
    assert body["settings_changed"] == [{"key": "re_entry.policy", "label": "A customer may enter",
                                         "old": "once", "new": "always"}]
    assert body["summary"][0] == "Added “Wait”"
    assert "In “Send SMS”, “Text” changed from “Sorry" in body["summary"][2]


@pytest.mark.parametrize(("path", "base", "target", "added"), [
    pytest.param("/versions/1/diff", "empty", "1", ["t1", "a1"], id="first-vs-empty"),
    pytest.param("/versions/1/diff?against=2", "2", "1", [], id="backwards"),
    pytest.param("/versions/2/diff?against=draft", "draft", "2", [], id="against-draft"),
])
def test_diff_bases(two_versions, publisher, path, base, target, added):
    body = publisher.get(url(two_versions, path)).json()

    assert (body["base"], body["target"]) == (base, target)
    assert [n["id"] for n in body["nodes_added"]] == added


@pytest.mark.parametrize(("path", "status"), [
    pytest.param("/versions/9", 404, id="missing-version"),
    pytest.param("/versions/9/diff", 404, id="diff-missing-version"),
    pytest.param("/versions/2/diff?against=7", 404, id="diff-against-missing"),
    pytest.param("/versions/2/diff?against=latest", 400, id="diff-against-nonsense"),
])
def test_missing_versions(two_versions, publisher, path, status):
    response = publisher.get(url(two_versions, path))

    assert response.status_code == status


def test_rollback_publishes_an_old_version_as_a_new_one(two_versions, publisher):
    response = publisher.post(url(two_versions, "/versions/1/rollback"), {}, format="json")

    body = response.json()
    assert response.status_code == 200
    assert (body["state"], body["version"], body["has_unpublished_changes"]) == \
        ("published", 3, False)
    assert body["graph"] == apology()
    v3 = WorkflowVersion.objects.get(workflow_id=two_versions["id"], number=3)
    assert (v3.graph, v3.note) == (apology(), "Rollback to version 1")
    assert v3.settings["re_entry"]["policy"] == "once"
    assert Workflow.objects.get(pk=two_versions["id"]).published_version_id == v3.pk


def test_rollback_needs_a_published_or_paused_workflow(two_versions, publisher):
    publisher.post(url(two_versions, "/archive"))

    response = publisher.post(url(two_versions, "/versions/1/rollback"), {}, format="json")

    assert response.status_code == 409
    assert response.json()["detail"] == "Cannot roll back this workflow in state 'archived'."


def test_rollback_to_a_missing_version_is_404(published, publisher):
    assert publisher.post(url(published, "/versions/5/rollback"), {}, format="json") \
        .status_code == 404


def test_versions_are_immutable(published):
    version = WorkflowVersion.objects.get(workflow_id=published["id"])
    version.note = "rewritten history"

    with pytest.raises(ImmutableVersionError):
        version.save()
    assert WorkflowVersion.objects.get(pk=version.pk).note == ""
