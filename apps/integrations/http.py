"""Outbound HTTP for action.http_request, safe against server-side request forgery.

Workflows are written by staff and templated with customer data, so the URL is
untrusted. Every destination, the first and each redirect, is checked before any byte
is sent:

1. Only http/https, no user:password@ in the URL (secrets live in stored credentials).
2. The host is resolved and every address checked against loopback, private, link-local,
   multicast, reserved, unspecified, shared (CG-NAT) and cloud metadata ranges, IPv4 and
   IPv6 (IPv4-mapped IPv6 addresses are checked as the IPv4 address they carry). A refusal
   says which address and why.
3. The connection is pinned to the resolved, checked address by requests-hardened's
   IPFilterAdapter (TLS still verifies the host name), so DNS rebinding between check and
   connect cannot switch it to an internal address; the pinned address is checked again.
4. Hosts an admin allowlisted (AllowedHost rows, KEEPFLOW_HTTP_ALLOWED_HOSTS) skip 2-3:
   they are internal on purpose (the CRM inside the company network).

Responses are streamed and cut at KEEPFLOW_HTTP_MAX_RESPONSE_BYTES; the call never raises
for network trouble but returns {"status", "json", "text", "error", "retryable"}.
"""

from __future__ import annotations

import base64
import ipaddress
import json as jsonlib
import logging
import socket
import time
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urlsplit

import requests
from django.conf import settings
from django.db.models import Q
from requests.adapters import HTTPAdapter
from requests_hardened import Config, HTTPSession
from requests_hardened.ip_filter import EXTRA_BLOCKED_NET_RANGES, InvalidIPAddress
from requests_hardened.ip_filter_adapter import IPFilterAdapter

from apps.integrations.binding import credential_destination_refusal
from apps.integrations.crypto import SecretUnreadable, secret_decrypt
from apps.integrations.models import AllowedHost, Credential, CredentialKind

logger = logging.getLogger(__name__)

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
METHODS = frozenset({"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD"})
# Set by Keepflow (or by a credential), never by the graph.
FORBIDDEN_HEADERS = frozenset({"host", "content-length", "transfer-encoding", "connection",
                               "authorization", "proxy-authorization", "cookie",
                               "idempotency-key"})
CHUNK_BYTES = 16 * 1024

# Instance metadata services: AWS/GCP/Azure/OpenStack (169.254.169.254, link-local anyway),
# AWS over IPv6, Alibaba (CG-NAT range anyway), Azure's wire server (a public address!).
METADATA_ADDRESSES = frozenset(ipaddress.ip_address(a) for a in (
    "169.254.169.254", "169.254.170.2", "fd00:ec2::254", "100.100.100.200", "168.63.129.16",
))
SHARED_NETWORKS = (ipaddress.ip_network("100.64.0.0/10"),)  # CG-NAT: often cloud-internal


class DestinationRefused(Exception):
    """The URL points where Keepflow must not go (SSRF policy)."""


class HostUnresolvable(requests.ConnectionError):
    """The host name has no address (perhaps for now: retryable)."""


