"""http_request: a real request to a local server opened by the allowlist; everything
internal refused before a connection is made; redirects re-checked; timeouts, the size
limit and retryable statuses."""

import base64
import ipaddress
import socket

import pytest

from apps.integrations.http import address_refusal, http_request
from apps.integrations.models import AllowedHost
from apps.integrations.services import credential_create

pytestmark = pytest.mark.django_db


def call(url: str, **overrides):
    args = {"method": "GET", "url": url, "headers": {}, "json": None, "credential_id": None,
            "timeout_seconds": 5, "idempotency_key": "run:1:h1:1", **overrides}
    return http_request(**args)


@pytest.fixture
def allowed(local_server) -> AllowedHost:
    return AllowedHost.objects.create(host="127.0.0.1", port=local_server.port, note="tests")


def test_allowlisted_local_server_answers_with_json(allowed, local_server):
    result = call(local_server.url("/echo"), method="POST", json={"customer": "c-1"},
                  headers={"X-Source": "keepflow"})

    assert (result["status"], result["error"], result["retryable"]) == (200, None, False)
    body = result["json"]
    assert body["method"] == "POST" and body["body"] == {"customer": "c-1"}
    assert body["headers"]["Idempotency-Key"] == "run:1:h1:1"
    assert body["headers"]["X-Source"] == "keepflow"
    assert body["headers"]["User-Agent"].startswith("Keepflow/")
    assert '"customer": "c-1"' in result["text"]


def test_text_response(allowed, local_server):
    result = call(local_server.url("/text"))
    assert (result["status"], result["json"], result["text"]) == (200, None, "plain ü text")


def test_allowlist_by_setting(settings, local_server):
    settings.KEEPFLOW_HTTP_ALLOWED_HOSTS = [f"127.0.0.1:{local_server.port}"]
    assert call(local_server.url("/echo"))["status"] == 200


@pytest.mark.parametrize(
    ("kind", "extra", "header", "value"),
    [
        pytest.param("bearer", {}, "Authorization", "Bearer s3cret", id="bearer"),
        pytest.param("basic", {"username": "crm"}, "Authorization",
                     "Basic " + base64.b64encode(b"crm:s3cret").decode(), id="basic"),
        pytest.param("header", {"header_name": "X-Api-Key"}, "X-Api-Key", "s3cret",
                     id="header"),
    ],
)
def test_credential_becomes_headers(allowed, local_server, kind, extra, header, value):
    credential = credential_create(name=f"crm-{kind}", kind=kind, secret="s3cret",
                                   allowed_hosts=["127.0.0.1"], **extra)

    result = call(local_server.url("/echo"), credential_id=credential.id)

    assert result["json"]["headers"][header] == value


def test_unknown_credential_is_an_error(allowed, local_server):
    result = call(local_server.url("/echo"), credential_id=999_999)
    assert (result["status"], result["error"]) == (0, "credential 999999 does not exist")
    assert local_server.seen == []


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        pytest.param("http://127.0.0.1:{port}/echo", "127.0.0.1 is a loopback address",
                     id="loopback"),
        pytest.param("http://10.0.0.1/", "10.0.0.1 is a private address", id="private"),
        pytest.param("http://169.254.169.254/latest/meta-data/",
                     "169.254.169.254 is a cloud metadata address", id="metadata"),
        pytest.param("http://[::1]:{port}/echo", "::1 is a loopback address", id="ipv6-loopback"),
        pytest.param("http://[::ffff:127.0.0.1]:{port}/", "is a loopback address",
                     id="ipv4-mapped-ipv6"),
        pytest.param("http://0.0.0.0:{port}/", "0.0.0.0 is an unspecified address",
                     id="unspecified"),
        pytest.param("http://[fe80::1]/", "fe80::1 is a link-local address", id="ipv6-link-local"),
        pytest.param("http://[fd00:ec2::254]/", "fd00:ec2::254 is a cloud metadata address",
                     id="ipv6-metadata"),
        pytest.param("http://localhost:{port}/echo", "localhost resolves to", id="localhost"),
        pytest.param("https://crm.attacker.example/", "crm.attacker.example resolves to "
                     "10.1.2.3, a private address", id="name-to-private"),
        pytest.param("https://meta.attacker.example/", "meta.attacker.example resolves to "
                     "169.254.169.254, a cloud metadata address", id="name-to-metadata"),
        pytest.param("http://2130706433:{port}/", "resolves to 127.0.0.1", id="decimal-ip"),
    ],
)
def test_internal_destinations_are_refused(local_server, fake_dns, connections, url, reason):
    fake_dns["crm.attacker.example"] = ["10.1.2.3"]
    fake_dns["meta.attacker.example"] = ["169.254.169.254"]

    result = call(url.format(port=local_server.port))

    assert result["status"] == 0 and result["retryable"] is False
    assert result["error"].startswith("refused: ")
    assert reason in result["error"]
    assert "an admin can allowlist the host" in result["error"]
    assert connections == [] and local_server.seen == []


