"""`python -m apps.config.embedded run|services`: see the package's docstring."""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import multiprocessing
import os
import shutil
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from functools import partial
from pathlib import Path
from urllib.parse import urlsplit

from apps.config.embedded.children import port_free, port_open
from apps.config.embedded.postgres import EmbeddedPostgres
from apps.config.embedded.redis import EmbeddedRedis

ROOT = Path(__file__).resolve().parents[3]
VAR = Path(os.environ.get("KEEPFLOW_VAR_DIR") or ROOT / "var")
LOOPBACK = "127.0.0.1"
# Ports away from the system services' (5432, 6379), so both can run side by side (free
# ones where these are taken too); var/embedded.env says which.
PG_PORT, REDIS_PORT = 54320, 63790

Server = EmbeddedPostgres | EmbeddedRedis


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m apps.config.embedded")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("run", help="make run: the servers, set-up, web, worker, scheduler")
    services = commands.add_parser(
        "services", help="make test: start what is missing of these and hold it until stopped")
    services.add_argument("--database-url", required=True)
    services.add_argument("--redis-url", required=True)
    services.add_argument("--ready-file", type=Path, required=True)
    args = parser.parse_args(argv)
    _stop_on_sigterm()
    if args.command == "run":
        return run()
    return hold_services(args.database_url, args.redis_url, args.ready_file)


def run() -> int:
    """Start PostgreSQL and Redis unless DATABASE_URL / REDIS_URL name others, set up
    the database and demo data, then the Procfile's processes under honcho. Ctrl-C stops
    the processes, then the servers."""
    from honcho.environ import parse_procfile
    from honcho.manager import Manager
    from honcho.process import Popen

    env = dict(os.environ)
    with _single_run(VAR / "run.lock"), _servers_stopped_at_exit() as servers:
        if not env.get("DATABASE_URL"):
            postgres = EmbeddedPostgres(VAR / "postgres", PG_PORT)
            servers.append(postgres)
            _start_on_a_free_port(postgres)
            env["DATABASE_URL"] = postgres.url
            _say(f"PostgreSQL {postgres.url} (data in {_shown(postgres.data_dir)})")
        if not env.get("REDIS_URL"):
            redis = EmbeddedRedis(VAR / "redis", REDIS_PORT)
            servers.append(redis)
            _start_on_a_free_port(redis)
            env["REDIS_URL"] = redis.url
            _say(f"Redis {redis.url} (data in {_shown(redis.data_dir)}; "
                 f"logs of both in {_shown(redis.log.parent)})")
        _urls_published(env)
        env.setdefault("CELERY_BEAT_SCHEDULE", str(VAR / "celerybeat-schedule"))
        # Production's processes (docs/operations.md), and the web server on this machine
        # only: the demo admin's password is published.
        env.setdefault("WEB_HOST", LOOPBACK)
        env.setdefault("WORKER_CONCURRENCY", "2")
        env.setdefault("CELERY_LOG_LEVEL", "WARNING")  # not a line per timer tick
        env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
        # The demo's purchases are `purchase` events (the nightly fit reads them too).
        env.setdefault("KEEPFLOW_PURCHASE_EVENT", "purchase")
        subprocess.run([sys.executable, "manage.py", "setup_demo"], cwd=ROOT, env=env,
                       check=True)
        # Churn scores, P(alive) and lifetime values on the demo customers from the start,
        # not after the first night; a fit that fails says why and Keepflow starts anyway.
        # On the first start, eight past weeks of score history too (one fit, well under
        # a second for the demo), so the customer page's chart has a past.
        subprocess.run([sys.executable, "manage.py", "churn_fit", "--backfill-weeks", "8"],
                       cwd=ROOT, env=env, check=False)
        manager = Manager()
        procfile = parse_procfile((ROOT / "Procfile").read_text())
        for name, process in procfile.processes.items():
            if name == "release":  # setup_demo has migrated
                continue
            child = manager.add_process(name, f"exec {process}", env=env, cwd=str(ROOT))
            # In this process group (honcho gives each its own session), so that a
            # `kill -9` of the group leaves no web or worker process behind.
            child._child_ctor = partial(Popen, start_new_session=False)
        # honcho signals each child's own process group, which these do not have: signal
        # the child itself, or a `kill <pid>` of make run would leave them running and a
        # web server slow to stop would never be killed.
        manager._procmgr = _EachChild()
        manager.loop()
        return manager.returncode or 0


class _EachChild:
    """Stands in for honcho's ProcessManager: the same terminate/kill, sent to the child's
    pid (each is an `exec`ed process: gunicorn's master, Celery's main process)."""

    def terminate(self, pid: int) -> None:
        _signal(pid, signal.SIGTERM)

    def kill(self, pid: int) -> None:
        _signal(pid, signal.SIGKILL)
        # A child's own children can outlive it (a gunicorn worker stuck after its master
        # died): they hold the child's output pipe open, so honcho never sees the child
        # end and would send SIGKILL forever. Whatever is left of this process group
        # below the launcher goes too (the servers run in sessions of their own).
        for stray in group_strays():
            _signal(stray, signal.SIGKILL)


