"""A fake SendGrid and Twilio on 127.0.0.1: a real threaded HTTP server the real SDKs talk
to, so tests cross the same wire the providers would (the machine's border).

Endpoints: POST /v3/mail/send; POST/GET /2010-04-01/Accounts/{sid}/Messages.json;
POST /2010-04-01/Accounts/{sid}/Calls.json (the created calls, with their TwiML and
status callback, are kept in `twilio_calls`). Every request is recorded. Each endpoint
family ("sendgrid", "messages", "calls") answers from a script, one step per request,
then "ok" when the script runs out:

    "ok"       the provider's success answer
    429 / 500  that status with the provider's error body (429 with Retry-After: 0)
    "slow"     wait `slow_seconds`, then answer ok (a client timeout fires first)
    "drop"     read the request, then close the connection without an answer
    "drop_after_create"  Twilio only: create the message, then drop the connection
"""

from __future__ import annotations

import json
import re
import threading
import time
import uuid
from collections import defaultdict, deque
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

TWILIO_PATH = re.compile(r"^/2010-04-01/Accounts/(?P<sid>[^/]+)/(?P<kind>Messages|Calls)\.json$")


@dataclass
class Recorded:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes
    answered: Any  # the script step that answered

    def json(self) -> Any:
        return json.loads(self.body)

    def form(self) -> dict[str, str]:
        return {k: v[-1] for k, v in parse_qs(self.body.decode()).items()}


@dataclass
class FakeProvider:
    slow_seconds: float = 3.0
    latency_seconds: float = 0.0  # every answer waits this long, as a far provider would
    in_flight: int = 0
    in_flight_most: int = 0  # the most requests it was answering at one time
    requests: list[Recorded] = field(default_factory=list)
    scripts: dict[str, deque] = field(default_factory=lambda: defaultdict(deque))
    twilio_messages: list[dict[str, Any]] = field(default_factory=list)
    twilio_calls: list[dict[str, Any]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        assert self.server is not None
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def script(self, family: str, *steps: Any) -> None:
        with self.lock:
            self.scripts[family].extend(steps)

    def recorded(self, family: str) -> list[Recorded]:
        with self.lock:
            return [r for r in self.requests if _family(r.path) == family]

    def next_step(self, family: str) -> Any:
        with self.lock:
            queue = self.scripts[family]
            return queue.popleft() if queue else "ok"

    def record(self, entry: Recorded) -> None:
        with self.lock:
            self.requests.append(entry)

    def start(self) -> FakeProvider:
        fake = self

        class Handler(_Handler):
            provider = fake

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()


def _family(path: str) -> str:
    if path.startswith("/v3/mail/send"):
        return "sendgrid"
    match = TWILIO_PATH.match(path)
    if match:
        return "messages" if match["kind"] == "Messages" else "calls"
    return "other"


class _Handler(BaseHTTPRequestHandler):
    provider: FakeProvider
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        return

    def _read(self) -> Recorded:
        parts = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        return Recorded(self.command, parts.path, parse_qs(parts.query),
                        dict(self.headers.items()), body, None)

    def do_GET(self) -> None:
        self._handle()

    def do_POST(self) -> None:
        self._handle()

    def _handle(self) -> None:
        provider = self.provider
        with provider.lock:
            provider.in_flight += 1
            provider.in_flight_most = max(provider.in_flight_most, provider.in_flight)
        try:
            time.sleep(provider.latency_seconds)
            self._answer()
        finally:
            with provider.lock:
                provider.in_flight -= 1

    def _answer(self) -> None:
        request = self._read()
        family = _family(request.path)
        step = self.provider.next_step(family) if request.method == "POST" else "ok"
        request.answered = step
        self.provider.record(request)
        if family == "other":
            return self._send(404, {"message": "not found"})
        if step == "drop":
            return self._drop()
        if step == "slow":
            time.sleep(self.provider.slow_seconds)
        if isinstance(step, int):
            return self._error(family, step)
        if family == "sendgrid":
            return self._send(202, None, {"X-Message-Id": uuid.uuid4().hex[:22]})
        match = TWILIO_PATH.match(request.path)
        assert match is not None
        if family == "calls":
            return self._send(201, self._create_call(match["sid"], request.form()))
        if request.method == "GET":
            return self._list_messages(match["sid"], request.query)
        created = self._create_message(match["sid"], request.form())
        if step == "drop_after_create":
            return self._drop()
        return self._send(201, created)

    def _create_message(self, account: str, form: dict[str, str]) -> dict[str, Any]:
        now = format_datetime(datetime.now(UTC), usegmt=True)
        message = {"sid": "SM" + uuid.uuid4().hex, "account_sid": account,
                   "to": form.get("To"), "from": form.get("From"), "body": form.get("Body"),
                   "status": "queued", "num_segments": "1", "direction": "outbound-api",
                   "date_created": now, "date_updated": now, "date_sent": None,
                   "error_code": None, "error_message": None, "price": None,
                   "uri": f"/2010-04-01/Accounts/{account}/Messages/x.json"}
        with self.provider.lock:
            self.provider.twilio_messages.append(message)
        return message

    def _create_call(self, account: str, form: dict[str, str]) -> dict[str, Any]:
        """As Twilio answers Calls.create; the form's Twiml, StatusCallback and
        MachineDetection are kept so a test can play the call's outcome back."""
        call = {"sid": "CA" + uuid.uuid4().hex, "account_sid": account, "to": form.get("To"),
                "from": form.get("From"), "status": "queued", "direction": "outbound-api",
                "uri": f"/2010-04-01/Accounts/{account}/Calls/x.json"}
        with self.provider.lock:
            self.provider.twilio_calls.append({**call, "twiml": form.get("Twiml"),
                                               "status_callback": form.get("StatusCallback"),
                                               "machine_detection": form.get("MachineDetection")})
        return call

    def _list_messages(self, account: str, query: dict[str, list[str]]) -> None:
        with self.provider.lock:
            found = [m for m in self.provider.twilio_messages
                     if ("To" not in query or m["to"] == query["To"][0])
                     and ("From" not in query or m["from"] == query["From"][0])]
        uri = f"/2010-04-01/Accounts/{account}/Messages.json"
        self._send(200, {"messages": list(reversed(found)), "first_page_uri": uri, "end": 0,
                         "previous_page_uri": None, "uri": uri, "page_size": 50, "start": 0,
                         "next_page_uri": None, "page": 0})

    def _error(self, family: str, status: int) -> None:
        headers = {"Retry-After": "0"} if status == 429 else {}
        if family == "sendgrid":
            text = "too many requests" if status == 429 else "internal error"
            return self._send(status, {"errors": [{"message": text, "field": None}]}, headers)
        self._send(status, {"code": 20429 if status == 429 else 20500,
                            "message": "Too Many Requests" if status == 429
                            else "Internal Server Error",
                            "more_info": "https://www.twilio.com/docs/errors", "status": status},
                   headers)

    def _send(self, status: int, payload: Any, headers: dict[str, str] | None = None) -> None:
        body = b"" if payload is None else json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def _drop(self) -> None:
        self.close_connection = True
        self.connection.close()
