"""Sign-in throttling: after KEEPFLOW_LOGIN_MAX_FAILURES failed sign-ins for one user
name from one IP address within KEEPFLOW_LOGIN_WINDOW_SECONDS, that pair is refused for
KEEPFLOW_LOGIN_LOCKOUT_SECONDS, the right password included, so guessing a password
costs hours instead of seconds. Counters live in Redis (shared by every web process,
expiring on their own); per pair, so a stranger cannot lock a colleague out from
elsewhere. Without Redis, sign-in still works (logged): throttling must not become an
outage."""

import hashlib
import logging
import math
import os
from functools import cache
from typing import Any

import redis
from django import forms
from django.conf import settings
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import ngettext

log = logging.getLogger(__name__)


@cache
def _client(pid: int, url: str) -> redis.Redis:  # pid: never a client inherited over fork
    return redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)


def _key(username: str, ip: str) -> str:
    digest = hashlib.sha256(f"{username.strip().lower()}\0{ip}".encode()).hexdigest()
    return f"keepflow:login-failures:{digest}"


def login_locked_seconds(username: str, ip: str) -> int:
    """Seconds this user name stays refused from this address; 0 if it may try."""
    client = _client(os.getpid(), settings.REDIS_URL)
    try:
        failures = int(client.get(_key(username, ip)) or 0)
        if failures < settings.KEEPFLOW_LOGIN_MAX_FAILURES:
            return 0
        return max(int(client.ttl(_key(username, ip))), 1)
    except redis.RedisError:
        log.warning("sign-in throttling unavailable (Redis)", exc_info=True)
        return 0


def login_failed(username: str, ip: str) -> None:
    key = _key(username, ip)
    try:
        with _client(os.getpid(), settings.REDIS_URL).pipeline() as pipe:
            # The window starts at the first failure (SET NX; INCR keeps the expiry).
            pipe.set(key, 0, ex=settings.KEEPFLOW_LOGIN_WINDOW_SECONDS, nx=True)
            pipe.incr(key)
            failures = pipe.execute()[1]
            if failures >= settings.KEEPFLOW_LOGIN_MAX_FAILURES:  # the lock-out starts now
                pipe.expire(key, settings.KEEPFLOW_LOGIN_LOCKOUT_SECONDS).execute()
    except redis.RedisError:
        log.warning("sign-in throttling unavailable (Redis)", exc_info=True)


def login_succeeded(username: str, ip: str) -> None:
    try:
        _client(os.getpid(), settings.REDIS_URL).delete(_key(username, ip))
    except redis.RedisError:
        log.warning("sign-in throttling unavailable (Redis)", exc_info=True)


class ThrottledLoginMixin:
    """For Django's authentication forms: refuse a locked pair before the password is
    checked, count a failure, forget the failures on success."""

    request: Any
    cleaned_data: dict[str, Any]

    def clean(self) -> dict[str, Any]:
        username = self.cleaned_data.get("username") or ""
        ip = (self.request.META.get("REMOTE_ADDR") or "") if self.request else ""
        wait = login_locked_seconds(username, ip) if username else 0
        if wait:
            minutes = math.ceil(wait / 60)
            raise forms.ValidationError(ngettext(
                "Too many failed sign-ins. Try again in %(minutes)d minute.",
                "Too many failed sign-ins. Try again in %(minutes)d minutes.", minutes,
            ) % {"minutes": minutes}, code="throttled")
        try:
            cleaned = super().clean()  # type: ignore[misc]
        except forms.ValidationError:
            if username:
                login_failed(username, ip)
            raise
        login_succeeded(username, ip)
        return cleaned


class ThrottledAuthenticationForm(ThrottledLoginMixin, AuthenticationForm):
    """The sign-in page's form (/login/)."""


class ThrottledAdminAuthenticationForm(ThrottledLoginMixin, AdminAuthenticationForm):
    """The Django admin's sign-in form (/admin/login/)."""
