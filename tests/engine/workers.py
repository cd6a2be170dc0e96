"""Real Celery worker subprocesses for the reliability tests, and a beat-less scheduler
the tests drive.

A worker is `.venv/bin/celery -A apps.config worker` in its own process group, with the
test settings pointed at the database pytest-django created for this test process, the
same Redis URL and the same PYTEST_XDIST_WORKER (the broker key prefix derives from it),
so it takes exactly this test process's tasks. Its log goes to a file whose tail is
printed at teardown (pytest shows it when the test fails).
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import close_old_connections

from apps.config.embedded.redis import redis_server_binary
from tests.broker import broker_purge

ROOT = Path(__file__).resolve().parents[2]
CELERY = str(Path(sys.executable).parent / "celery")
QUEUES = "celery,messages"  # the engine's queue and the deliveries' (as the Procfile's worker)
READY_TIMEOUT = 60.0


def test_database_url() -> str:
    """The URL of the database this test process uses right now (test_<name>)."""
    db = settings.DATABASES["default"]
    auth = quote(db.get("USER") or "postgres")
    if db.get("PASSWORD"):
        auth += ":" + quote(db["PASSWORD"])
    host = db.get("HOST") or "127.0.0.1"
    port = db.get("PORT") or 5432
    return f"postgres://{auth}@{host}:{port}/{db['NAME']}"


def worker_env(redis_url: str | None = None, **extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update({
        "DJANGO_SETTINGS_MODULE": "apps.config.settings.test",
        "TEST_DATABASE_URL": test_database_url(),
        "TEST_REDIS_URL": redis_url or settings.REDIS_URL,
        "PYTEST_XDIST_WORKER": os.environ.get("PYTEST_XDIST_WORKER", "main"),
        "KEEPFLOW_QUIET_HOURS": "",  # the tests count messages, not the clock
        # The tests kill workers: the events a dead drain claimed are handed on again
        # once its claim runs out, in seconds rather than the production two minutes.
        "KEEPFLOW_EVENT_LEASE_SECONDS": "10",
        "PYTHONUNBUFFERED": "1",
    })
    env.update(extra)
    return env


@dataclass
class Worker:
    """One `celery worker` process group."""

    name: str
    process: subprocess.Popen
    log_path: Path
    started_at: float = field(default_factory=time.monotonic)

    @property
    def pid(self) -> int:
        return self.process.pid

    def log(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except OSError:
            return ""

    def wait_ready(self, timeout: float = READY_TIMEOUT) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"worker {self.name} exited with {self.process.returncode}:"
                                   f"\n{self.log()[-4000:]}")
            if " ready." in self.log():
                return
            time.sleep(0.1)
        raise RuntimeError(f"worker {self.name} not ready after {timeout} s:\n"
                           f"{self.log()[-4000:]}")

    def alive(self) -> bool:
        return self.process.poll() is None

    def kill(self, sig: int = signal.SIGKILL) -> None:
        """Signal the whole process group (the main process and its pool children)."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, sig)

    def stop(self, timeout: float = 15.0) -> None:
        if self.alive():
            self.kill(signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(timeout)
        self.kill(signal.SIGKILL)  # pool children may outlive a dead parent
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(5)

    def rss_bytes(self) -> int:
        """Resident memory of the group: the main process and its pool children."""
        total = 0
        for pid in [self.pid, *_children(self.pid)]:
            with contextlib.suppress(OSError), open(f"/proc/{pid}/status") as status:
                for line in status:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1]) * 1024
        return total