def group_strays() -> list[int]:
    """Processes in the launcher's process group other than itself, its ancestors (`make`,
    a shell) and honcho's helpers: the web and worker processes and anything they
    started. honcho runs each Procfile line from a helper process (multiprocessing) that
    reports the line's end; a helper killed here could not, and honcho would wait for
    that line forever."""
    me, group = os.getpid(), os.getpgrp()
    spared, pid = {me} | {helper.pid for helper in multiprocessing.active_children()}, me
    while pid > 1:
        pid = _parent_pid(pid)
        spared.add(pid)
    strays = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) in spared:
            continue
        with contextlib.suppress(OSError):
            if os.getpgid(int(entry)) == group:
                strays.append(int(entry))
    return strays


def _parent_pid(pid: int) -> int:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return 0
    return int(stat.rsplit(")", 1)[1].split()[1])  # the field after the state


def _signal(pid: int, sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, sig)


def hold_services(database_url: str, redis_url: str, ready_file: Path) -> int:
    """Use the PostgreSQL and Redis these URLs name where they answer (the machine's
    services); start the system's service where installed but stopped; start embedded
    ones otherwise, and hold them until SIGTERM. `ready_file` says when all are up."""
    ready_file.unlink(missing_ok=True)
    with _servers_stopped_at_exit() as servers:
        pg = urlsplit(database_url)
        if not port_open(pg.hostname or LOOPBACK, pg.port or 5432):
            _system_postgres_start(pg.hostname or LOOPBACK, pg.port or 5432)
        if not port_open(pg.hostname or LOOPBACK, pg.port or 5432):
            _loopback_only(pg.hostname, "database")
            postgres = EmbeddedPostgres(VAR / "test-postgres", pg.port or 5432,
                                        database=pg.path.lstrip("/") or "keepflow")
            servers.append(postgres)
            postgres.start()
            _say(f"PostgreSQL (embedded) for the tests on port {postgres.port}")
        rd = urlsplit(redis_url)
        if not port_open(rd.hostname or LOOPBACK, rd.port or 6379):
            _loopback_only(rd.hostname, "Redis")
            redis = EmbeddedRedis(VAR / "test-redis", rd.port or 6379, durable=False)
            servers.append(redis)
            redis.start()
            _say(f"Redis (embedded) for the tests on port {redis.port}")
        ready_file.parent.mkdir(parents=True, exist_ok=True)
        ready_file.write_text(str(os.getpid()))
        if servers:
            threading.Event().wait()  # until SIGTERM (see _stop_on_sigterm)
    return 0


def _system_postgres_start(host: str, port: int) -> None:
    """A Debian PostgreSQL cluster that is installed but stopped (CI's machine)."""
    if shutil.which("pg_ctlcluster") is None or not Path("/etc/postgresql").is_dir():
        return
    for version in sorted(p.name for p in Path("/etc/postgresql").iterdir()):
        subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "start"],
                       check=False, capture_output=True)
    for _ in range(60):
        if port_open(host, port):
            return
        threading.Event().wait(0.5)


def _loopback_only(host: str | None, what: str) -> None:
    if host not in (None, "127.0.0.1", "localhost"):
        raise SystemExit(f"The {what} at {host} does not answer; an embedded one can only "
                         "stand in on 127.0.0.1.")


def _urls_published(env: dict[str, str]) -> None:
    """For `manage.py` commands run beside this one (dev settings read the file)."""
    path = VAR / "embedded.env"
    path.write_text(f"DATABASE_URL={env['DATABASE_URL']}\nREDIS_URL={env['REDIS_URL']}\n")


def _start_on_a_free_port(server: Server) -> None:
    """On its fixed port if free, else on any free one. Two runs starting at once can
    both find a port free; the one whose server could not bind it then fails to start
    (it checks that the server answering is its own) and tries once more elsewhere."""
    server.port = port_free(LOOPBACK, server.port)
    try:
        server.start()
    except RuntimeError:
        if not port_open(LOOPBACK, server.port):  # not taken: a failure of its own
            raise
        server.port = port_free(LOOPBACK)
        server.start()


@contextlib.contextmanager
def _servers_stopped_at_exit() -> Iterator[list[Server]]:
    servers: list[Server] = []
    try:
        yield servers
    finally:
        (VAR / "embedded.env").unlink(missing_ok=True)
        for server in reversed(servers):
            server.stop()
        if servers:
            _say("PostgreSQL and Redis stopped." if len(servers) == 2 else "Stopped.")


@contextlib.contextmanager
def _single_run(path: Path) -> Iterator[None]:
    """One `make run` per folder. The kernel drops the lock with its holder, so a run
    killed with SIGKILL leaves nothing stale behind."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise SystemExit("Keepflow is already running from this folder "
                             "(another `make run`); stop it first.") from None
        yield


def _stop_on_sigterm() -> None:
    """SIGTERM ends the launcher like Ctrl-C, through the `finally` that stops servers."""
    def stop(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)


def _shown(path: Path) -> str:
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)


def _say(text: str) -> None:
    print(f"keepflow | {text}", flush=True)


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        sys.exit(130)
    except (subprocess.CalledProcessError, RuntimeError) as exc:
        print(f"keepflow | {exc}", file=sys.stderr)
        sys.exit(1)
