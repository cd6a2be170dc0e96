"""What every benchmark needs: machine facts, progress lines, scratch databases, CPU
accounting from /proc, a Celery worker subprocess, and small JSON results that are fit to
commit."""

from __future__ import annotations

import json
import os
import platform
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
from contextlib import suppress
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import psycopg

ROOT = Path(__file__).resolve().parents[1]
RESULTS_DIR = Path(__file__).resolve().parent / "results"
PYTHON = sys.executable
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
STARTED = time.monotonic()


def say(message: str) -> None:
    """A progress line on stderr, so stdout keeps only the summary."""
    print(f"[bench {time.monotonic() - STARTED:6.1f}s] {message}", file=sys.stderr, flush=True)


def now_iso() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat()


def env_url(name: str, default: str) -> str:
    return os.environ.get(name) or default


def production_env(database_url: str, redis_url: str, **extra: str) -> dict[str, str]:
    """The environment of a server or worker under test: production settings on these
    PostgreSQL and Redis URLs, quiet logs, nothing from the test settings."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "TEST_"))}
    env.update({
        "DJANGO_SETTINGS_MODULE": "apps.config.settings.production",
        "SECRET_KEY": env.get("BENCH_SECRET_KEY") or secrets.token_urlsafe(48)[:50],
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "CELERY_BROKER_URL": redis_url,
        "ALLOWED_HOSTS": "127.0.0.1",
        "DEBUG": "0",
        "LOG_LEVEL": "WARNING",
        **extra,
    })
    return env


def database_name(url: str) -> str:
    return urlsplit(url).path.lstrip("/")


def maintenance_url(url: str) -> str:
    """The same server, database `postgres`: for CREATE/DROP DATABASE."""
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path="/postgres"))


def database_exists(url: str) -> bool:
    with psycopg.connect(maintenance_url(url), autocommit=True) as conn:
        row = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s",
                           [database_name(url)]).fetchone()
    return row is not None


def database_recreate(url: str) -> None:
    name = database_name(url)
    if not name.replace("_", "").isalnum():
        raise ValueError(f"refusing odd database name {name!r}")
    with psycopg.connect(maintenance_url(url), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def django_production_setup(database_url: str) -> None:
    """Configure Django (production settings) against a bench database."""
    import secrets

    os.environ.update({
        "DJANGO_SETTINGS_MODULE": "apps.config.settings.production",
        "SECRET_KEY": os.environ.get("SECRET_KEY") or secrets.token_urlsafe(48)[:50],
        "DATABASE_URL": database_url,
        "ALLOWED_HOSTS": "127.0.0.1",
        "LOG_LEVEL": "WARNING",
    })
    import django

    django.setup()


def bench_data_present(url: str, customers: int, version: int) -> bool:
    """Whether a kept bench database holds this many customers of this data version."""
    if not database_exists(url):
        return False
    with psycopg.connect(url) as conn:
        if conn.execute("SELECT to_regclass('bench_meta')").fetchone()[0] is None:
            return False
        row = conn.execute("SELECT customers, version FROM bench_meta").fetchone()
    return row == (customers, version)


def postgres_version(url: str) -> str:
    with psycopg.connect(maintenance_url(url)) as conn:
        return str(conn.execute("SHOW server_version").fetchone()[0])


def postgres_settings(url: str) -> dict[str, str]:
    names = ["shared_buffers", "work_mem", "max_parallel_workers_per_gather", "synchronous_commit",
             "effective_cache_size", "random_page_cost", "jit"]
    with psycopg.connect(maintenance_url(url)) as conn:
        rows = conn.execute(
            "SELECT name, setting || COALESCE(unit, '') FROM pg_settings WHERE name = ANY(%s)",
            [names],
        ).fetchall()
    return dict(rows)


def machine_facts(database_url: str) -> dict[str, Any]:
    cpu_model = ""
    with open("/proc/cpuinfo") as cpuinfo:
        for line in cpuinfo:
            if line.startswith("model name"):
                cpu_model = line.split(":", 1)[1].strip()
                break
    with open("/proc/meminfo") as meminfo:
        mem_kb = int(meminfo.readline().split()[1])
    return {
        "cores": os.cpu_count(),
        "cpu_model": cpu_model,
        "memory_gb": round(mem_kb / 1024 / 1024, 1),
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
        "python_loop_s_at_start": python_loop_seconds(),
        "os": platform.platform(),
        "python": platform.python_version(),
        "postgresql": postgres_version(database_url),
        "postgresql_settings": postgres_settings(database_url),
        "git_commit": git_commit(),
    }


def python_loop_seconds() -> float:
    """Seconds for ten million additions in a Python loop, best of three: the speed of
    this (shared, virtual) machine at the moment. It moved by a factor of two or three
    between runs on one day here, and every figure of a benchmark moves with it."""
    best = float("inf")
    for _ in range(3):
        started = time.perf_counter()
        total = 0
        for i in range(10_000_000):
            total += i
        best = min(best, time.perf_counter() - started)
    return round(best, 3)


def git_commit() -> str:
    try:
        out = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, check=True,
                             capture_output=True, text=True, timeout=10)
        dirty = subprocess.run(["git", "status", "--porcelain"], cwd=ROOT, check=True,
                               capture_output=True, text=True, timeout=10).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return out.stdout.strip() + ("-dirty" if dirty else "")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def percentile(values: list[float], pct: float) -> float:
    """Nearest-rank percentile (pct in 0..100) of a non-empty list."""
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(pct / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]


def results_write(name: str, payload: dict[str, Any]) -> Path:
    RESULTS_DIR.mkdir(exist_ok=True)
    path = RESULTS_DIR / f"{name}.json"
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(payload, indent=2, sort_keys=False, default=str) + "\n")
    tmp.replace(path)
    return path


# CPU accounting ---------------------------------------------------------------------------

def _proc_stat(pid: int) -> list[str] | None:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            text = stat.read()
    except OSError:
        return None
    # The command name is in parentheses and may contain spaces.
    return text[text.rindex(")") + 2:].split()


def process_cpu_seconds(pid: int) -> float:
    fields = _proc_stat(pid)
    if fields is None:
        return 0.0
    # utime and stime are fields 14 and 15 of /proc/<pid>/stat (1-based), 11/12 here.
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def children(pid: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            fields = _proc_stat(int(entry))
            if fields is not None and int(fields[1]) == pid:
                found.append(int(entry))
    return found


def postgres_backends(database: str) -> list[int]:
    """Server processes connected to this database (their titles name it)."""
    pids = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/cmdline", "rb") as cmdline:
                title = cmdline.read().decode(errors="replace")
        except OSError:
            continue
        if title.startswith("postgres: ") and f" {database} " in title:
            pids.append(int(entry))
    return pids


def machine_cpu_seconds() -> tuple[float, float]:
    """(busy, total) CPU seconds over all cores since boot, from /proc/stat."""
    with open("/proc/stat") as stat:
        values = [int(v) for v in stat.readline().split()[1:]]
    idle = values[3] + values[4]  # idle + iowait
    return (sum(values) - idle) / CLOCK_TICKS, sum(values) / CLOCK_TICKS


class CpuMeter:
    """CPU seconds spent by groups of processes (and the whole machine) between start()
    and stop(). Processes are looked up at both ends and every SAMPLE_SECONDS in between:
    one that appears or exits meanwhile (a PostgreSQL backend whose client reconnected
    after CONN_MAX_AGE or CELERY_DB_REUSE_MAX, a recycled pool process) counts up to its
    last sample. Looked up only at the ends, a five-minute run's PostgreSQL CPU read as a
    tenth of what it was."""

    SAMPLE_SECONDS = 0.5

    def __init__(self, groups: dict[str, Any]) -> None:
        self.groups = groups  # name -> callable returning pids
        self.before: dict[str, dict[int, float]] = {}
        self.seen: dict[str, dict[int, float]] = {}  # the last CPU seen of every pid
        self.machine_before = (0.0, 0.0)
        self.stopping = threading.Event()
        self.sampler = threading.Thread(target=self._keep_sampling, daemon=True)

    def _sample(self) -> dict[str, dict[int, float]]:
        return {name: {pid: process_cpu_seconds(pid) for pid in find()}
                for name, find in self.groups.items()}

    def _note(self, sample: dict[str, dict[int, float]]) -> None:
        for name, pids in sample.items():
            seen = self.seen.setdefault(name, {})
            for pid, cpu in pids.items():
                if cpu > 0.0:  # 0.0: it exited while being read
                    seen[pid] = max(cpu, seen.get(pid, 0.0))

    def _keep_sampling(self) -> None:
        while not self.stopping.wait(self.SAMPLE_SECONDS):
            self._note(self._sample())

    def start(self) -> None:
        self.before = self._sample()
        self.machine_before = machine_cpu_seconds()
        self._note(self.before)
        self.sampler.start()

    def stop(self) -> dict[str, float]:
        self.stopping.set()
        self.sampler.join()
        self._note(self._sample())
        busy, total = machine_cpu_seconds()
        out = {}
        for name, pids in self.seen.items():
            out[name] = round(sum(cpu - self.before[name].get(pid, 0.0)
                                  for pid, cpu in pids.items()), 2)
        out["machine_busy"] = round(busy - self.machine_before[0], 2)
        out["machine_total"] = round(total - self.machine_before[1], 2)
        return out


CELERY = str(Path(PYTHON).parent / "celery")


class CeleryWorker:
    """`celery worker --pool=prefork -c N` on one queue, in its own process group, logging
    to var/<name>.log; started when entered, killed with its pool when left."""

    def __init__(self, concurrency: int, env: dict[str, str], *, name: str,
                 queue: str = "celery") -> None:
        self.concurrency, self.env, self.name, self.queue = concurrency, env, name, queue
        self.log = ROOT / "var" / f"{name}.log"
        self.process: subprocess.Popen | None = None

    def __enter__(self) -> CeleryWorker:
        self.log.parent.mkdir(exist_ok=True)
        self.log.write_text("")
        self.process = subprocess.Popen(
            [CELERY, "-A", "apps.config", "worker", "--pool=prefork",
             "-c", str(self.concurrency), "-Q", self.queue, "-n", f"{self.name}@%h",
             "--without-heartbeat", "--without-gossip", "--without-mingle",
             "--loglevel=INFO", f"--logfile={self.log}"],
            cwd=ROOT, env=self.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            start_new_session=True)
        deadline = time.monotonic() + 60
        while " ready." not in self.log.read_text(errors="replace"):
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"worker did not start:\n{self.log.read_text()[-3000:]}")
            time.sleep(0.1)
        return self

    def __exit__(self, *exc: object) -> None:
        assert self.process is not None
        with suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGTERM)
        with suppress(subprocess.TimeoutExpired):
            self.process.wait(30)
        with suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        with suppress(subprocess.TimeoutExpired):
            self.process.wait(5)

    def pids(self) -> list[int]:
        assert self.process is not None
        return [self.process.pid, *children(self.process.pid)]

    def pool_pids(self) -> list[int]:
        assert self.process is not None
        return children(self.process.pid)

    def rss_mb(self) -> dict[str, float]:
        out = {}
        for pid in self.pids():
            with suppress(OSError), open(f"/proc/{pid}/status") as status:
                for line in status:
                    if line.startswith("VmRSS:"):
                        out[str(pid)] = round(int(line.split()[1]) / 1024, 1)
        return out
