"""Where a stored credential may go and who may put it in a workflow.

A secret is only as safe as the requests it rides on: anyone who can publish an
http_request could otherwise send any stored token to a host of their choosing. So an
admin binds each credential to hosts (exact names, or `*.example.com` for any subdomain)
and HTTP methods, and shares it with roles or API-key scopes; everyone else with
`credentials.manage` may use it anyway. Both the publish check and the send-time check
call these functions, so they cannot disagree.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from django.utils.translation import gettext as _

from apps.accounts.capabilities import Capability
from apps.integrations.crypto import SecretUnreadable, secret_decrypt
from apps.integrations.models import Credential, CredentialKind

_LABEL = r"(?!-)[a-z0-9-]{1,63}(?<!-)"
HOST_PATTERN = re.compile(rf"^(\*\.)?({_LABEL}\.)*{_LABEL}$|^[0-9a-f:.]+$")


def host_normal(host: str) -> str:
    return host.strip().strip("[]").lower().rstrip(".")


def host_pattern_valid(pattern: str) -> bool:
    """An exact host (name or IP address) or `*.` followed by a domain of two labels or
    more (`*.com` would bind to a whole top-level domain)."""
    pattern = host_normal(pattern)
    if not HOST_PATTERN.match(pattern):
        return False
    return not pattern.startswith("*.") or pattern.count(".") >= 2


def host_matches(pattern: str, host: str) -> bool:
    """`*.example.com` matches any subdomain (a.example.com, a.b.example.com), never
    example.com itself; anything else must be equal, case-insensitively."""
    pattern, host = host_normal(pattern), host_normal(host)
    if pattern.startswith("*."):
        return host.endswith(pattern[1:]) and len(host) > len(pattern) - 1
    return host == pattern


def credential_destination_issue(credential: Credential, method: str,
                                 url: str) -> tuple[str, str] | None:
    """(code, plain reason) why this credential may not ride on this request, or None.
    A credential of kind url is a whole (secret) URL: the request names none ("") and
    goes there, so that URL's host is the one checked."""
    if credential.kind == CredentialKind.URL:
        if url and url != _secret_url(credential):
            return "credential_is_url", _(
                "credential %(name)s is a whole webhook URL: use it in a block that sends to "
                "a webhook credential (e.g. Microsoft Teams), without a URL of its own") % {
                "name": credential.name}
        url = _secret_url(credential)
    elif not url:
        return "credential_not_url", _(
            "credential %(name)s is not a webhook URL: this block needs a credential of kind "
            "url") % {"name": credential.name}
    if not credential.allowed_hosts:
        return "credential_unbound", _(
            "credential %(name)s is not bound to any host yet; an admin must list the hosts "
            "it may be sent to") % {"name": credential.name}
    host = urlsplit(url).hostname or ""
    if not any(host_matches(pattern, host) for pattern in credential.allowed_hosts):
        return "credential_host_not_allowed", _(
            "credential %(name)s may not be sent to %(host)s (allowed hosts: %(hosts)s)") % {
            "name": credential.name, "host": host or "?",
            "hosts": ", ".join(credential.allowed_hosts)}
    if method.upper() not in credential.allowed_methods:
        return "credential_method_not_allowed", _(
            "credential %(name)s may not be used with %(method)s (allowed methods: "
            "%(methods)s)") % {"name": credential.name, "method": method.upper(),
                               "methods": ", ".join(credential.allowed_methods) or "none"}
    return None


def _secret_url(credential: Credential) -> str:
    try:
        return secret_decrypt(credential.secret_encrypted)
    except SecretUnreadable:
        return ""


def credential_destination_refusal(credential: Credential, method: str, url: str) -> str | None:
    issue = credential_destination_issue(credential, method, url)
    return issue[1] if issue else None


def credential_request_issue(credential_id: int, method: str,
                             url: str) -> tuple[str, str] | None:
    """For graph validation: the credential a node names exists and is bound to the
    node's (fixed) host and method."""
    credential = Credential.objects.filter(pk=credential_id).first()
    if credential is None:
        return "credential_missing", _("credential %(id)s does not exist") % {
            "id": credential_id}
    return credential_destination_issue(credential, method, url)


def _granted(principal: Any) -> tuple[frozenset[Capability], set[str], set[str]]:
    """(capabilities, roles, scopes) of a signed-in user or an API-key principal."""
    capabilities = frozenset(getattr(principal, "capabilities", frozenset()))
    role = getattr(principal, "role", None)
    key = getattr(principal, "key", None)
    scopes = set(getattr(key, "scopes", None) or ())
    return capabilities, {role} if role else set(), scopes


def credential_use_allowed(credential: Credential, principal: Any) -> bool:
    """May this person or API key put the credential into a workflow? None is the system
    (management commands, rollbacks started by Keepflow itself)."""
    if principal is None:
        return True
    capabilities, roles, scopes = _granted(principal)
    return (Capability.CREDENTIALS_MANAGE in capabilities
            or bool(roles & set(credential.shared_roles))
            or bool(scopes & set(credential.shared_scopes)))


def credential_use_refusal(credential_id: int, principal: Any) -> str | None:
    credential = Credential.objects.filter(pk=credential_id).first()
    if credential is None or credential_use_allowed(credential, principal):
        return None  # a missing credential is graph validation's error
    return _("you may not use credential %(name)s: an admin must share it with your role or "
             "API key scope") % {"name": credential.name}
