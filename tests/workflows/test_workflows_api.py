"""Workflows through the API on PostgreSQL: drafts, lifecycle, roles, optimistic
concurrency, validation on save and publish, and bad input."""

import pytest

from apps.workflows import services
from apps.workflows.models import Workflow, WorkflowVersion
from tests.workflows.concurrency import race
from tests.workflows.graphs import apology, draft_save, edge, graph, node, sms, trigger

pytestmark = pytest.mark.django_db

DEFAULT_SETTINGS = {
    "re_entry": {"policy": "once", "period_days": None},
    "max_active_runs_per_customer": 1,
    "control_percent": 0,
    "goal": None,
    "costs": {"currency": "EUR", "email": "0", "sms": "0", "call_task": "0",
              "agent_minute": "0", "task_minutes": "0", "free_shipping": "0",
              "retained_customer_value": "0", "use_clv": True},
    "throttle": {"runs_per_minute": None, "max_concurrent_runs": None},
}


def url(workflow: dict, tail: str = "") -> str:
    return f"/api/v1/workflows/{workflow['id']}{tail}"


# --- drafts -------------------------------------------------------------------------------


def test_create_makes_a_draft_with_normalised_settings_and_validation(publisher):
    response = publisher.post("/api/v1/workflows", {"name": "Apology", "graph": apology()},
                              format="json")

    body = response.json()
    assert response.status_code == 201
    assert (body["state"], body["version"], body["revision"]) == ("draft", None, 1)
    assert body["has_unpublished_changes"] is True
    assert body["settings"] == DEFAULT_SETTINGS
    assert body["validation"] == {"valid": True, "errors": [], "warnings": []}
    assert body["graph"]["edges"] == [{"source": "t1", "source_port": "out", "target": "a1"}]
    assert len(body["webhook_secret"]) >= 40
    assert response["ETag"] == '"1"'


def test_a_draft_with_rule_violations_is_saved_and_they_come_back_as_info(make_workflow):
    broken = graph(trigger(), node("a1", "action.fax"), edges=[edge("t1", "a1")])

    body = make_workflow(broken)

    assert body["validation"]["valid"] is False
    assert body["validation"]["errors"] == [
        {"node": "a1", "field": "type", "code": "unknown_block_type",
         "message": "no block type 'action.fax'", "path": "graph.nodes.1.type"},
    ]
    assert Workflow.objects.get(pk=body["id"]).draft_graph["nodes"][1]["type"] == "action.fax"


def test_create_without_a_graph_starts_empty(publisher):
    response = publisher.post("/api/v1/workflows", {"name": "Blank"}, format="json")

    assert response.status_code == 201
    assert response.json()["graph"] == {"schema_version": 1, "nodes": [], "edges": []}
    assert [e["code"] for e in response.json()["validation"]["errors"]] == ["no_trigger"]


def test_list_shows_state_version_and_last_change(make_workflow, published, publisher):
    make_workflow(name="Second")

    response = publisher.get("/api/v1/workflows?state=published")

    (item,) = response.json()["results"]
    assert item["id"] == published["id"]
    assert (item["state"], item["version"], item["has_unpublished_changes"]) == \
        ("published", 1, False)
    assert item["updated_by"].startswith("publisher")
    assert "graph" not in item
    assert publisher.get("/api/v1/workflows").json()["count"] == 2


def test_validate_returns_errors_and_warnings(make_workflow, composer):
    workflow = make_workflow(graph(trigger(), sms(body="Hi {{ custmer.name }}"), sms("a2"),
                                   edges=[edge("t1", "a1")]))

    response = composer.post(url(workflow, "/validate"))

    assert response.status_code == 200
    body = response.json()
    assert body["valid"] is False
    assert [(e["node"], e["field"], e["code"]) for e in body["errors"]] == [
        ("a1", "config.body", "unknown_variable"), ("a2", "", "unreachable")]


def test_an_unknown_template_variable_fails_validation_and_publish_naming_block_and_field(
    make_workflow, composer, publisher
):
    """Issue 17: {{ customer.external_id }} rendered empty and validation said valid."""
    apology_sms = {**sms(body="Hello {{ customer.extrnal_id }}, thanks"), "label": "Apology"}
    workflow = make_workflow(graph(trigger(), apology_sms, edges=[edge("t1", "a1")]))

    validated = composer.post(url(workflow, "/validate")).json()
    published = publisher.post(url(workflow, "/publish"))

    assert validated["valid"] is False
    assert validated["errors"] == [{
        "node": "a1", "field": "config.body", "code": "unknown_variable",
        "path": "graph.nodes.1.config.body",
        "message": 'block "Apology", field "Text": unknown variable customer.extrnal_id; '
                   "did you mean customer.external_id? (line 1, column 10)"}]
    assert published.status_code == 400
    assert "customer.external_id" in str(published.json())


