"""Shared fixtures: people with roles, API keys with scopes, and clients for both."""

from collections.abc import Callable

import pytest
from django.core.cache import cache
from django.utils import translation
from rest_framework.test import APIClient

from apps.accounts.key_cache import api_key_local_clear
from apps.accounts.models import User
from apps.accounts.services import api_key_create


@pytest.fixture(autouse=True)
def _english_after_each_test():
    """A request in German leaves German active in the thread (LocaleMiddleware activates,
    nothing deactivates): each test starts in the default language."""
    yield
    translation.activate("en")


@pytest.fixture(autouse=True)
def _empty_cache_after_each_test():
    """Counts kept for minutes (e.g. the workflow audience's languages, which validation
    reads) must not carry one test's customers into the next test's answers."""
    yield
    cache.clear()
    api_key_local_clear()


@pytest.fixture
def make_user(db) -> Callable[..., User]:
    counter = iter(range(1_000_000))

    def make(role: str = "viewer", username: str | None = None) -> User:
        name = username or f"{role}{next(counter)}"
        return User.objects.create_user(username=name, password="pw-" + name, role=role)

    return make


@pytest.fixture
def client_as(make_user) -> Callable[[str], APIClient]:
    """A client signed in (session) as a new user with this role."""

    def make(role: str) -> APIClient:
        client = APIClient()
        client.force_login(make_user(role))
        return client

    return make


@pytest.fixture
def key_client(db) -> Callable[..., APIClient]:
    """A client that sends `Authorization: Bearer <key>` for a new key with these scopes."""

    def make(*scopes: str) -> APIClient:
        _, raw = api_key_create(name="test", scopes=list(scopes))
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
        return client

    return make
