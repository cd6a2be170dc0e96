"""Where the web workers' CPU goes during a load run: py-spy samples every worker (only
while it holds the GIL, i.e. runs Python), and each sample is put in the first matching
bucket of the request path below. Used by `python -m bench ingest --profile`."""

import collections
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from bench.support import PYTHON, say

# (bucket, any of these frame substrings), first match wins: order from the most specific.
BUCKETS: list[tuple[str, tuple[str, ...]]] = [
    ("Celery hand-off (after commit: one LPUSH, or task.delay)",
     ("Task.delay", "Task.apply_async", "events_ingested")),
    ("API-key lookup (ORM query)", ("api_key_authenticate",)),
    ("customers_ensure (ORM query, inserts new customers)", ("customers_ensure",)),
    ("commit", ("Atomic.__exit__",)),
    ("event storage (the ingest SQL statement)", ("events_ingest",)),
    ("request validation (DRF serializers)", ("BaseSerializer.is_valid",)),
    ("response (DRF serializer and JSON rendering)",
     ("Serializer.data", "Response.rendered_content", "APIView.finalize_response")),
    ("body parsing (JSON)", ("Request.data", "JSONParser.parse")),
    ("permission check", ("check_permissions",)),
    ("other DRF view work (request wrapping, negotiation)", ("APIView.dispatch",)),
    ("Django (URL resolving, middleware, handler)", ("WSGIHandler.__call__",)),
    ("gunicorn (HTTP parsing, socket I/O)", ("gunicorn",)),
]


def py_spy() -> str | None:
    found = Path(PYTHON).parent / "py-spy"
    return str(found) if found.exists() else shutil.which("py-spy")


class Recorder:
    """py-spy on a set of processes for a fixed time, started before a load run.
    `gil`: only samples that hold the GIL (Python running), else waits on I/O too;
    `summarise` turns the raw sample files into the figures kept."""

    def __init__(self, pids: list[int], seconds: int, *, rate: int = 200, gil: bool = True,
                 summarise: Callable[[list[Path]], dict[str, Any]] | None = None) -> None:
        self.binary = py_spy()
        self.dir = Path(tempfile.mkdtemp(prefix="bench-pyspy-"))
        self.pids, self.seconds = pids, seconds
        self.rate, self.gil = rate, gil
        self.summarise = summarise or summarise_buckets
        self.processes: list[subprocess.Popen] = []

    def start(self) -> None:
        if self.binary is None:
            say("py-spy is missing (pip install -e '.[dev]'): no profile")
            return
        for pid in self.pids:
            self.processes.append(subprocess.Popen(
                [self.binary, "record", "--pid", str(pid), "--duration", str(self.seconds),
                 "--rate", str(self.rate), *(["--gil"] if self.gil else []), "--nonblocking",
                 "--format", "raw", "--output", str(self.dir / f"{pid}.txt")],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            ))

    def finish(self) -> dict[str, Any] | None:
        for process in self.processes:
            try:
                process.wait(timeout=self.seconds + 60)
            except subprocess.TimeoutExpired:
                process.kill()
        files = list(self.dir.glob("*.txt"))
        if not files:
            return None
        summary = self.summarise(files)
        shutil.rmtree(self.dir, ignore_errors=True)
        return summary


def samples(files: list[Path]) -> Iterator[tuple[int, list[str]]]:
    """(sample count, frames from the outermost) for every stack in py-spy's raw files."""
    for path in files:
        for line in path.read_text().splitlines():
            stack, _, count = line.rpartition(" ")
            if count.isdigit():
                yield int(count), stack.split(";")


def summarise_buckets(files: list[Path]) -> dict[str, Any]:
    """Share of samples per bucket, plus the functions that use most CPU themselves."""
    buckets: collections.Counter[str] = collections.Counter()
    own: collections.Counter[str] = collections.Counter()
    total = 0
    # With --gil an idle worker (waiting in select) is never sampled.
    for count, frames in samples(files):
        total += count
        own[frames[-1]] += count
        buckets[_bucket(frames)] += count
    share = {name: round(100 * n / max(total, 1), 1) for name, n in buckets.most_common()}
    return {
        "samples": total,
        "share_percent": share,
        "top_functions_percent": {name: round(100 * n / max(total, 1), 1)
                                  for name, n in own.most_common(12)},
    }


def _bucket(frames: list[str]) -> str:
    for name, needles in BUCKETS:
        if any(needle in frame for frame in frames for needle in needles):
            return name
    return "other"