def test_allowlist_is_per_port(allowed, local_server):
    """127.0.0.1:<server port> is open; another port on 127.0.0.1 is not."""
    other_port = local_server.port + 1 if local_server.port < 65535 else local_server.port - 1
    result = call(f"http://127.0.0.1:{other_port}/")
    assert result["error"].startswith("refused: 127.0.0.1 is a loopback address")


@pytest.mark.parametrize(
    ("rebound", "reason"),
    [
        pytest.param("10.0.0.7", "a private address", id="private"),
        # requests-hardened's own filter lets site-local through; ours stops it
        pytest.param("fec0::7", "a site-local address", id="site-local"),
    ],
)
def test_dns_rebinding_is_caught_at_the_pinned_connection(fake_dns, connections, rebound,
                                                          reason):
    """The check sees a public address, the connection's own resolution an internal one:
    the pinned address is checked again, and nothing is connected."""
    fake_dns["shop.attacker.example"] = ["93.184.216.34", rebound]

    result = call("https://shop.attacker.example/")

    assert result["status"] == 0 and result["retryable"] is False
    assert result["error"].startswith(
        f"refused: shop.attacker.example resolves to {rebound}, {reason}")
    assert connections == []


@pytest.mark.parametrize(
    "target",
    [
        pytest.param("http://10.0.0.1/admin", id="private"),
        pytest.param("http://169.254.169.254/latest/meta-data/", id="metadata"),
        pytest.param("http://[::1]:9/", id="ipv6-loopback"),
        pytest.param("http://internal.attacker.example/", id="name-to-private"),
        pytest.param("file:///etc/passwd", id="file-scheme"),
    ],
)
def test_redirect_to_an_internal_address_is_refused(allowed, local_server, fake_dns,
                                                    connections, target):
    fake_dns["internal.attacker.example"] = ["192.168.1.1"]

    result = call(local_server.url(f"/redirect?{target}"))

    assert result["status"] == 0 and result["error"].startswith("refused: ")
    assert len(local_server.seen) == 1  # the redirect answer, and nothing after it
    assert all(address[0] == "127.0.0.1" for address in connections)


def test_redirect_within_the_allowlisted_host_is_followed(allowed, local_server):
    result = call(local_server.url("/redirect?/echo"))
    assert result["status"] == 200 and result["json"]["method"] == "GET"


def test_redirect_to_another_host_drops_the_credential(allowed, local_server):
    AllowedHost.objects.create(host="localhost", port=local_server.port)
    credential = credential_create(name="crm", kind="header", header_name="X-Api-Key",
                                   secret="s3cret", allowed_hosts=["127.0.0.1", "localhost"])
    target = local_server.url("/echo", host="localhost")

    result = call(local_server.url(f"/redirect?{target}"), credential_id=credential.id)

    assert result["status"] == 200
    assert local_server.seen[0]["headers"]["X-Api-Key"] == "s3cret"
    assert "X-Api-Key" not in result["json"]["headers"]


def test_timeout_is_retryable(allowed, local_server):
    result = call(local_server.url("/slow?3"), timeout_seconds=0.5)
    assert (result["status"], result["retryable"]) == (0, True)
    assert result["error"] == "timed out after 0.5 s"


def test_slow_drip_body_stops_at_the_overall_deadline(allowed, local_server):
    result = call(local_server.url("/drip"), timeout_seconds=1)
    assert (result["status"], result["retryable"]) == (0, True)
    assert result["error"].startswith("timed out after 1 s")


