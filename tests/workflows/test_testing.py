"""Saved workflow test cases: CRUD, runs with a diff, publish refused while one fails,
and `manage.py test_workflows` for CI."""

import io

import pytest
from django.core.management import CommandError, call_command

from apps.workflows.models import Workflow, WorkflowTestCase
from tests.workflows.graphs import apology

pytestmark = pytest.mark.django_db

LOW = {"event": {"type": "feedback.submitted", "properties": {"score": 3}},
       "customer": {"first_name": "Ada"}}
PASSING = {"name": "Low score gets an SMS", "given": LOW,
           "expect": {"path": ["t1", "a1"], "outcome": "completed",
                      "effects": [{"type": "send_sms", "body__contains": "Sorry Ada"}]}}
FAILING = {"name": "Expects an e-mail", "given": LOW,
           "expect": {"effects": [{"type": "send_email"}]}}


def cases_url(workflow: dict, tail: str = "") -> str:
    return f"/api/v1/workflows/{workflow['id']}/test-cases{tail}"


@pytest.fixture
def workflow(make_workflow) -> dict:
    return make_workflow()


def add(client, workflow: dict, case: dict) -> dict:
    response = client.post(cases_url(workflow), case, format="json")
    assert response.status_code == 201, response.json()
    return response.json()


def test_crud(workflow, composer):
    created = add(composer, workflow, PASSING)

    listed = composer.get(cases_url(workflow)).json()
    updated = composer.put(cases_url(workflow, f"/{created['id']}"),
                           {**PASSING, "name": "Renamed"}, format="json")
    deleted = composer.delete(cases_url(workflow, f"/{created['id']}"))

    assert created["given"] == LOW
    assert created["expect"] == PASSING["expect"]
    assert [c["name"] for c in listed["results"]] == ["Low score gets an SMS"]
    assert updated.json()["name"] == "Renamed"
    assert deleted.status_code == 204
    assert not WorkflowTestCase.objects.exists()


@pytest.mark.parametrize(("case", "field", "code"), [
    pytest.param({**PASSING, "given": {"event": {"properties": {}}}}, "given.event.type",
                 "missing", id="event-without-type"),
    pytest.param({**PASSING, "given": {"customer": {"timezone": "Mars/Base"}}}, "given.customer",
                 "value_error", id="bad-time-zone"),
    pytest.param({**PASSING, "given": {"customer": {"churn_score": 2}}},
                 "given.customer.churn_score", "less_than_equal", id="bad-profile-field"),
    pytest.param({**PASSING, "given": {"customer": ""}}, "given.customer", "string_length",
                 id="blank-external-id"),
    pytest.param({**PASSING, "given": {"customer": 7}}, "given.customer", "type_error",
                 id="customer-not-object-or-id"),
    pytest.param({**PASSING, "given": {"colour": 1}}, "given.colour", "extra_forbidden",
                 id="unknown-given-key"),
    pytest.param({**PASSING, "given": []}, "given", "type_error", id="given-not-object"),
    pytest.param({**PASSING, "expect": {}}, "expect", "value_error", id="nothing-expected"),
    pytest.param({**PASSING, "expect": {"outcome": "happy"}}, "expect.outcome", "literal_error",
                 id="bad-outcome"),
    pytest.param({**PASSING, "expect": {"effects": [{"type": "send_fax"}]}}, "expect",
                 "value_error", id="unknown-effect"),
    pytest.param({**PASSING, "name": ""}, "name", "blank", id="blank-name"),
])
def test_bad_cases_are_400_naming_the_field(workflow, composer, case, field, code):
    response = composer.post(cases_url(workflow), case, format="json")

    assert response.status_code == 400
    assert [(e["field"], e["code"]) for e in response.json()["errors"]] == [(field, code)]


def test_case_names_are_unique_per_workflow(workflow, make_workflow, composer):
    add(composer, workflow, PASSING)
    other = make_workflow(name="Other")

    again = composer.post(cases_url(workflow), PASSING, format="json")
    elsewhere = composer.post(cases_url(other), PASSING, format="json")

    assert again.status_code == 400
    assert again.json()["errors"] == [{"field": "name", "code": "unique", "message":
                                       "this workflow already has a test case with this name"}]
    assert elsewhere.status_code == 201


