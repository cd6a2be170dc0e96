"""A local HTTP server on 127.0.0.1 for http_request, and a guard that records every
outgoing connection and refuses any that leaves the machine (no test may ever reach
10.0.0.1 or 169.254.169.254, even if the code under test were wrong)."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
import urllib3.util.connection


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args: Any) -> None:  # keep test output clean
        pass

    def _send(self, status: int, body: bytes, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        for name, value in (headers or {"Content-Type": "application/json"}).items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _handle(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        self.server.seen.append({"method": self.command, "path": self.path,  # type: ignore[attr-defined]
                                 "headers": dict(self.headers.items())})
        path, _, query = self.path.partition("?")
        if path == "/echo":
            self._send(200, json.dumps({"method": self.command, "headers": dict(self.headers),
                                        "body": json.loads(raw) if raw else None}).encode())
        elif path.startswith("/status/"):
            self._send(int(path.rsplit("/", 1)[1]), b'{"error": "as asked"}')
        elif path == "/text":
            self._send(200, "plain ü text".encode(), {"Content-Type": "text/plain; charset=utf-8"})
        elif path == "/slow":
            time.sleep(float(query or 2))
            self._send(200, b"{}")
        elif path == "/drip":  # headers at once, then a byte every 0.2 s
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", "50")
            self.end_headers()
            for _ in range(50):
                self.wfile.write(b" ")
                self.wfile.flush()
                time.sleep(0.2)
        elif path == "/big":  # chunked, no Content-Length: only streaming can stop it
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            chunk = b"x" * 10_000
            for _ in range(100):
                self.wfile.write(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n")
            self.wfile.write(b"0\r\n\r\n")
        elif path == "/big-declared":
            self._send(200, b"y" * 50_000)
        elif path == "/redirect":
            self._send(302, b"", {"Location": query})
        elif path == "/redirect303":  # "see other": the client follows with a GET
            self._send(303, b"", {"Location": query})
        else:
            self._send(404, b'{"error": "not found"}')

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _handle


class QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # clients that hang up early (size limit, timeouts) are expected here


@dataclass
class LocalServer:
    server: ThreadingHTTPServer
    seen: list[dict[str, Any]] = field(default_factory=list)

    @property
    def port(self) -> int:
        return self.server.server_address[1]

    def url(self, path: str, host: str = "127.0.0.1") -> str:
        return f"http://{host}:{self.port}{path}"


@pytest.fixture
def local_server() -> Iterator[LocalServer]:
    server = QuietServer(("127.0.0.1", 0), Handler)
    server.seen = []  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                              daemon=True)
    thread.start()
    yield LocalServer(server, server.seen)  # type: ignore[attr-defined]
    server.shutdown()
    server.server_close()


@pytest.fixture(autouse=True)
def connections(monkeypatch) -> list[tuple[str, int]]:
    """Every address urllib3 connects to; anything but loopback is stopped here."""
    made: list[tuple[str, int]] = []
    real = urllib3.util.connection.create_connection

    def guarded(address: tuple[str, int], *args: Any, **kwargs: Any) -> socket.socket:
        made.append(address)
        if address[0].strip("[]") not in ("127.0.0.1", "localhost", "::1"):
            raise AssertionError(f"test tried to connect to {address}")
        return real(address, *args, **kwargs)

    monkeypatch.setattr(urllib3.util.connection, "create_connection", guarded)
    return made


@pytest.fixture
def fake_dns(monkeypatch) -> dict[str, list[str]]:
    """Names → addresses for socket.getaddrinfo (resolution is the machine's border);
    other names resolve as usual."""
    names: dict[str, list[str]] = {}
    real = socket.getaddrinfo

    def getaddrinfo(host: Any, port: Any, *args: Any, **kwargs: Any) -> list:
        key = host.decode() if isinstance(host, bytes) else host
        if key in names:
            answers = names[key]
            address = answers.pop(0) if len(answers) > 1 else answers[0]
            family = socket.AF_INET6 if ":" in address else socket.AF_INET
            sockaddr = (address, int(port or 0), 0, 0) if family == socket.AF_INET6 else (
                address, int(port or 0))
            return [(family, socket.SOCK_STREAM, 6, "", sockaddr)]
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return names
