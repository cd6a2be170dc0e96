"""The embedded PostgreSQL and Redis that `make run` (and `make test` on a machine
without services) starts from their wheels: real servers, data kept across restarts,
stale state from a killed run recovered."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psycopg
import pytest
import redis

from apps.config.embedded.children import port_free
from apps.config.embedded.postgres import EmbeddedPostgres
from apps.config.embedded.redis import EmbeddedRedis

pytestmark = pytest.mark.worker  # starts server processes


@pytest.fixture
def postgres(tmp_path):
    server = EmbeddedPostgres(tmp_path / "postgres", port_free("127.0.0.1"), database="kf")
    yield server
    server.stop()


def test_postgres_keeps_its_data_across_restarts(postgres):
    # Given a started server with a row written
    postgres.start()
    with psycopg.connect(postgres.url, autocommit=True) as conn:
        conn.execute("CREATE TABLE kept (note text)")
        conn.execute("INSERT INTO kept VALUES ('before the restart')")
    # when it is stopped and started again on the same data
    postgres.stop()
    assert not (postgres.data_dir / "postmaster.pid").exists()
    postgres.start()
    # then the row is still there
    with psycopg.connect(postgres.url) as conn:
        assert conn.execute("SELECT note FROM kept").fetchall() == [("before the restart",)]


def test_postgres_starts_over_a_lock_file_left_by_a_killed_run(postgres):
    # Given data whose server was killed, and whose pid now belongs to another program of
    # the same user
    postgres.start()
    postgres.process.send_signal(signal.SIGKILL)
    postgres.process.wait(10)
    owner = postgres.data_dir.stat().st_uid
    other = subprocess.Popen(["sleep", "60"], user=owner if os.geteuid() == 0 else None)
    try:
        lock = postgres.data_dir / "postmaster.pid"
        lines = lock.read_text().splitlines()
        lock.write_text("\n".join([str(other.pid), *lines[1:]]) + "\n")
        # when it is started again, then it comes up (PostgreSQL alone refuses: "lock file
        # "postmaster.pid" already exists", since that pid is alive)
        postgres.start()
        with psycopg.connect(postgres.url) as conn:
            assert conn.execute("SELECT 1").fetchone() == (1,)
    finally:
        other.kill()
        other.wait()


def test_postgres_stops_when_its_launcher_is_killed(tmp_path):
    # Given a launcher process that started a server, killed with SIGKILL
    port = port_free("127.0.0.1")
    script = (
        "import sys, time\n"
        "from pathlib import Path\n"
        "from apps.config.embedded.postgres import EmbeddedPostgres\n"
        f"server = EmbeddedPostgres(Path({str(tmp_path / 'pg')!r}), {port})\n"
        "server.start()\n"
        "print(server.process.pid, flush=True)\n"
        "time.sleep(600)\n"
    )
    launcher = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE,
                                text=True)
    server_pid = int(launcher.stdout.readline())
    launcher.kill()
    launcher.wait(10)
    # then the server shuts down by itself (the kernel signals it: no orphan is left)
    deadline = time.monotonic() + 30
    while _alive(server_pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not _alive(server_pid)
    assert not (tmp_path / "pg" / "postmaster.pid").exists()


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split()[2]
    except OSError:
        return False
    return state != "Z"


def test_redis_keeps_queued_messages_across_restarts(tmp_path):
    # Given a durable embedded Redis holding a queued message
    server = EmbeddedRedis(tmp_path / "redis", port_free("127.0.0.1"))
    server.start()
    try:
        redis.Redis.from_url(server.url).lpush("celery", "wake-up")
        # when it is stopped (as Ctrl-C does) and started again
        server.stop()
        server.start()
        # then the message is still queued
        assert redis.Redis.from_url(server.url).lrange("celery", 0, -1) == [b"wake-up"]
    finally:
        server.stop()


def test_a_server_on_a_port_another_run_took_first_is_not_taken_for_ours(tmp_path):
    """Two runs that start at once may pick the same free port; the one whose server
    could not bind must fail, not carry on against the other run's server."""
    port = port_free("127.0.0.1")
    first = EmbeddedPostgres(tmp_path / "first", port, database="kf")
    second = EmbeddedPostgres(tmp_path / "second", port, database="kf")
    first_redis = EmbeddedRedis(tmp_path / "first-redis", port_free("127.0.0.1", port + 1))
    second_redis = EmbeddedRedis(tmp_path / "second-redis", first_redis.port)
    first.start()
    first_redis.start()
    try:
        with pytest.raises(RuntimeError, match="PostgreSQL exited"):
            second.start()
        with pytest.raises(RuntimeError, match="Redis exited"):
            second_redis.start()
    finally:
        for server in (second_redis, first_redis, second, first):
            server.stop()


_STRAYS_SCRIPT = """
import json, multiprocessing, os, subprocess, time
from apps.config.embedded.__main__ import group_strays
child = subprocess.Popen(["sleep", "60"])
apart = subprocess.Popen(["sleep", "60"], start_new_session=True)
helper = multiprocessing.Process(target=time.sleep, args=(60,))  # as honcho runs a line
helper.start()
try:
    print(json.dumps({"strays": group_strays(), "me": os.getpid(), "child": child.pid,
                      "apart": apart.pid, "helper": helper.pid}))
finally:
    child.kill()
    apart.kill()
    helper.kill()
"""


def test_the_launcher_finds_what_is_left_of_its_process_group():
    """What a stop kills when a child outlives its parent (a stuck gunicorn worker): the
    launcher's group below it, never the launcher, its ancestors, honcho's helpers or the
    servers, which run in sessions of their own."""
    import json
    import subprocess
    import sys

    from django.conf import settings

    done = subprocess.run([sys.executable, "-c", _STRAYS_SCRIPT], cwd=settings.BASE_DIR,
                          capture_output=True, text=True, timeout=60, start_new_session=True,
                          check=True)
    seen = json.loads(done.stdout)

    assert seen["child"] in seen["strays"]
    assert seen["me"] not in seen["strays"] and seen["apart"] not in seen["strays"]
    # honcho's helper for a Procfile line must live to report the line's end (killed,
    # honcho sent SIGKILL to the stopped web server forever and `make run` never ended)
    assert seen["helper"] not in seen["strays"]
