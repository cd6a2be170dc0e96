"""Issue 24, finding 3: DELETE /api/v1/customers/{id} erases the customer's personal data
from every table that holds it (messages, tasks, offers, runs' variables, steps, HTTP
results, events) and cancels the customer's active runs. The workflow runs through the
real services and interpreter; its http_request answers from a listener on 127.0.0.1
(allowlisted) with the customer's data, as a CRM would."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from django.core import serializers

from apps.customers.erasure import REGISTRY
from apps.customers.models import Customer
from apps.engine.events import events_handle
from apps.engine.models import Run, RunState
from apps.workflows.services import workflow_create, workflow_publish
from tests.engine.conftest import ingest
from tests.engine.runs_helpers import advance_all
from tests.workflows.graphs import edge, graph, node, trigger, wait

pytestmark = pytest.mark.django_db

# What the customer told us, and what must be gone after erasure.
PERSONAL = ("Ada", "Lovelace", "ada@example.com", "+4915112345678", "broken on arrival")


@pytest.fixture
def crm(settings) -> Iterator[str]:
    """Echoes the JSON it gets, as a CRM answering with the contact it stored."""

    class Echo(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Echo)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    host = f"127.0.0.1:{server.server_address[1]}"
    settings.KEEPFLOW_HTTP_ALLOWED_HOSTS = [host]
    yield host
    server.shutdown()


def everything_personal(crm_host: str) -> dict[str, Any]:
    """Every block that stores what it renders, then a wait: the run stays `waiting`."""
    complaint = "{{ event.properties.comment }}"
    return graph(
        trigger(),
        node("em", "action.send_email", {
            "subject": "Sorry {{ customer.first_name }} {{ customer.last_name }}",
            "body": f"<p>About: {complaint}</p>", "category": "transactional"}),
        node("sm", "action.send_sms", {"body": f"Hi {{{{ customer.first_name }}}}: {complaint}",
                                       "category": "transactional"}),
        node("tk", "action.create_task", {
            "kind": "call_back", "queue": "retention", "due_in": "1d",
            "title": "Call {{ customer.name }} on {{ customer.phone }}", "notes": complaint,
            "business_hours": False}),
        node("of", "action.offer", {"code_pattern": "SORRY-{RANDOM6}", "kind": "percent",
                                    "value": 10, "valid_for": "14d",
                                    "link_target_url": "https://shop.example.com/back"}),
        node("hr", "action.http_request", {
            "method": "POST", "url": f"http://{crm_host}/contacts",
            "body": '{"email": {{ customer.email | json }}, "note": {{ event.properties.comment'
                    ' | json }}, "name": {{ customer.name | json }}}'}),
        wait("w1", "7d"),
        node("tg", "action.update_customer", {"add_tags": ["followed_up"]}),
        edges=[edge("t1", "em"), edge("em", "sm"), edge("sm", "tk"), edge("tk", "of"),
               edge("of", "hr"), edge("hr", "w1"), edge("w1", "tg")],
    )


def rows_text() -> str:
    """Every row of every registered table, as JSON."""
    from django.apps import apps

    return "".join(serializers.serialize("json", apps.get_model(entry.model).objects.all())
                   for entry in REGISTRY)


def test_erasure_reaches_every_table_and_cancels_the_waiting_run(client_as, crm):
    consent = {c: {"status": "granted", "source": "test", "at": "2026-01-01T00:00:00Z"}
               for c in ("email", "sms", "call")}
    customer = Customer.objects.create(external_id="ada", first_name="Ada", last_name="Lovelace",
                                       email="ada@example.com", phone="+4915112345678",
                                       consent=consent)
    workflow, _ = workflow_create(name="apology", graph=everything_personal(crm))
    workflow_publish(workflow.pk, user=None)
    events_handle(ingest("ada", "feedback.submitted", {"comment": "broken on arrival"}))
    advance_all()
    run = Run.objects.get()
    assert run.state == RunState.WAITING, run.error
    text = rows_text()
    assert all(value in text for value in PERSONAL)  # the test sees what it must remove
    admin = client_as("admin")

    assert admin.delete("/api/v1/customers/ada").status_code == 204

    erased_id = Customer.objects.get(pk=customer.pk).external_id
    assert erased_id.startswith("erased:")
    served = {path: admin.get(path) for path in (
        f"/api/v1/messages?customer={erased_id}", f"/api/v1/tasks?customer={erased_id}")}
    for path, response in served.items():
        assert response.status_code == 200 and response.json()["count"] > 0, path
        for item in response.json()["results"]:
            detail = admin.get(path.split("?")[0] + f"/{item['id']}").content.decode()
            leaked = [v for v in PERSONAL if v in response.content.decode() + detail]
            assert leaked == [], (path, leaked)
    leaked = [value for value in PERSONAL if value in rows_text()]
    assert leaked == []
    run.refresh_from_db()
    assert (run.state, run.exit_reason) == (RunState.CANCELLED, "customer_erased")
    assert not run.waits.exists()
    advance_all()  # nothing left to run: the wait is gone with the cancelled run
    run.refresh_from_db()
    assert run.state == RunState.CANCELLED


def test_erasure_twice_is_harmless(client_as):
    Customer.objects.create(external_id="bob", email="bob@example.com")
    admin = client_as("admin")
    assert admin.delete("/api/v1/customers/bob").status_code == 204
    assert admin.delete("/api/v1/customers/bob").status_code == 404


@pytest.mark.parametrize("role", ["viewer", "composer", "publisher"])
def test_only_admins_erase(client_as, role):
    Customer.objects.create(external_id="bob", email="bob@example.com")
    assert client_as(role).delete("/api/v1/customers/bob").status_code == 403
    assert Customer.objects.get().email == "bob@example.com"