@pytest.mark.parametrize("path", ["/big", "/big-declared"])
def test_response_size_limit(allowed, local_server, settings, path):
    settings.KEEPFLOW_HTTP_MAX_RESPONSE_BYTES = 20_000
    result = call(local_server.url(path))
    assert (result["status"], result["retryable"]) == (0, False)
    assert result["error"].startswith("response too large")


@pytest.mark.parametrize(
    ("status", "retryable"),
    [(500, True), (502, True), (503, True), (429, True), (404, False), (400, False),
     (201, False)],
)
def test_statuses_and_retryable(allowed, local_server, status, retryable):
    result = call(local_server.url(f"/status/{status}"))
    assert (result["status"], result["retryable"], result["error"]) == (status, retryable, None)
    assert result["json"] == {"error": "as asked"}


def test_connection_refused_is_retryable(connections):
    AllowedHost.objects.create(host="127.0.0.1", port=9)  # discard port: nothing listens
    result = call("http://127.0.0.1:9/")
    assert (result["status"], result["retryable"]) == (0, True)
    assert result["error"].startswith("connection failed")


def test_unresolvable_name_is_retryable(monkeypatch):
    def fail(*args, **kwargs):
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", fail)
    result = call("https://crm.example.com/")
    assert (result["status"], result["retryable"]) == (0, True)
    assert "could not resolve crm.example.com" in result["error"]


@pytest.mark.parametrize(
    ("overrides", "error"),
    [
        pytest.param({"url": "https://user:pw@crm.example.com/"},
                     "refused: no user:password@ in the URL", id="userinfo"),
        pytest.param({"url": "ftp://crm.example.com/"}, "refused: only http and https",
                     id="scheme"),
        pytest.param({"headers": {"Authorization": "Bearer x"}}, "header Authorization is set",
                     id="auth-header"),
        pytest.param({"headers": {"Host": "10.0.0.1"}}, "header Host is set", id="host-header"),
        pytest.param({"method": "TRACE"}, "method TRACE is not allowed", id="method"),
        pytest.param({"url": "http://[::1/"}, "invalid request", id="bad-url"),
    ],
)
def test_bad_requests_fail_without_raising(connections, overrides, error):
    result = call(overrides.pop("url", "https://crm.example.com/"), **overrides)
    assert result["status"] == 0 and result["retryable"] is False
    assert result["error"].startswith(error)
    assert connections == []


@pytest.mark.parametrize(
    ("address", "reason"),
    [
        ("127.0.0.1", "a loopback address"),
        ("127.255.0.1", "a loopback address"),
        ("10.0.0.1", "a private address"),
        ("172.16.5.4", "a private address"),
        ("192.168.0.1", "a private address"),
        ("169.254.169.254", "a cloud metadata address"),
        ("169.254.1.1", "a link-local address"),
        ("100.64.0.1", "a shared (CG-NAT) address"),
        ("100.100.100.200", "a cloud metadata address"),
        ("168.63.129.16", "a cloud metadata address"),
        ("0.0.0.0", "an unspecified address"),
        ("224.0.0.1", "a multicast address"),
        ("240.0.0.1", "a private address"),
        ("255.255.255.255", "a private address"),
        ("192.0.2.1", "a private address"),
        ("::1", "a loopback address"),
        ("::", "an unspecified address"),
        ("fe80::1", "a link-local address"),
        ("fc00::1", "a private address"),
        ("ff02::1", "a multicast address"),
        ("::ffff:10.0.0.1", "a private address"),
        ("::ffff:169.254.169.254", "a cloud metadata address"),
        ("64:ff9b::a00:1", "a reserved address"),
        ("2001:db8::1", "a private address"),
        ("8.8.8.8", None),
        ("93.184.216.34", None),
        ("2606:4700:4700::1111", None),
        ("2001:20::1", "a private address"),
        ("fec0::1", "a site-local address"),
        ("2002:a00:1::", "a relay, translation or documentation address"),
        ("192.88.99.1", "a relay, translation or documentation address"),
        ("3fff::1", "a relay, translation or documentation address"),
    ],
)
def test_address_policy(address, reason):
    assert address_refusal(ipaddress.ip_address(address)) == reason