def test_cases_belong_to_their_workflow(workflow, make_workflow, composer, client_as):
    case = add(composer, workflow, PASSING)
    other = make_workflow(name="Other")

    assert composer.get(cases_url(other, f"/{case['id']}")).status_code == 404
    assert composer.get("/api/v1/workflows/999999/test-cases").status_code == 404
    assert client_as("viewer").post(cases_url(workflow), FAILING, format="json") \
        .status_code == 403


def test_run_reports_pass_and_fail_with_a_diff(workflow, composer):
    passing = add(composer, workflow, PASSING)
    failing = add(composer, workflow, FAILING)

    response = composer.post(f"/api/v1/workflows/{workflow['id']}/test")

    body = response.json()
    assert response.status_code == 200
    assert (body["passed"], body["total"], body["failed"]) == (False, 2, 1)
    first, second = body["results"]
    assert (first["id"], first["passed"], first["diff"]) == (passing["id"], True, [])
    assert first["actual"]["path"] == ["t1", "a1"]
    assert first["actual"]["effects"] == [{
        "type": "send_sms", "node": "a1", "category": "transactional",
        "body": "Sorry Ada, we will make it right.", "variant": "default"}]
    assert (second["id"], second["passed"]) == (failing["id"], False)
    assert second["diff"] == [{
        "what": "effects", "expected": [{"type": "send_email"}],
        "actual": first["actual"]["effects"],
        "message": "effect 0 was send_sms {'body': 'Sorry Ada, we will make it right.', "
                   "'category': 'transactional', 'variant': 'default', 'node': 'a1'}, "
                   "expected "
                   "{'type': 'send_email'}"}]
    stored = WorkflowTestCase.objects.get(pk=failing["id"])
    assert stored.last_result["passed"] is False and stored.last_run_at is not None


def test_publish_is_refused_while_a_case_fails(workflow, composer, publisher):
    add(composer, workflow, PASSING)
    failing = add(composer, workflow, FAILING)

    refused = publisher.post(f"/api/v1/workflows/{workflow['id']}/publish", {}, format="json")
    composer.delete(cases_url(workflow, f"/{failing['id']}"))
    accepted = publisher.post(f"/api/v1/workflows/{workflow['id']}/publish", {}, format="json")

    assert refused.status_code == 400
    assert refused.json()["detail"] == "1 test case fails; publishing is refused until they pass."
    assert [(e["field"], e["code"]) for e in refused.json()["errors"]] == \
        [(f"test_cases.{failing['id']}", "test_case_failed")]
    assert refused.json()["errors"][0]["message"].startswith("Expects an e-mail: effect 0 was")
    assert accepted.status_code == 200 and accepted.json()["version"] == 1


def test_the_command_exits_non_zero_when_a_case_fails(workflow, composer):
    add(composer, workflow, PASSING)
    add(composer, workflow, FAILING)
    out = io.StringIO()

    with pytest.raises(CommandError) as failed:
        call_command("test_workflows", stdout=out)

    assert failed.value.returncode == 1
    assert str(failed.value) == "1 passed, 1 failed, 2 test cases"
    lines = out.getvalue().splitlines()
    assert lines[0] == f"PASS  #{workflow['id']} Apology :: Low score gets an SMS"
    assert lines[1] == f"FAIL  #{workflow['id']} Apology :: Expects an e-mail"
    assert lines[2].startswith("        effects: effect 0 was send_sms")


def test_the_command_passes_and_can_pick_one_workflow(workflow, make_workflow, composer):
    add(composer, workflow, PASSING)
    other = make_workflow(name="Other")
    add(composer, other, FAILING)
    out = io.StringIO()

    call_command("test_workflows", "--workflow", str(workflow["id"]), stdout=out)

    assert out.getvalue().splitlines()[-1] == "1 passed, 0 failed, 1 test cases"


def test_the_command_can_test_the_published_version(published, composer, publisher):
    add(composer, published, PASSING)
    graph = apology()
    graph["nodes"][1]["config"]["body"] = "Changed"
    publisher.put(f"/api/v1/workflows/{published['id']}", {"graph": graph,
                  "revision": published["revision"]}, format="json")
    out = io.StringIO()

    call_command("test_workflows", "--published", stdout=out)
    with pytest.raises(CommandError):
        call_command("test_workflows", stdout=io.StringIO())

    assert out.getvalue().splitlines()[-1] == "1 passed, 0 failed, 1 test cases"


def test_the_command_names_an_unknown_workflow():
    with pytest.raises(CommandError, match="no workflow with id 4242"):
        call_command("test_workflows", "--workflow", "4242")
    assert not Workflow.objects.exists()