def address_refusal(address: IPAddress) -> str | None:
    """Why this address may not be contacted, or None for a public unicast address."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    checks: tuple[tuple[bool, str], ...] = (
        (address in METADATA_ADDRESSES, "a cloud metadata address"),
        (address.is_loopback, "a loopback address"),
        (address.is_unspecified, "an unspecified address"),
        (address.is_link_local, "a link-local address"),
        (address.is_multicast, "a multicast address"),
        (any(address in net for net in SHARED_NETWORKS), "a shared (CG-NAT) address"),
        (address.is_private, "a private address"),
        (address.is_reserved, "a reserved address"),
        (getattr(address, "is_site_local", False), "a site-local address"),
        # 6to4, NAT64, ORCHID, documentation …: the library's list, which also covers
        # ranges that older Pythons' ipaddress still calls global.
        (any(address in net for net in EXTRA_BLOCKED_NET_RANGES),
         "a relay, translation or documentation address"),
        (not address.is_global, "not a public address"),
    )
    return next((reason for refused, reason in checks if refused), None)


def _normal_host(host: str) -> str:
    return host.strip().strip("[]").lower().rstrip(".")


def _entry_parse(entry: str) -> tuple[str, int | None]:
    """"crm.internal", "crm.internal:8443", "10.1.2.3:80", "[fd00::5]:443" or "fd00::5"."""
    entry = entry.strip().lower()
    if entry.startswith("["):
        host, _, rest = entry[1:].partition("]")
        return host, int(rest[1:]) if rest.startswith(":") else None
    if entry.count(":") == 1:
        host, _, port = entry.partition(":")
        return host, int(port)
    return entry, None


def host_allowed(host: str, port: int) -> bool:
    """Allowlisted by an admin: an AllowedHost row or a KEEPFLOW_HTTP_ALLOWED_HOSTS entry."""
    host = _normal_host(host)
    for entry in settings.KEEPFLOW_HTTP_ALLOWED_HOSTS:
        name, entry_port = _entry_parse(entry)
        if _normal_host(name) == host and entry_port in (None, port):
            return True
    return AllowedHost.objects.filter(Q(port__isnull=True) | Q(port=port), host=host).exists()


def _host_port(url: str) -> tuple[str, int]:
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise DestinationRefused(f"only http and https URLs are allowed, not {scheme or 'none'}")
    if parts.username is not None or parts.password is not None:
        raise DestinationRefused("no user:password@ in the URL; use a stored credential")
    try:
        port = parts.port or (443 if scheme == "https" else 80)
    except ValueError as exc:
        raise DestinationRefused(f"invalid port in {url!r}") from exc
    if not parts.hostname:
        raise DestinationRefused("the URL has no host")
    return parts.hostname, port


def destination_check(url: str) -> bool:
    """Raise DestinationRefused unless every address of the URL's host may be contacted;
    True when the host is allowlisted (no address check). A name that does not resolve
    raises HostUnresolvable."""
    host, port = _host_port(url)
    if host_allowed(host, port):
        return True
    try:
        literal: IPAddress | None = ipaddress.ip_address(_normal_host(host))
    except ValueError:
        literal = None
    if literal is not None:
        reason = address_refusal(literal)
        if reason:
            raise DestinationRefused(f"{host} is {reason}; an admin can allowlist the host")
        return False
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise HostUnresolvable(f"could not resolve {host}") from exc
    for info in infos:
        address = ipaddress.ip_address(str(info[4][0]).split("%")[0])
        reason = address_refusal(address)
        if reason:
            raise DestinationRefused(f"{host} resolves to {address}, {reason}; an admin can "
                                     "allowlist the host")
    return False


class _PinnedAdapter(IPFilterAdapter):
    """requests-hardened's adapter (resolve once, connect to that address, Host header and
    TLS name kept) plus our stricter policy on the very address it pinned."""

    def build_connection_pool_key_attributes(self, request, verify, cert=None):  # type: ignore[no-untyped-def]
        host_params, pool_kwargs = super().build_connection_pool_key_attributes(
            request, verify, cert)
        address = ipaddress.ip_address(str(host_params["host"]).strip("[]"))
        reason = address_refusal(address)
        if reason:
            raise DestinationRefused(f"{urlsplit(request.url).hostname} resolves to {address}, "
                                     f"{reason}; an admin can allowlist the host")
        return host_params, pool_kwargs


class GuardedSession(HTTPSession):
    """A requests session whose every hop (redirects too) passes destination_check and,
    unless allowlisted, connects through the pinned adapter."""

    def __init__(self, *, timeout: float, secret_headers: frozenset[str] = frozenset(),
                 credential: Credential | None = None) -> None:
        super().__init__(Config(
            ip_filter_enable=False,  # mounted below, with our policy on top
            ip_filter_allow_loopback_ips=False,
            never_redirect=False,
            default_timeout=(timeout, timeout),
            user_agent_override=settings.KEEPFLOW_HTTP_USER_AGENT,
        ))
        self.trust_env = False  # no proxies or .netrc from the environment: they bypass pinning
        self.max_redirects = settings.KEEPFLOW_HTTP_MAX_REDIRECTS
        self.mount("http://", _PinnedAdapter(is_https_proto=False))
        self.mount("https://", _PinnedAdapter(is_https_proto=True))
        self._allowlisted = HTTPAdapter()
        self._secret_headers = secret_headers
        self._credential = credential

    def get_adapter(self, url: str) -> HTTPAdapter:
        if destination_check(url):
            return self._allowlisted
        return super().get_adapter(url)

    def rebuild_auth(self, prepared_request: requests.PreparedRequest,
                     response: requests.Response) -> None:
        """A redirect to another host, or one that changes the method to one the credential
        is not bound to (303 turns POST into GET), loses the credential, whatever header
        carries it."""
        super().rebuild_auth(prepared_request, response)
        unbound = self._credential is not None and credential_destination_refusal(
            self._credential, str(prepared_request.method), str(prepared_request.url))
        if unbound or self.should_strip_auth(response.request.url, prepared_request.url):
            for name in self._secret_headers:
                prepared_request.headers.pop(name, None)


def _result(status: int = 0, *, json: Any = None, text: str = "", error: str | None = None,
            retryable: bool = False) -> dict[str, Any]:
    return {"status": status, "json": json, "text": text, "error": error,
            "retryable": retryable}


def credential_headers(credential: Credential) -> dict[str, str]:
    if credential.kind == CredentialKind.URL:
        return {}  # the secret is the URL itself (credential_url)
    secret = secret_decrypt(credential.secret_encrypted)
    if credential.kind == CredentialKind.BEARER:
        return {"Authorization": f"Bearer {secret}"}
    if credential.kind == CredentialKind.BASIC:
        pair = base64.b64encode(f"{credential.username}:{secret}".encode()).decode()
        return {"Authorization": f"Basic {pair}"}
    return {credential.header_name: secret}


def _parse_json(text: str, content_type: str) -> Any:
    stripped = text.lstrip()
    if "json" not in content_type and not stripped.startswith(("{", "[")):
        return None
    try:
        return jsonlib.loads(text)
    except ValueError:
        return None


def _redacted(text: str | None, secret_url: str) -> str | None:
    """An error text without the secret URL (urllib3 names the path and query it tried)."""
    if not text:
        return text
    parts = urlsplit(secret_url)
    tail = parts.path + (f"?{parts.query}" if parts.query else "")
    for secret in (secret_url, tail, parts.query):
        if secret and len(secret) > 1:
            text = text.replace(secret, "<webhook URL>")
    return text


def http_request(*, method: str, url: str, headers: Mapping[str, str], json: Any | None,
                 credential_id: int | None, timeout_seconds: float, idempotency_key: str,
                 clock: Callable[[], float] = time.monotonic) -> dict[str, Any]:
    """One guarded request. Never raises for network, policy or size problems: returns
    status 0 (no usable response) with `error`, and `retryable` for 429/5xx, timeouts and
    connection failures. With a credential of kind url and no URL of its own, the request
    goes to the credential's (secret) URL, which no error text repeats."""
    if credential_id is not None and not url:
        credential = Credential.objects.filter(pk=credential_id, kind=CredentialKind.URL).first()
        if credential is not None:
            try:
                secret_url = secret_decrypt(credential.secret_encrypted)
            except SecretUnreadable as exc:
                return _result(error=f"credential {credential.name}: {exc}")
            result = _http_request(method=method, url=secret_url, headers=headers, json=json,
                                   credential_id=credential_id, timeout_seconds=timeout_seconds,
                                   idempotency_key=idempotency_key, clock=clock)
            result["error"] = _redacted(result["error"], secret_url)
            return result
    return _http_request(method=method, url=url, headers=headers, json=json,
                         credential_id=credential_id, timeout_seconds=timeout_seconds,
                         idempotency_key=idempotency_key, clock=clock)


