"""Stored credentials: encrypted at rest, write-only through the API, admin-managed."""

import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured

from apps.integrations.crypto import SecretUnreadable, secret_decrypt, secret_encrypt
from apps.integrations.http import http_request
from apps.integrations.models import Credential

pytestmark = pytest.mark.django_db

BODY = {"name": "crm", "kind": "bearer", "secret": "tok-123456",
        "allowed_hosts": ["crm.example.com"]}


def test_admin_creates_and_nobody_reads_the_secret(client_as):
    admin = client_as("admin")

    created = admin.post("/api/v1/credentials", BODY, format="json")

    assert created.status_code == 201, created.json()
    assert "secret" not in created.json() and "tok-123456" not in created.content.decode()
    assert created.json()["has_secret"] is True
    stored = Credential.objects.get()
    assert "tok-123456" not in stored.secret_encrypted
    assert secret_decrypt(stored.secret_encrypted) == "tok-123456"
    for client in (admin, client_as("viewer")):
        for path in ("/api/v1/credentials", f"/api/v1/credentials/{stored.id}"):
            response = client.get(path)
            assert response.status_code == 200
            assert "tok-123456" not in response.content.decode()
            assert stored.secret_encrypted not in response.content.decode()


def test_patch_replaces_the_secret(client_as):
    admin = client_as("admin")
    credential_id = admin.post("/api/v1/credentials", BODY, format="json").json()["id"]

    response = admin.patch(f"/api/v1/credentials/{credential_id}", {"secret": "new-one"},
                           format="json")

    assert response.status_code == 200
    assert secret_decrypt(Credential.objects.get().secret_encrypted) == "new-one"


@pytest.mark.parametrize("role", ["viewer", "composer", "publisher"])
def test_only_admins_write(client_as, role):
    client = client_as(role)
    assert client.post("/api/v1/credentials", BODY, format="json").status_code == 403
    assert client.get("/api/v1/credentials").status_code == 200


def test_api_keys_need_the_admin_scope(key_client):
    assert key_client("workflows:write").post("/api/v1/credentials", BODY,
                                              format="json").status_code == 403
    assert key_client("admin").post("/api/v1/credentials", BODY,
                                    format="json").status_code == 201


@pytest.mark.parametrize(
    ("body", "field"),
    [
        pytest.param({"name": "x", "kind": "header", "secret": "s"}, "header_name",
                     id="header-needs-name"),
        pytest.param({"name": "x", "kind": "header", "header_name": "Host", "secret": "s"},
                     "header_name", id="forbidden-header"),
        pytest.param({"name": "x", "kind": "header", "header_name": "X Bad", "secret": "s"},
                     "header_name", id="bad-header-name"),
        pytest.param({"name": "x", "kind": "basic", "secret": "s"}, "username",
                     id="basic-needs-username"),
        pytest.param({"name": "x", "kind": "bearer", "secret": "a\r\nX-Evil: 1"}, "secret",
                     id="header-injection"),
        pytest.param({"name": "x", "kind": "bearer"}, "secret", id="secret-required"),
        pytest.param({"name": "x", "kind": "oauth", "secret": "s"}, "kind", id="bad-kind"),
        pytest.param({"name": "x", "kind": "bearer", "secret": "s", "allowed_hosts": None},
                     "allowed_hosts", id="hosts-required"),
        pytest.param({"name": "x", "kind": "bearer", "secret": "s", "allowed_hosts": []},
                     "allowed_hosts", id="hosts-not-empty"),
        pytest.param({"name": "x", "kind": "bearer", "secret": "s", "allowed_hosts": ["*.com"]},
                     "allowed_hosts.0", id="wildcard-tld"),
        pytest.param({"name": "x", "kind": "bearer", "secret": "s",
                      "allowed_hosts": ["https://crm.example.com/"]}, "allowed_hosts.0",
                     id="url-as-host"),
        pytest.param({"name": "x", "kind": "bearer", "secret": "s", "allowed_methods": ["TRACE"]},
                     "allowed_methods.0", id="bad-method"),
        pytest.param({"name": "x", "kind": "bearer", "secret": "s", "allowed_methods": []},
                     "allowed_methods", id="no-method"),
        pytest.param({"name": "x", "kind": "bearer", "secret": "s", "shared_roles": ["owner"]},
                     "shared_roles.0", id="bad-role"),
        pytest.param({"name": "x", "kind": "bearer", "secret": "s",
                      "shared_scopes": ["workflows"]}, "shared_scopes.0", id="bad-scope"),
    ],
)
def test_bad_input_names_the_field(client_as, body, field):
    body = {key: value for key, value in {"allowed_hosts": ["crm.example.com"], **body}.items()
            if value is not None}
    response = client_as("admin").post("/api/v1/credentials", body, format="json")
    assert response.status_code == 400
    assert [error["field"] for error in response.json()["errors"]] == [field]