def test_customer_external_id_is_the_name_and_customer_id_an_old_one_that_still_validates(
    make_workflow, composer
):
    workflow = make_workflow(graph(trigger(), sms(body="{{ customer.external_id }}"),
                                   sms("a2", body="{{ customer.id }}"),
                                   edges=[edge("t1", "a1"), edge("t1", "a2")]))

    body = composer.post(url(workflow, "/validate")).json()

    assert body["valid"] is True
    assert [(w["node"], w["code"]) for w in body["warnings"]] == [("a2", "renamed_variable")]
    assert body["warnings"][0]["message"].startswith(
        'block "Send SMS", field "Text": customer.id is the old name of customer.external_id')


# --- optimistic concurrency ---------------------------------------------------------------


def test_a_stale_save_gets_409_and_the_current_revision(make_workflow, composer, publisher):
    workflow = make_workflow()
    first = draft_save(composer, workflow["id"], 1, name="Mine")

    second = draft_save(publisher, workflow["id"], 1, name="Theirs")

    assert first.status_code == 200 and first.json()["revision"] == 2
    assert second.status_code == 409
    assert second.json()["current_revision"] == 2
    assert second.json()["errors"] == [{"field": "revision", "code": "stale",
                                        "message": "current revision is 2"}]
    assert "changed by someone else" in second.json()["detail"]
    assert Workflow.objects.get(pk=workflow["id"]).name == "Mine"


@pytest.mark.parametrize(("header", "status"), [
    pytest.param('"1"', 200, id="quoted"),
    pytest.param("1", 200, id="bare"),
    pytest.param('W/"1"', 200, id="weak"),
    pytest.param('"0"', 409, id="stale"),
])
def test_the_revision_may_come_as_if_match(make_workflow, composer, header, status):
    workflow = make_workflow()

    response = composer.put(url(workflow), {"name": "Renamed"}, format="json",
                            HTTP_IF_MATCH=header)

    assert response.status_code == status


@pytest.mark.parametrize(("headers", "field"), [
    pytest.param({}, "revision", id="missing"),
    pytest.param({"HTTP_IF_MATCH": "*"}, "If-Match", id="not-a-number"),
])
def test_a_save_without_a_usable_revision_is_a_400(make_workflow, composer, headers, field):
    workflow = make_workflow()

    response = composer.put(url(workflow), {"name": "Renamed"}, format="json", **headers)

    assert response.status_code == 400
    assert [e["field"] for e in response.json()["errors"]] == [field]


def test_saving_keeps_omitted_fields_and_bumps_the_revision(make_workflow, composer):
    workflow = make_workflow(description="Keep me")

    response = draft_save(composer, workflow["id"], 1, name="New name")

    body = response.json()
    assert (body["name"], body["description"], body["revision"]) == ("New name", "Keep me", 2)
    assert body["graph"] == workflow["graph"]
    assert response["ETag"] == '"2"'


# --- lifecycle ----------------------------------------------------------------------------


def test_publish_freezes_a_version_and_edits_go_to_the_draft(published, publisher):
    changed = apology()
    changed["nodes"][1]["config"]["body"] = "New text"

    saved = draft_save(publisher, published["id"], published["revision"], graph=changed)

    assert saved.status_code == 200
    assert saved.json()["state"] == "published"
    assert saved.json()["has_unpublished_changes"] is True
    version = WorkflowVersion.objects.get(workflow_id=published["id"])
    assert version.number == 1
    assert version.graph["nodes"][1]["config"]["body"] != "New text"
    assert Workflow.objects.get(pk=published["id"]).published_version_id == version.pk


def test_publishing_again_makes_version_2_and_unchanged_makes_none(published, publisher):
    changed = apology()
    changed["nodes"][1]["config"]["body"] = "New text"
    draft_save(publisher, published["id"], published["revision"], graph=changed)

    again = publisher.post(url(published, "/publish"), {"note": "Shorter"}, format="json")
    unchanged = publisher.post(url(published, "/publish"), {}, format="json")

    assert (again.json()["version"], again.json()["has_unpublished_changes"]) == (2, False)
    assert unchanged.status_code == 200 and unchanged.json()["version"] == 2
    assert list(WorkflowVersion.objects.filter(workflow_id=published["id"])
                .values_list("number", "note")) == [(2, "Shorter"), (1, "")]


