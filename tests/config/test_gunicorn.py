"""The web processes as the Procfile starts them: gunicorn loads apps/config/gunicorn.py,
whose hook takes the loaded application out of the garbage collector's sight, and which
keeps idle connections open longer than a refused client is asked to wait."""

from __future__ import annotations

import http.client
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.engine.workers import free_port, worker_env

ROOT = Path(__file__).resolve().parents[2]


def _web_command() -> str:
    for line in (ROOT / "Procfile").read_text().splitlines():
        name, _, command = line.partition(":")
        if name.strip() == "web":
            return command.strip()
    raise AssertionError("the Procfile has no web line")


def test_the_procfiles_web_line_loads_the_worker_hook() -> None:
    # When gunicorn reads its settings as the Procfile's line gives them
    env = os.environ | {"PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}",
                        "PORT": "8999"}
    done = subprocess.run(["bash", "-c", f"exec {_web_command()} --print-config"],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)

    # Then it read our module, and the hook is ours (gunicorn's default prints as
    # "<PostWorkerInit.post_worker_init()>")
    assert done.returncode == 0, done.stderr
    printed = {name.strip(): value.strip() for name, _, value in
               (line.partition(" = ") for line in done.stdout.splitlines())}
    assert printed["config"] == "python:apps.config.gunicorn"
    assert printed["post_worker_init"] == "<post_worker_init()>"


def test_the_hook_imports_the_views_and_freezes_what_the_process_holds() -> None:
    # Given a process that loaded the WSGI application, as a gunicorn worker does
    script = (
        "import gc, sys\n"
        "from apps.config.wsgi import application\n"
        "print('urls before', 'apps.config.urls' in sys.modules)\n"
        "from apps.config.gunicorn import post_worker_init\n"
        "post_worker_init(None)\n"
        "print('urls after', 'apps.config.urls' in sys.modules)\n"
        "print('frozen', gc.get_freeze_count())\n")
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True,
                          text=True, timeout=120,
                          env=os.environ | {"DJANGO_SETTINGS_MODULE": "apps.config.settings.test"})
    assert done.returncode == 0, done.stderr
    lines = dict(line.rsplit(" ", 1) for line in done.stdout.splitlines())

    # Then the URLconf's views were imported by the hook, and frozen with the rest
    assert lines == {"urls before": "False", "urls after": "True",
                     "frozen": lines["frozen"]}
    assert int(lines["frozen"]) > 50_000


@pytest.mark.django_db
def test_a_client_that_waits_out_retry_after_finds_its_connection_open(settings) -> None:
    # Given the web processes as the Procfile starts them, on this test's database
    port = free_port(start=8990)
    env = worker_env(PATH=f"{Path(sys.executable).parent}:{os.environ['PATH']}",
                     PORT=str(port), WEB_HOST="127.0.0.1", WEB_CONCURRENCY="1")
    web = subprocess.Popen(["bash", "-c", f"exec {_web_command()}"], cwd=ROOT, env=env,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        client = _connected(port)
        client.request("GET", "/healthz")
        first = client.getresponse()
        first.read()

        # When a client pauses as a 429's Retry-After says (admission control) and sends
        # its next call on the same kept-alive connection
        time.sleep(settings.KEEPFLOW_EVENTS_BACKLOG_RETRY_SECONDS + 0.5)
        client.request("GET", "/healthz")
        again = client.getresponse()

        # Then gunicorn has kept the connection open and answers (its keepalive of 2 s
        # closed it first, and a client's next call met a closed connection)
        assert (first.status, again.status) == (200, 200)
        client.close()
    finally:
        web.terminate()
        web.wait(timeout=30)


def _connected(port: int) -> http.client.HTTPConnection:
    deadline = time.monotonic() + 60
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                break
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)
    return http.client.HTTPConnection("127.0.0.1", port, timeout=10)