def test_binding_is_stored_and_shown(client_as):
    admin = client_as("admin")

    created = admin.post("/api/v1/credentials", {
        **BODY, "allowed_hosts": ["CRM.example.com.", "*.helpdesk.example"],
        "allowed_methods": ["POST", "POST"], "shared_roles": ["publisher"],
        "shared_scopes": ["workflows:write"]}, format="json")

    assert created.status_code == 201, created.json()
    body = created.json()
    assert {key: body[key] for key in ("allowed_hosts", "allowed_methods", "shared_roles",
                                       "shared_scopes", "usable", "problem")} == {
        "allowed_hosts": ["crm.example.com", "*.helpdesk.example"], "allowed_methods": ["POST"],
        "shared_roles": ["publisher"], "shared_scopes": ["workflows:write"], "usable": True,
        "problem": ""}


def test_an_unbound_credential_says_it_is_unusable(client_as):
    """Credentials stored before hosts existed have none: the API says they are unusable
    until an admin binds them, and a PATCH binds them."""
    credential = Credential.objects.create(name="old", kind="bearer",
                                           secret_encrypted=secret_encrypt("x"))
    admin = client_as("admin")

    listed = admin.get(f"/api/v1/credentials/{credential.id}").json()
    assert (listed["usable"], listed["allowed_hosts"]) == (False, [])
    assert listed["problem"].startswith("Not bound to any host")

    patched = admin.patch(f"/api/v1/credentials/{credential.id}",
                          {"allowed_hosts": ["crm.example.com"]}, format="json")
    assert patched.status_code == 200, patched.json()
    assert (patched.json()["usable"], patched.json()["allowed_methods"]) == (
        True, ["GET", "POST", "PUT", "PATCH", "DELETE"])


def test_duplicate_name_is_a_400(client_as):
    admin = client_as("admin")
    admin.post("/api/v1/credentials", BODY, format="json")
    response = admin.post("/api/v1/credentials", BODY, format="json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "name"


def test_delete(client_as):
    admin = client_as("admin")
    credential_id = admin.post("/api/v1/credentials", BODY, format="json").json()["id"]
    assert admin.delete(f"/api/v1/credentials/{credential_id}").status_code == 204
    assert not Credential.objects.exists()


def test_key_rotation(settings):
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.KEEPFLOW_ENCRYPTION_KEY = old
    token = secret_encrypt("s3cret")

    settings.KEEPFLOW_ENCRYPTION_KEY = f"{new},{old}"
    assert secret_decrypt(token) == "s3cret"
    settings.KEEPFLOW_ENCRYPTION_KEY = new
    with pytest.raises(SecretUnreadable):
        secret_decrypt(token)


def test_unreadable_secret_is_an_error_not_a_crash(settings):
    settings.KEEPFLOW_ENCRYPTION_KEY = Fernet.generate_key().decode()
    credential = Credential.objects.create(name="crm", kind="bearer",
                                           secret_encrypted=secret_encrypt("x"),
                                           allowed_hosts=["crm.example.com"])
    settings.KEEPFLOW_ENCRYPTION_KEY = Fernet.generate_key().decode()

    result = http_request(method="GET", url="https://crm.example.com/", headers={}, json=None,
                          credential_id=credential.id, timeout_seconds=1,
                          idempotency_key="k")

    assert result["status"] == 0 and "enter its secret again" in result["error"]


def test_production_refuses_without_a_key(settings):
    settings.KEEPFLOW_ENCRYPTION_KEY = ""
    settings.KEEPFLOW_ENCRYPTION_KEY_REQUIRED = True
    with pytest.raises(ImproperlyConfigured, match="KEEPFLOW_ENCRYPTION_KEY"):
        secret_encrypt("x")


def test_malformed_key_is_a_configuration_error(settings):
    settings.KEEPFLOW_ENCRYPTION_KEY = "not-a-fernet-key"
    with pytest.raises(ImproperlyConfigured, match="32 url-safe base64"):
        secret_encrypt("x")