def test_publish_with_a_stale_revision_is_409(published, publisher):
    draft_save(publisher, published["id"], published["revision"], name="Renamed")

    response = publisher.post(url(published, "/publish"), {"revision": published["revision"]},
                              format="json")

    assert response.status_code == 409
    assert response.json()["current_revision"] == published["revision"] + 1


def test_publish_refuses_an_invalid_graph_naming_node_and_field(make_workflow, publisher):
    workflow = make_workflow(graph(trigger(), sms(body="Hi {{ customer.first_name"),
                                   sms("a2"), edges=[edge("t1", "a1")]))

    response = publisher.post(url(workflow, "/publish"), {}, format="json")

    assert response.status_code == 400
    body = response.json()
    assert body["detail"] == "The workflow has 2 errors; fix them before publishing."
    assert [(e["field"], e["code"], e["node"]) for e in body["errors"]] == [
        ("graph.nodes.1.config.body", "template_syntax", "a1"),
        ("graph.nodes.2", "unreachable", "a2"),
    ]
    assert Workflow.objects.get(pk=workflow["id"]).state == "draft"
    assert not WorkflowVersion.objects.filter(workflow_id=workflow["id"]).exists()


@pytest.mark.parametrize(("steps", "final"), [
    pytest.param(["publish"], "published", id="publish"),
    pytest.param(["publish", "pause"], "paused", id="pause"),
    pytest.param(["publish", "pause", "resume"], "published", id="resume"),
    pytest.param(["archive"], "archived", id="archive-draft"),
    pytest.param(["publish", "pause", "archive"], "archived", id="archive-paused"),
])
def test_lifecycle(make_workflow, publisher, steps, final):
    workflow = make_workflow()

    for step in steps:
        response = publisher.post(url(workflow, f"/{step}"), {}, format="json")
        assert response.status_code == 200, response.json()

    assert response.json()["state"] == final
    assert Workflow.objects.get(pk=workflow["id"]).state == final


@pytest.mark.parametrize(("steps", "refused", "state"), [
    pytest.param([], "pause", "draft", id="pause-a-draft"),
    pytest.param([], "resume", "draft", id="resume-a-draft"),
    pytest.param(["publish"], "resume", "published", id="resume-published"),
    pytest.param(["archive"], "publish", "archived", id="publish-archived"),
    pytest.param(["archive"], "archive", "archived", id="archive-twice"),
    pytest.param(["publish", "pause"], "pause", "paused", id="pause-twice"),
])
def test_forbidden_transitions_are_409_with_a_clear_message(make_workflow, publisher, steps,
                                                            refused, state):
    workflow = make_workflow()
    for step in steps:
        assert publisher.post(url(workflow, f"/{step}"), {}, format="json").status_code == 200

    response = publisher.post(url(workflow, f"/{refused}"), {}, format="json")

    assert response.status_code == 409
    assert response.json()["detail"] == f"Cannot {refused} this workflow in state {state!r}."
    assert response.json()["state"] == state


def test_publishing_a_paused_workflow_freezes_the_version_but_stays_paused(published, publisher):
    publisher.post(url(published, "/pause"))
    draft_save(publisher, published["id"], published["revision"],
               settings={"max_active_runs_per_customer": 2})

    response = publisher.post(url(published, "/publish"), {}, format="json")

    assert (response.json()["state"], response.json()["version"]) == ("paused", 2)


def test_archived_workflows_are_read_only(published, publisher):
    publisher.post(url(published, "/archive"))

    response = draft_save(publisher, published["id"], published["revision"], name="x")

    assert response.status_code == 409
    assert response.json()["detail"] == "An archived workflow cannot be changed."
    assert publisher.get(url(published)).status_code == 200


def test_discard_returns_the_draft_to_the_published_version(published, publisher):
    draft_save(publisher, published["id"], published["revision"], graph=graph(trigger()))

    response = publisher.post(url(published, "/discard"))

    body = response.json()
    assert response.status_code == 200
    assert body["graph"] == published["graph"]
    assert (body["has_unpublished_changes"], body["revision"]) == \
        (False, published["revision"] + 2)


def test_discard_without_a_published_version_is_409(make_workflow, composer):
    response = composer.post(url(make_workflow(), "/discard"))

    assert response.status_code == 409
    assert "never been published" in response.json()["detail"]


