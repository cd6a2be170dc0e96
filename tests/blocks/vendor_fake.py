"""A fake vendor API on 127.0.0.1 for the connector blocks: it records each request
(method, path, headers, JSON body) and answers what the test told it to. The blocks run
with the real guarded request (apps.integrations.http.http_request), so credentials,
headers and the SSRF allowlist are the production path; only the vendor's address is
pointed here (KEEPFLOW_CONNECTOR_ORIGINS) and opened (KEEPFLOW_HTTP_ALLOWED_HOSTS)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from apps.integrations.http import http_request
from apps.integrations.services import credential_create
from tests.blocks.conftest import FakeContext, FakeEffects

VENDORS = ("zendesk", "freshdesk", "hubspot", "salesforce", "pipedrive", "slack")


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args: Any) -> None:
        pass

    def _handle(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        fake: VendorFake = self.server.fake  # type: ignore[attr-defined]
        fake.seen.append({"method": self.command, "path": self.path,
                          "headers": dict(self.headers.items()),
                          "json": json.loads(raw) if raw else None})
        status, body = fake.replies.get((self.command, self.path.partition("?")[0]),
                                        (404, {"error": "no such fake route"}))
        data = b"" if body is None else json.dumps(body).encode()
        self.send_response(status)
        if data:
            self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _handle


class _RealHttpEffects(FakeEffects):
    def http_request(self, **request: Any) -> Mapping[str, Any]:
        self.calls.append(("http_request", request))
        return http_request(idempotency_key="run:1:n1:1", **request)


@dataclass
class VendorFake:
    port: int
    seen: list[dict[str, Any]] = field(default_factory=list)
    replies: dict[tuple[str, str], tuple[int, Any]] = field(default_factory=dict)

    def reply(self, method: str, path: str, status: int, body: Any = None) -> None:
        self.replies[(method, path)] = (status, body)

    def credential(self, kind: str, secret: str = "s3cret", **extra: Any) -> int:
        return credential_create(name=f"{kind}-{len(self.seen)}-{extra}", kind=kind,
                                 secret=secret, allowed_hosts=["127.0.0.1"], **extra).id

    def ctx(self, **overrides: Any) -> FakeContext:
        return FakeContext(effects=_RealHttpEffects(), **overrides)

    @property
    def request(self) -> dict[str, Any]:
        """The one request the block made."""
        assert len(self.seen) == 1, self.seen
        return self.seen[0]


@pytest.fixture
def vendor(settings, db) -> Iterator[VendorFake]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    server.daemon_threads = True
    fake = VendorFake(server.server_address[1])
    server.fake = fake  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                              daemon=True)
    thread.start()
    origin = f"http://127.0.0.1:{fake.port}"
    settings.KEEPFLOW_CONNECTOR_ORIGINS = {name: origin for name in VENDORS}
    settings.KEEPFLOW_HTTP_ALLOWED_HOSTS = [f"127.0.0.1:{fake.port}"]
    yield fake
    server.shutdown()
    server.server_close()
