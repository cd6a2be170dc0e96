"""Every flow and action block, executed by a real Celery worker on Redis: an event comes
in through ingest, the worker starts and advances the run, the scheduler's timer scan and
a later event wake it, and every effect exists exactly once."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from celery.contrib.testing.worker import start_worker
from django.utils import timezone

from apps.config.celery import app
from apps.customers.models import Customer
from apps.customers.segments import segment_create
from apps.engine.models import Run, RunState, Step
from apps.engine.timers import timers_wake
from apps.messaging.models import Message
from apps.offers.models import Offer
from apps.tasks.models import Task
from tests.broker import broker_purge
from tests.engine.conftest import ingest
from tests.workflows.graphs import LOW_SCORE, edge, graph, node, trigger

TIMEOUT = 60.0


def wait_for(check: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + TIMEOUT
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


@pytest.fixture
def crm() -> Iterator[tuple[str, list[dict[str, Any]]]]:
    """A CRM on 127.0.0.1 that records the notes it is sent."""
    received: list[dict[str, Any]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers["Content-Length"])
            received.append({"body": json.loads(self.rfile.read(length)),
                             "idempotency_key": self.headers.get("Idempotency-Key")})
            payload = json.dumps({"note_id": 77}).encode()
            self.send_response(201)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"127.0.0.1:{server.server_address[1]}", received
    server.shutdown()


def every_block_graph(segment_id: int, crm_host: str) -> dict[str, Any]:
    vip = {"all": [{"field": "customer.tier", "op": "eq", "value": "gold"}]}
    return graph(
        trigger(condition=LOW_SCORE),
        node("f1", "flow.filter", {"condition": LOW_SCORE}),
        node("br", "flow.branch", {"branches": [{"name": "vip", "condition": vip}]}),
        node("sc", "flow.segment_check", {"segment_id": segment_id}),
        node("sp", "flow.split", {"branches": [{"name": "a", "percent": 100}]}),
        node("of", "action.offer", {"code_pattern": "SAVE-{RANDOM6}", "kind": "percent",
                                    "value": 20, "valid_for": "14d",
                                    "link_target_url": "https://shop.example.com/back"}),
        node("em", "action.send_email", {"subject": "We are sorry",
                                         "body": "<p>Your code: {{ offer.code }}</p>",
                                         "category": "transactional"}),
        node("sm", "action.send_sms", {"body": "Code {{ offer.code }}",
                                       "category": "transactional"}),
        node("tk", "action.create_task", {"kind": "call_back", "queue": "retention",
                                          "title": "Call {{ customer.name }}", "due_in": "1d",
                                          "business_hours": False, "priority": "high"}),
        node("hr", "action.http_request", {
            "method": "POST", "url": f"http://{crm_host}/notes",
            "body": '{"customer": {{ customer.id | json }}, "code": {{ offer.code | json }}}',
            "timeout_seconds": 5}),
        node("uc", "action.update_customer", {"add_tags": ["saved"],
                                              "set_attributes": {"crm_note": "done"}}),
        node("wt", "flow.wait", {"mode": "duration", "duration": "1h"}),
        node("we", "flow.wait_for_event", {"event_type": "purchase", "timeout": "7d"}),
        node("ex", "flow.exit", {"reason": "won_back"}),
        node("no", "action.update_customer", {"add_tags": ["not_vip"]}),
        edges=[edge("t1", "f1"), edge("f1", "br", "yes"), edge("br", "sc", "vip"),
               edge("br", "no", "else"), edge("sc", "sp", "yes"), edge("sp", "of", "a"),
               edge("of", "em"), edge("em", "sm"), edge("sm", "tk"), edge("tk", "hr"),
               edge("hr", "uc"), edge("uc", "wt"), edge("wt", "we"),
               edge("we", "ex", "happened")],
    )


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_every_block_on_a_real_worker(publish, crm, settings) -> None:
    crm_host, received = crm
    settings.KEEPFLOW_HTTP_ALLOWED_HOSTS = [crm_host]
    settings.KEEPFLOW_QUIET_HOURS = ""
    customer = Customer.objects.create(
        external_id="vip1", first_name="Ada", last_name="Byron", email="ada@example.com",
        phone="+4915112345678", tier="gold",
        consent={c: {"status": "granted", "source": "test", "at": "2026-01-01T00:00:00Z"}
                 for c in ("email", "sms", "call")})
    segment = segment_create(name="Gold", condition={
        "all": [{"field": "customer.tier", "op": "eq", "value": "gold"}]})
    workflow = publish(every_block_graph(segment.pk, crm_host))
    broker_purge()

    with start_worker(app, pool="solo", perform_ping_check=False, loglevel="WARNING"):
        ingest("vip1", "feedback.submitted", {"score": 2})
        wait_for(lambda: Run.objects.filter(state=RunState.WAITING).exists(),
                 "the run to reach the wait")
        # The scheduler's scan finds the due timer; the worker takes the run on.
        timers_wake(now=timezone.now() + timedelta(hours=1, seconds=1))
        wait_for(lambda: Step.objects.filter(node_id="we", outcome="wait_event").exists(),
                 "the run to wait for a purchase")
        ingest("vip1", "purchase", {"amount": 49})
        wait_for(lambda: Run.objects.filter(state=RunState.EXITED).exists(),
                 "the purchase to end the run")

    run = Run.objects.get(workflow=workflow)
    assert run.exit_reason == "won_back"
    assert [(s.node_id, s.outcome, s.port) for s in run.steps.order_by("id")] == [
        ("t1", "continue", "out"), ("f1", "continue", "yes"), ("br", "continue", "vip"),
        ("sc", "continue", "yes"), ("sp", "continue", "a"), ("of", "continue", "out"),
        ("em", "continue", "out"), ("sm", "continue", "out"), ("tk", "continue", "out"),
        ("hr", "continue", "out"), ("uc", "continue", "out"), ("wt", "wait", ""),
        ("wt", "resume", "out"), ("we", "wait_event", ""), ("we", "resume", "happened"),
        ("ex", "exit", ""),
    ]
    offer = Offer.objects.get()
    messages = {m.channel: m for m in Message.objects.all()}
    assert set(messages) == {"email", "sms"}
    assert offer.code in messages["email"].body and offer.code in messages["sms"].body
    assert all(m.run_id == run.pk for m in messages.values())
    task = Task.objects.get()
    assert (task.customer_id, task.run_id, task.title) == (customer.pk, run.pk, "Call Ada Byron")
    assert received == [{"body": {"customer": "vip1", "code": offer.code},
                         "idempotency_key": f"run:{run.pk}:hr:1"}]
    customer.refresh_from_db()
    assert "saved" in customer.tags and customer.attributes["crm_note"] == "done"