def test_only_never_published_drafts_can_be_deleted(make_workflow, published, composer):
    draft = make_workflow()

    assert composer.delete(url(draft)).status_code == 204
    refused = composer.delete(url(published))
    assert refused.status_code == 409
    assert refused.json()["detail"] == "This workflow has published versions; archive it instead."
    assert list(Workflow.objects.values_list("pk", flat=True)) == [published["id"]]


# --- roles and scopes ---------------------------------------------------------------------


@pytest.mark.parametrize(("role", "create", "save", "validate", "publish"), [
    pytest.param("viewer", 403, 403, 403, 403, id="viewer"),
    pytest.param("composer", 201, 200, 200, 403, id="composer"),
    pytest.param("publisher", 201, 200, 200, 200, id="publisher"),
])
def test_roles(make_workflow, client_as, role, create, save, validate, publish):
    workflow = make_workflow()
    client = client_as(role)

    assert client.get(url(workflow)).status_code == 200
    assert client.post("/api/v1/workflows", {"name": "x"}, format="json").status_code == create
    assert draft_save(client, workflow["id"], 1, name="y").status_code == save
    assert client.post(url(workflow, "/validate")).status_code == validate
    assert client.post(url(workflow, "/publish"), {}, format="json").status_code == publish


@pytest.mark.parametrize("verb", ["publish", "pause", "resume", "archive", "versions/1/rollback"])
def test_a_composer_cannot_move_a_workflow(published, composer, verb):
    response = composer.post(url(published, f"/{verb}"), {}, format="json")

    assert response.status_code == 403
    assert Workflow.objects.get(pk=published["id"]).state == "published"


def test_a_viewer_does_not_see_the_webhook_secret(published, client_as):
    assert client_as("viewer").get(url(published)).json()["webhook_secret"] is None
    assert client_as("composer").get(url(published)).json()["webhook_secret"] == \
        Workflow.objects.get(pk=published["id"]).webhook_secret


@pytest.mark.parametrize(("scopes", "create", "publish"), [
    pytest.param(["read"], 403, 403, id="read"),
    pytest.param(["workflows:write"], 201, 200, id="workflows-write"),
])
def test_api_key_scopes(key_client, scopes, create, publish):
    client = key_client(*scopes)

    created = client.post("/api/v1/workflows", {"name": "x", "graph": apology()}, format="json")
    workflow = Workflow.objects.create(name="y", draft_graph=apology())
    published = client.post(f"/api/v1/workflows/{workflow.pk}/publish", {}, format="json")

    assert (created.status_code, published.status_code) == (create, publish)


# --- bad input ----------------------------------------------------------------------------

TOO_MANY = {"schema_version": 1, "nodes": [{"id": f"n{i}", "type": "action.send_sms"}
                                           for i in range(501)], "edges": []}


