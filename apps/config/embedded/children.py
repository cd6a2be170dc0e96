"""Server processes that never outlive the process that started them."""

from __future__ import annotations

import ctypes
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Sequence
from pathlib import Path

_PR_SET_PDEATHSIG = 1


def _parent_death_signal(sig: signal.Signals) -> Callable[[], None]:
    """A preexec hook: the kernel sends `sig` to the child when its parent dies, so a
    `kill -9` of the launcher still shuts the servers down (cleanly: SIGINT is
    PostgreSQL's fast shutdown, SIGTERM Redis's save-and-exit)."""
    libc = ctypes.CDLL(None, use_errno=True)

    def hook() -> None:
        libc.prctl(_PR_SET_PDEATHSIG, int(sig), 0, 0, 0)

    return hook


def server_start(argv: Sequence[str], *, log: Path, stop_signal: signal.Signals,
                 user: int | None = None, group: int | None = None) -> subprocess.Popen:
    """Start a server in a session of its own (Ctrl-C in the terminal reaches the
    launcher, which stops the servers last, after the processes that use them)."""
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("ab") as out:
        return subprocess.Popen(
            list(argv), stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            start_new_session=True, preexec_fn=_parent_death_signal(stop_signal),
            user=user, group=group,
        )


def server_stop(process: subprocess.Popen, stop_signal: signal.Signals,
                timeout: float = 30) -> None:
    if process.poll() is not None:
        return
    process.send_signal(stop_signal)
    try:
        process.wait(timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(10)


def port_open(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.5)
        return sock.connect_ex((host, port)) == 0


def port_free(host: str, preferred: int = 0) -> int:
    """`preferred` if nothing listens there, else (or for 0) a port the system picks."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, preferred))
        except OSError:
            sock.bind((host, 0))
        return int(sock.getsockname()[1])


def wait_until(ready: Callable[[], bool], process: subprocess.Popen, *, what: str,
               log: Path, timeout: float = 60) -> None:
    """Poll `ready` until it holds; fail with the server's log if it exits or hangs."""
    deadline = time.monotonic() + timeout
    while not ready():
        if process.poll() is not None or time.monotonic() > deadline:
            tail = log.read_text(errors="replace")[-3000:] if log.exists() else ""
            state = "exited" if process.poll() is not None else "did not start in time"
            raise RuntimeError(f"{what} {state}; the end of {log}:\n{tail}")
        time.sleep(0.05)