def _http_request(*, method: str, url: str, headers: Mapping[str, str], json: Any | None,
                  credential_id: int | None, timeout_seconds: float, idempotency_key: str,
                  clock: Callable[[], float]) -> dict[str, Any]:
    method = method.upper()
    if method not in METHODS:
        return _result(error=f"method {method} is not allowed")
    sent: dict[str, str] = {"Accept": "application/json, text/plain;q=0.9, */*;q=0.5"}
    for name, value in headers.items():
        if name.lower() in FORBIDDEN_HEADERS:
            return _result(error=f"header {name} is set by Keepflow; use a credential")
        sent[name] = value
    secret_names: set[str] = set()
    credential = None
    if credential_id is not None:
        credential = Credential.objects.filter(pk=credential_id).first()
        if credential is None:
            return _result(error=f"credential {credential_id} does not exist")
        refusal = credential_destination_refusal(credential, method, url)
        if refusal:
            logger.warning("http_request refused: %s", refusal)
            return _result(error=refusal)
        try:
            auth = credential_headers(credential)
        except SecretUnreadable as exc:
            return _result(error=f"credential {credential.name}: {exc}")
        sent.update(auth)
        secret_names = set(auth)
    sent["Idempotency-Key"] = idempotency_key
    limit = settings.KEEPFLOW_HTTP_MAX_RESPONSE_BYTES
    deadline = clock() + timeout_seconds
    session = GuardedSession(timeout=timeout_seconds, secret_headers=frozenset(secret_names),
                             credential=credential)
    try:
        with session, session.request(method, url, headers=sent, json=json, stream=True,
                                      timeout=(timeout_seconds, timeout_seconds)) as response:
            declared = response.headers.get("Content-Length", "")
            if declared.isdigit() and int(declared) > limit:
                return _result(error=f"response too large: {declared} bytes, the limit is "
                                     f"{limit}")
            body = bytearray()
            # read1 returns what has arrived (iter_content would wait for a full chunk),
            # so a server dripping bytes meets the overall deadline.
            while chunk := response.raw.read1(CHUNK_BYTES, decode_content=True):
                body += chunk
                if len(body) > limit:
                    return _result(error=f"response too large: more than {limit} bytes")
                if clock() > deadline:
                    return _result(error=f"timed out after {timeout_seconds:g} s reading the "
                                         "response", retryable=True)
            status = response.status_code
            text = body.decode(response.encoding or "utf-8", errors="replace")
            return _result(status, json=_parse_json(text, response.headers.get("Content-Type",
                                                                              "")),
                           text=text, retryable=status == 429 or status >= 500)
    except DestinationRefused as exc:
        logger.warning("http_request refused: %s", exc)
        return _result(error=f"refused: {exc}")
    except InvalidIPAddress as exc:  # the library's own check on the pinned address
        address = ipaddress.ip_address(str(exc.args[0]))
        return _result(error=f"refused: {urlsplit(url).hostname} resolves to {address}, "
                             f"{address_refusal(address) or 'not allowed'}")
    except HostUnresolvable as exc:
        return _result(error=str(exc), retryable=True)
    except requests.Timeout:
        return _result(error=f"timed out after {timeout_seconds:g} s", retryable=True)
    except requests.TooManyRedirects:
        return _result(error=f"more than {session.max_redirects} redirects")
    except requests.exceptions.SSLError as exc:
        return _result(error=f"TLS error: {exc}")
    except (requests.exceptions.InvalidURL, requests.exceptions.InvalidSchema,
            requests.exceptions.MissingSchema, requests.exceptions.InvalidHeader,
            requests.exceptions.URLRequired) as exc:
        return _result(error=f"invalid request: {exc}")
    except requests.ConnectionError as exc:
        return _result(error=f"connection failed: {_short(exc)}", retryable=True)
    except requests.RequestException as exc:
        return _result(error=f"request failed: {_short(exc)}", retryable=True)
    except (ValueError, UnicodeError) as exc:  # malformed URLs urllib3 cannot even parse
        return _result(error=f"invalid request: {exc}")


def _short(exc: BaseException) -> str:
    """The innermost reason of a requests/urllib3 error chain, e.g. Connection refused."""
    inner: BaseException = exc
    while inner.__cause__ is not None or inner.__context__ is not None:
        inner = inner.__cause__ or inner.__context__  # type: ignore[assignment]
    return str(inner)[:300] or type(inner).__name__