@pytest.mark.parametrize(("body", "field", "code"), [
    pytest.param({}, "name", "required", id="no-name"),
    pytest.param({"name": ""}, "name", "blank", id="blank-name"),
    pytest.param({"name": "x", "graph": []}, "graph", "type_error", id="graph-not-object"),
    pytest.param({"name": "x", "graph": {"nodes": []}}, "graph.schema_version", "missing",
                 id="no-schema-version"),
    pytest.param({"name": "x", "graph": {"schema_version": 1, "nodes": [{"type": "a.b"}]}},
                 "graph.nodes.0.id", "missing", id="node-without-id"),
    pytest.param({"name": "x", "graph": {"schema_version": 1, "nodes": [
        {"id": "has space", "type": "a.b"}]}}, "graph.nodes.0.id", "string_pattern_mismatch",
        id="bad-node-id"),
    pytest.param({"name": "x", "graph": {"schema_version": 1, "nodes": [
        trigger(), {"id": "a1", "type": "action.send_sms", "config": "text"}]}},
        "graph.nodes.1.config", "dict_type", id="config-not-object"),
    pytest.param({"name": "x", "graph": {"schema_version": 1, "nodes": [], "edges": [
        {"source": "a"}]}}, "graph.edges.0.target", "missing", id="edge-without-target"),
    pytest.param({"name": "x", "graph": {"schema_version": 1, "nodes": [
        {"id": "a", "type": "x", "color": "red"}]}}, "graph.nodes.0.color", "extra_forbidden",
        id="unknown-node-key"),
    pytest.param({"name": "x", "graph": TOO_MANY}, "graph.nodes", "too_many_nodes",
                 id="too-many-nodes"),
    pytest.param({"name": "x", "graph": {"schema_version": 1, "nodes": [
        node("a1", "action.send_email", {"body": "x" * 20_000})]}}, "graph.nodes.0.config",
        "too_large", id="config-too-large"),
    pytest.param({"name": "x", "settings": []}, "settings", "type_error", id="settings-not-object"),
    pytest.param({"name": "x", "settings": {"re_entry": {"policy": "twice"}}},
                 "settings.re_entry.policy", "literal_error", id="re-entry-policy"),
    pytest.param({"name": "x", "settings": {"re_entry": {"policy": "once_per_period"}}},
                 "settings.re_entry", "value_error", id="period-days-needed"),
    pytest.param({"name": "x", "settings": {"max_active_runs_per_customer": 0}},
                 "settings.max_active_runs_per_customer", "greater_than_equal",
                 id="active-runs"),
    pytest.param({"name": "x", "settings": {"costs": {"sms": "-0.10"}}},
                 "settings.costs.sms", "greater_than_equal", id="negative-cost"),
    pytest.param({"name": "x", "settings": {"costs": {"currency": "euro"}}},
                 "settings.costs.currency", "string_pattern_mismatch", id="currency"),
    pytest.param({"name": "x", "settings": {"goal": {"window_days": 3}}},
                 "settings.goal.event_type", "missing", id="goal-without-event"),
    pytest.param({"name": "x", "settings": {"goal": {"event_type": "purchase", "condition": {
        "all": [{"field": "event.properties.total", "op": "near", "value": 1}]}}}},
        "settings.goal.condition.all.0.op", "enum", id="goal-condition"),
    pytest.param({"name": "x", "settings": {"control_percent": 51}},
                 "settings.control_percent", "less_than_equal", id="control-over-half"),
    pytest.param({"name": "x", "settings": {"control_percent": -1}},
                 "settings.control_percent", "greater_than_equal", id="control-negative"),
    pytest.param({"name": "x", "settings": {"control_percent": "10"}},
                 "settings.control_percent", "int_type", id="control-not-a-number"),
    pytest.param({"name": "x", "settings": {"goal": {"event_type": "order.completed",
                                                     "value_property": "a.b"}}},
                 "settings.goal.value_property", "string_pattern_mismatch", id="goal-value"),
    pytest.param({"name": "x", "settings": {"goal": {"event_type": "order.completed",
                                                     "within_days": 0}}},
                 "settings.goal.within_days", "greater_than_equal", id="goal-window"),
    pytest.param({"name": "x", "settings": {"throttle": {"runs_per_minute": 0}}},
                 "settings.throttle.runs_per_minute", "greater_than_equal", id="throttle"),
    pytest.param({"name": "x", "settings": {"colour": "red"}}, "settings.colour",
                 "extra_forbidden", id="unknown-setting"),
])
def test_bad_input_is_a_400_naming_the_field(publisher, body, field, code):
    response = publisher.post("/api/v1/workflows", body, format="json")

    assert response.status_code == 400
    assert (field, code) in {(e["field"], e["code"]) for e in response.json()["errors"]}
    assert not Workflow.objects.exists()


def test_bad_settings_on_save_name_the_field_and_change_nothing(make_workflow, composer):
    workflow = make_workflow()

    response = draft_save(composer, workflow["id"], 1,
                          settings={"costs": {"retained_customer_value": "lots"}})

    assert response.status_code == 400
    assert [e["field"] for e in response.json()["errors"]] == \
        ["settings.costs.retained_customer_value"]
    assert Workflow.objects.get(pk=workflow["id"]).draft_revision == 1


@pytest.mark.parametrize("path", ["/api/v1/workflows/abc", "/api/v1/workflows/99999",
                                  "/api/v1/workflows/99999999999999999999999"])
def test_unknown_workflows_are_404(publisher, path):
    assert publisher.get(path).status_code == 404
    assert publisher.post(path + "/publish").status_code == 404


# --- real concurrency ---------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_two_saves_of_the_same_revision_at_once_one_wins():
    workflow = Workflow.objects.create(name="Race", draft_graph=apology())

    results = race(lambda name: services.workflow_save(
        workflow.pk, revision=1, user=None, changes={"name": name})[0].name, "a", "b")

    assert results[1] == "stale_revision" and results[0] in {"a", "b"}
    assert Workflow.objects.get(pk=workflow.pk).draft_revision == 2


@pytest.mark.django_db(transaction=True)
def test_two_publishes_at_once_make_one_version():
    workflow = Workflow.objects.create(name="Race", draft_graph=apology())

    results = race(lambda _: services.workflow_publish(workflow.pk, user=None).state, 1, 2)

    assert results == ["published", "published"]
    assert list(WorkflowVersion.objects.values_list("number", flat=True)) == [1]
