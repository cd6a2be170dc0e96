"""`make run` as a new user meets it: `python -m apps.config.embedded run` (what the
Makefile's `run` executes) on an empty folder, driven over HTTP by clients that retry,
then killed with SIGKILL, started again, and stopped with Ctrl-C.

The scenario of issue 16: 60 customers and 60 feedback events posted one after another,
each twice, and 400 more events from 8 concurrent clients; no 5xx, every matching event
starts exactly one run within 10 s, the runs complete with their texts rendered."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest
import requests
from django.conf import settings

from apps.config.embedded.children import port_free

pytestmark = pytest.mark.worker

ROOT = Path(settings.BASE_DIR)
APOLOGY = {
    "schema_version": 1,
    "nodes": [
        {"id": "t1", "type": "trigger.event",
         "config": {"event_type": "feedback.submitted",
                    "condition": {"all": [{"field": "event.properties.score", "op": "lte",
                                           "value": 6}]}}},
        {"id": "a1", "type": "action.send_sms",
         "config": {"body": "Sorry {{ customer.first_name }}, we will make it right.",
                    "category": "transactional"}},
    ],
    "edges": [{"source": "t1", "source_port": "out", "target": "a1"}],
}


@dataclass
class Stack:
    process: subprocess.Popen
    log: Path
    base: str
    database_url: str
    var: Path

    def output(self) -> str:
        return self.log.read_text(errors="replace")


def stack_start(var: Path, port: int) -> Stack:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("TEST_", "PYTEST", "DJANGO_", "DATABASE_", "REDIS_", "CELERY_"))}
    # Quiet hours off, so the texts are sent (rendered and recorded) at any hour.
    env.update(KEEPFLOW_VAR_DIR=str(var), PORT=str(port), KEEPFLOW_QUIET_HOURS="")
    log = var.parent / f"make-run-{time.monotonic_ns()}.log"
    with log.open("wb") as out:
        process = subprocess.Popen([sys.executable, "-m", "apps.config.embedded", "run"],
                                   cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
                                   start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        _answering(process, base, log)
    except BaseException:
        os.killpg(process.pid, signal.SIGINT)  # no servers left behind by a failed start
        process.wait(60)
        raise
    url = re.search(r"PostgreSQL (postgres://\S+)", log.read_text()).group(1)
    return Stack(process, log, base, url, var)


def _answering(process: subprocess.Popen, base: str, log: Path) -> None:
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        assert process.poll() is None, log.read_text(errors="replace")
        try:
            if requests.get(f"{base}/healthz", timeout=5).status_code == 200:
                return
        except (requests.ConnectionError, requests.Timeout):
            pass
        time.sleep(0.5)
    raise AssertionError(f"make run did not answer:\n{log.read_text(errors='replace')}")


def group_kill(stack: Stack, sig: signal.Signals) -> None:
    os.killpg(stack.process.pid, sig)
    stack.process.wait(60)


def leftovers(var: Path) -> list[str]:
    """Processes still running on this folder's data, or on its web port."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            argv = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        if str(var) in argv and "pytest" not in argv:
            found.append(argv)
    return found


def api_key(stack: Stack) -> str:
    # As a user beside a running `make run` would: the dev settings find its servers.
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("TEST_", "PYTEST", "DJANGO_", "DATABASE_", "REDIS_", "CELERY_"))}
    env.update(KEEPFLOW_VAR_DIR=str(stack.var))
    result = subprocess.run([sys.executable, "manage.py", "create_api_key", "--name", "e2e",
                             "--scopes", "admin"], cwd=ROOT, env=env, capture_output=True,
                            text=True, timeout=120, check=True)
    return result.stdout.strip()


def runs_by_event(stack: Stack) -> Counter[str]:
    with psycopg.connect(stack.database_url) as conn:
        rows = conn.execute(
            "SELECT e.idempotency_key FROM engine_run r "
            "JOIN customers_event e ON e.id = r.trigger_event_id "
            "WHERE e.idempotency_key ~ '^(seq|par)-'").fetchall()
    return Counter(key for (key,) in rows)