def _children(pid: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        with contextlib.suppress(OSError), open(f"/proc/{entry}/stat") as stat:
            text = stat.read()
            if int(text[text.rindex(")") + 2:].split()[1]) == pid:
                found.append(int(entry))
    return found


def worker_start(name: str, *, pool: str = "prefork", concurrency: int = 2,
                 env: dict[str, str], log_dir: Path, loglevel: str = "INFO",
                 wait: bool = True) -> Worker:
    log_path = log_dir / f"worker-{name}.log"
    args = [CELERY, "-A", "apps.config", "worker", f"--pool={pool}", "-c", str(concurrency),
            "-Q", QUEUES, "-n", f"{name}@%h", "--without-heartbeat", "--without-gossip",
            "--without-mingle", f"--loglevel={loglevel}", f"--logfile={log_path}"]
    process = subprocess.Popen(args, cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                               stderr=open(log_dir / f"worker-{name}.stderr", "wb"),  # noqa: SIM115
                               start_new_session=True)
    worker = Worker(name=name, process=process, log_path=log_path)
    if wait:
        try:
            worker.wait_ready()
        except Exception:
            worker.stop()
            raise
    return worker


class Workers:
    """Starts workers for one test and stops them all at teardown."""

    def __init__(self, log_dir: Path) -> None:
        self.log_dir = log_dir
        self.started: list[Worker] = []
        self.redis_url: str | None = None
        self.env_extra: dict[str, str] = {}

    def start(self, name: str | None = None, **kwargs: Any) -> Worker:
        name = name or f"w{len(self.started) + 1}"
        env = worker_env(self.redis_url, **self.env_extra)
        worker = worker_start(name, env=env, log_dir=self.log_dir, **kwargs)
        self.started.append(worker)
        return worker

    def stop_all(self) -> None:
        for worker in self.started:
            worker.stop()

    def logs(self, tail: int = 6000) -> str:
        return "\n".join(f"----- worker {w.name} (pid {w.pid}) -----\n{w.log()[-tail:]}"
                         for w in self.started)


@pytest.fixture
def workers(tmp_path: Path) -> Iterator[Workers]:
    """Real worker subprocesses; their logs are printed at teardown (shown on failure)."""

    broker_purge()
    pool = Workers(tmp_path)
    try:
        yield pool
    finally:
        pool.stop_all()
        print(pool.logs())


def drive(done: Callable[[], bool], *, timeout: float, what: str, sweep: bool = True,
          wake: bool = True, every: float = 0.25,
          diagnose: Callable[[], str] | None = None) -> None:
    """The scheduler's loop without beat: fire due timers, sweep stale runs and hand on
    lost events from this process until `done()` holds; on timeout, `diagnose()` says
    where things stand."""
    from apps.engine.timers import runs_sweep, timers_wake
    from apps.handoff.tasks import events_redispatch

    deadline = time.monotonic() + timeout
    while True:
        close_old_connections()
        if done():
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}"
                                 f"{_diagnosis(diagnose)}")
        if wake:
            timers_wake()
        if sweep:
            runs_sweep()
            events_redispatch()
        time.sleep(every)


def _diagnosis(diagnose: Callable[[], str] | None) -> str:
    if diagnose is None:
        return ""
    try:
        return f": {diagnose()}"
    except Exception as exc:  # the timeout is the finding; a failing probe must not hide it
        return f" (diagnosis failed: {exc!r})"


@dataclass
class RedisServer:
    """A private redis-server (no persistence) the test may stop and start again."""

    port: int
    log_dir: Path
    process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        log = open(self.log_dir / f"redis-{self.port}.log", "ab")  # noqa: SIM115
        self.process = subprocess.Popen(
            [redis_server_binary(), "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--daemonize", "no"],
            stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        import redis

        client = redis.Redis.from_url(self.url)
        deadline = time.monotonic() + 10
        while True:
            try:
                client.ping()
                return
            except redis.ConnectionError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    def stop(self, sig: int = signal.SIGKILL) -> None:
        if self.process is not None and self.process.poll() is None:
            os.kill(self.process.pid, sig)
            self.process.wait(10)
        self.process = None


def free_port(start: int = 6390) -> int:
    import socket

    for port in range(start, start + 100):
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port for redis-server")


@pytest.fixture
def own_redis(tmp_path: Path) -> Iterator[RedisServer]:
    server = RedisServer(port=free_port(), log_dir=tmp_path)
    server.start()
    try:
        yield server
    finally:
        server.stop()


@contextlib.contextmanager
def broker(url: str) -> Iterator[None]:
    """Point this process's Celery producer at another broker for the block."""
    from apps.config.celery import app

    old = app.conf.broker_url

    def switch(to: str) -> None:
        from kombu import pools

        pools.reset()  # kombu keeps one pool per connection, process-wide
        app._pool = None
        app.amqp._producer_pool = None
        app.conf.broker_url = to

    switch(url)
    try:
        yield
    finally:
        switch(old)
