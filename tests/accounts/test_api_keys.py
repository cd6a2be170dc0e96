import io
import time
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone
from rest_framework.test import APIClient

from apps.accounts import key_cache
from apps.accounts.models import ApiKey
from apps.accounts.services import api_key_by_hash, api_key_create, api_key_hash

pytestmark = pytest.mark.django_db


def bearer(raw: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return client


def test_create_api_key_command_prints_a_working_key_stored_only_as_hash():
    out, err = io.StringIO(), io.StringIO()

    call_command("create_api_key", "--name", "survey", "--scopes", "events:write,read",
                 stdout=out, stderr=err)

    raw = out.getvalue().strip()
    key = ApiKey.objects.get(name="survey")
    assert raw.startswith(f"kf_{key.prefix}_")
    assert key.key_hash == api_key_hash(raw) != raw
    assert key.scopes == ["events:write", "read"]
    assert bearer(raw).get("/api/v1/customers").status_code == 200
    assert "events:write" in err.getvalue()


def test_create_api_key_command_refuses_unknown_scope():
    with pytest.raises(CommandError, match=r"unknown scope.*everything"):
        call_command("create_api_key", "--name", "x", "--scopes", "everything",
                     stdout=io.StringIO(), stderr=io.StringIO())
    assert not ApiKey.objects.exists()


def test_admin_creates_key_by_api_and_the_secret_is_shown_once(client_as):
    admin = client_as("admin")

    created = admin.post("/api/v1/api-keys", {"name": "crm", "scopes": ["read"]}, format="json")

    assert created.status_code == 201
    raw = created.json()["key"]
    listed = admin.get("/api/v1/api-keys").json()["results"]
    assert [k["name"] for k in listed] == ["crm"]
    assert "key" not in listed[0] and "key_hash" not in listed[0]
    assert raw not in admin.get(f"/api/v1/api-keys/{created.json()['id']}").content.decode()
    assert bearer(raw).get("/api/v1/events").status_code == 200


@pytest.mark.parametrize("role", ["viewer", "composer", "publisher"])
def test_only_admins_manage_keys(client_as, role):
    client = client_as(role)
    assert client.get("/api/v1/api-keys").status_code == 403
    assert client.post("/api/v1/api-keys", {"name": "x", "scopes": ["read"]},
                       format="json").status_code == 403


def test_key_creation_names_the_bad_field(client_as):
    response = client_as("admin").post("/api/v1/api-keys", {"name": "x", "scopes": ["root"]},
                                       format="json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "scopes.0"


@pytest.mark.parametrize("how", ["revoke", "delete"])
def test_revoked_key_is_refused_at_once(client_as, how):
    key, raw = api_key_create(name="old", scopes=["read"])
    admin = client_as("admin")
    assert bearer(raw).get("/api/v1/customers").status_code == 200

    if how == "revoke":
        assert admin.post(f"/api/v1/api-keys/{key.pk}/revoke").status_code == 200
    else:
        assert admin.delete(f"/api/v1/api-keys/{key.pk}").status_code == 204

    response = bearer(raw).get("/api/v1/customers")
    assert response.status_code == 401
    assert ApiKey.objects.get(pk=key.pk).revoked_at is not None


def test_expired_key_is_refused():
    _, raw = api_key_create(name="tmp", scopes=["read"],
                            expires_at=timezone.now() - timedelta(seconds=1))
    assert bearer(raw).get("/api/v1/customers").status_code == 401


def test_use_is_recorded():
    key, raw = api_key_create(name="k", scopes=["read"])
    bearer(raw).get("/api/v1/customers")
    key.refresh_from_db()
    assert key.last_used_at is not None


@pytest.mark.parametrize(
    ("header", "status"),
    [
        pytest.param("", 401, id="no-header"),
        pytest.param("Bearer", 401, id="no-key"),
        pytest.param("Bearer kf_nope_nope", 401, id="unknown-key"),
        pytest.param("Bearer a b", 401, id="spaces"),
    ],
)
def test_bad_credentials_get_401(header, status):
    client = APIClient()
    if header:
        client.credentials(HTTP_AUTHORIZATION=header)
    response = client.get("/api/v1/customers")
    assert response.status_code == status
    assert response.json()["detail"]


def test_fast_lookup_returns_the_same_key_as_the_orm():
    key, raw = api_key_create(name="lean", scopes=["read", "events:write"],
                              expires_at=timezone.now() + timedelta(days=3))

    found = api_key_by_hash(api_key_hash(raw))

    stored = ApiKey.objects.get(pk=key.pk)
    fields = [f.attname for f in ApiKey._meta.concrete_fields]
    assert {f: getattr(found, f) for f in fields} == {f: getattr(stored, f) for f in fields}
    assert api_key_by_hash(api_key_hash(raw + "x")) is None


def test_a_key_in_use_is_read_from_the_cache_not_the_database(
    django_assert_num_queries, settings
):
    """Issue 17: the key lookup was a sixth of a single-event POST's web CPU."""
    from apps.accounts.services import api_key_authenticate

    key, raw = api_key_create(name="cached", scopes=["events:write"])
    api_key_authenticate(raw)  # found in the database, marked used, cached

    with django_assert_num_queries(0):
        found = api_key_authenticate(raw)
    assert (found.pk, found.scopes, found.last_used_at is not None) == \
        (key.pk, ["events:write"], True)

    settings.KEEPFLOW_API_KEY_CACHE_SECONDS = 0  # off: the database answers each time
    with django_assert_num_queries(1):
        api_key_authenticate(raw)


@pytest.mark.parametrize("how", ["revoke", "delete"])
def test_a_key_kept_in_this_process_is_refused_at_once_after_a_revoke_here(client_as, how):
    key, raw = api_key_create(name="kept", scopes=["read"])
    admin = client_as("admin")
    for _ in range(2):  # the database, then Redis: now kept in this process
        assert bearer(raw).get("/api/v1/customers").status_code == 200
    assert key_cache._local.get(key.key_hash) is not None

    if how == "revoke":
        assert admin.post(f"/api/v1/api-keys/{key.pk}/revoke").status_code == 200
    else:
        assert admin.delete(f"/api/v1/api-keys/{key.pk}").status_code == 204

    assert bearer(raw).get("/api/v1/customers").status_code == 401


def test_a_revoke_in_another_process_holds_here_once_the_kept_copy_expires(
    monkeypatch, settings
):
    """Another web process changes Redis and the database, not this process's memory:
    the copy kept here answers for at most KEEPFLOW_API_KEY_LOCAL_SECONDS."""
    settings.KEEPFLOW_API_KEY_LOCAL_SECONDS = 1.0
    key, raw = api_key_create(name="elsewhere", scopes=["read"])
    for _ in range(2):
        assert bearer(raw).get("/api/v1/customers").status_code == 200
    revoked = ApiKey.objects.get(pk=key.pk)
    revoked.revoked_at = timezone.now()
    revoked.save(update_fields=["revoked_at"])
    key_cache.api_key_cache_put(revoked, replace=True)  # what the other process writes...
    key_cache._local[key.key_hash] = (time.monotonic() + 1.0, key)  # ...not here

    assert bearer(raw).get("/api/v1/customers").status_code == 200  # within the second
    now = time.monotonic()
    monkeypatch.setattr(key_cache.time, "monotonic", lambda: now + 1.01)
    assert bearer(raw).get("/api/v1/customers").status_code == 401


def test_no_copy_is_kept_when_the_local_time_is_zero(settings):
    settings.KEEPFLOW_API_KEY_LOCAL_SECONDS = 0
    key, raw = api_key_create(name="unkept", scopes=["read"])
    for _ in range(3):
        assert bearer(raw).get("/api/v1/customers").status_code == 200
    assert key.key_hash not in key_cache._local


def test_a_read_overtaken_by_a_change_here_is_not_kept(monkeypatch):
    """A request that fetched the key from Redis just before a revoke in this process
    must not keep the old state afterwards."""
    from apps.accounts.services import api_key_authenticate

    key, raw = api_key_create(name="raced", scopes=["read"])
    api_key_authenticate(raw)  # cached in Redis
    real = key_cache.redis_client

    class RevokedMeanwhile:
        def __init__(self, url: str) -> None:
            self.client = real(url)

        def get(self, name: str) -> bytes | None:
            value = self.client.get(name)
            key_cache.api_key_cache_drop(key.key_hash)  # a revoke here, mid-read
            return value

    monkeypatch.setattr(key_cache, "redis_client", RevokedMeanwhile)
    assert key_cache.api_key_cached(key.key_hash) is not None  # this request's answer
    assert key.key_hash not in key_cache._local  # not kept for the next one