def test_make_run_serves_retrying_and_concurrent_clients_and_survives_a_kill(tmp_path):
    var = tmp_path / "var"
    port = port_free("127.0.0.1")
    stack = stack_start(var, port)
    try:
        session = requests.Session()
        session.headers["Authorization"] = f"Bearer {api_key(stack)}"
        # the demo customers are scored from the start (churn_fit on their purchases)
        demo = session.get(f"{stack.base}/api/v1/customers/demo-00130", timeout=30).json()
        assert 0 < demo["p_alive"] <= 1 and demo["churn_reason"], demo
        # with eight past weeks of score history for the customer page's chart
        history = session.get(f"{stack.base}/api/v1/customers/demo-00130/score-history",
                              timeout=30).json()
        assert len({point["as_of"] for point in history["points"]}) >= 2, history
        created = session.post(f"{stack.base}/api/v1/workflows",
                               json={"name": "Apology", "graph": APOLOGY}, timeout=30)
        assert created.status_code == 201, created.text
        published = session.post(f"{stack.base}/api/v1/workflows/{created.json()['id']}/publish",
                                 json={}, timeout=30)
        assert published.status_code == 200, published.text

        statuses: Counter[int] = Counter()

        def post(client: requests.Session, number: int, prefix: str) -> None:
            body = {"customer_id": f"{prefix}-{number}", "type": "feedback.submitted",
                    "properties": {"score": 3 if number % 2 == 0 else 9},
                    "idempotency_key": f"{prefix}-fb-{number}"}
            for _ in range(2):  # a client that retries
                statuses[client.post(f"{stack.base}/api/v1/events", json=body,
                                     timeout=30).status_code] += 1

        # 60 customers, then their events one after another, each posted twice
        for number in range(60):
            answer = session.put(f"{stack.base}/api/v1/customers/seq-{number}",
                                 json={"first_name": f"Lea{number}",
                                       "phone": f"+4915112345{number:03d}"}, timeout=30)
            assert answer.status_code in (200, 201), answer.text
        for number in range(60):
            post(session, number, "seq")
        # 400 events from 8 concurrent clients, each event posted twice
        clients = [requests.Session() for _ in range(8)]
        for client in clients:
            client.headers.update(session.headers)
        with ThreadPoolExecutor(8) as pool:
            list(pool.map(lambda n: post(clients[n % 8], n, "par"), range(400)))
        posted_at = time.monotonic()

        assert set(statuses) <= {200, 201, 202}, statuses
        expected = {f"{prefix}-fb-{n}" for prefix, count in (("seq", 60), ("par", 400))
                    for n in range(0, count, 2)}
        while time.monotonic() - posted_at < 10 and set(runs_by_event(stack)) != expected:
            time.sleep(0.25)
        runs = runs_by_event(stack)
        assert set(runs) == expected, f"missing {sorted(expected - set(runs))[:5]}"
        assert set(runs.values()) == {1}  # exactly one run per matching event

        # the runs complete and their texts are rendered with the customer's name
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with psycopg.connect(stack.database_url) as conn:
                states = dict(conn.execute(
                    "SELECT r.state, count(*) FROM engine_run r JOIN customers_event e "
                    "ON e.id = r.trigger_event_id WHERE e.idempotency_key ~ '^(seq|par)-' "
                    "GROUP BY r.state").fetchall())
            if states == {"completed": len(expected)}:
                break
            time.sleep(0.5)
        assert states == {"completed": len(expected)}
        with psycopg.connect(stack.database_url) as conn:
            bodies = [body for (body,) in conn.execute(
                "SELECT m.body FROM messaging_message m JOIN customers_customer c "
                "ON c.id = m.customer_id WHERE c.external_id LIKE 'seq-%'")]
        assert len(bodies) == 30
        assert all(re.fullmatch(r"Sorry Lea\d+, we will make it right\.", b) for b in bodies)

        # kill -9 of the whole process group: nothing stays behind, and the data survives
        group_kill(stack, signal.SIGKILL)
        deadline = time.monotonic() + 30
        while leftovers(var) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert leftovers(var) == []
        stack = stack_start(var, port)
        assert runs_by_event(stack) == runs
        assert "Demo data already there" in stack.output()

        # `kill <pid>` of make run alone (a process supervisor's stop): it stops the
        # processes itself, then the servers (honcho's own signals missed them)
        stack.process.terminate()
        stack.process.wait(60)
        assert "PostgreSQL and Redis stopped." in stack.output()
        assert leftovers(var) == []
        stack = stack_start(var, port)
    finally:
        if stack.process.poll() is None:
            # Ctrl-C: every process ends, the database and Redis included
            group_kill(stack, signal.SIGINT)
    assert "PostgreSQL and Redis stopped." in stack.output()
    assert leftovers(var) == []
    assert not (var / "embedded.env").exists()
