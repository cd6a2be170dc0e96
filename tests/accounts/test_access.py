"""Roles and scopes are enforced on the endpoints, and docs/access.md tells the truth."""

import subprocess
import sys
from pathlib import Path

import pytest

from apps.accounts.management.commands.access_table import access_table_markdown
from apps.customers.models import Customer

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.django_db

EVENT = {"customer_id": "c-1", "type": "purchase"}


@pytest.mark.parametrize(
    ("role", "read", "write_customer", "post_event", "erase"),
    [
        pytest.param("viewer", 200, 403, 403, 403, id="viewer"),
        pytest.param("composer", 200, 201, 202, 403, id="composer"),
        pytest.param("publisher", 200, 201, 202, 403, id="publisher"),
        pytest.param("admin", 200, 201, 202, 204, id="admin"),
    ],
)
def test_roles(client_as, role, read, write_customer, post_event, erase):
    Customer.objects.create(external_id="victim")
    client = client_as(role)

    assert client.get("/api/v1/customers").status_code == read
    assert client.put("/api/v1/customers/new-1", {"first_name": "A"},
                      format="json").status_code == write_customer
    assert client.post("/api/v1/events", EVENT, format="json").status_code == post_event
    assert client.delete("/api/v1/customers/victim").status_code == erase


@pytest.mark.parametrize(
    ("scopes", "read", "post_event", "keys"),
    [
        pytest.param(["read"], 200, 403, 403, id="read"),
        pytest.param(["events:write"], 403, 202, 403, id="events-write"),
        pytest.param(["runs:write"], 403, 403, 403, id="runs-write"),
        pytest.param(["workflows:write"], 403, 403, 403, id="workflows-write"),
        pytest.param(["admin"], 200, 202, 200, id="admin"),
    ],
)
def test_scopes(key_client, scopes, read, post_event, keys):
    client = key_client(*scopes)

    assert client.get("/api/v1/customers").status_code == read
    assert client.post("/api/v1/events", EVENT, format="json").status_code == post_event
    assert client.get("/api/v1/api-keys").status_code == keys


def test_session_writes_need_csrf(make_user):
    from rest_framework.test import APIClient

    client = APIClient(enforce_csrf_checks=True)
    client.force_login(make_user("admin"))
    response = client.post("/api/v1/events", EVENT, format="json")
    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]


@pytest.mark.parametrize(("role", "allowed"), [("viewer", False), ("publisher", False),
                                               ("admin", True)])
def test_django_admin_is_for_admins_only(client, make_user, role, allowed):
    client.force_login(make_user(role))
    response = client.get("/admin/customers/customer/")
    assert (response.status_code == 200) is allowed
    if not allowed:
        assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_superuser_is_an_admin(django_user_model):
    user = django_user_model.objects.create_superuser("root", password="pw")
    assert user.role == "admin" and user.is_staff


def test_docs_access_matrix_matches_code():
    assert access_table_markdown() in (ROOT / "docs" / "access.md").read_text()


def test_production_settings_refuse_the_demo_secret_key():
    env = {"DJANGO_SETTINGS_MODULE": "apps.config.settings.production",
           "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/postgres", "PATH": "/usr/bin"}
    code = "import django; django.setup()"

    refused = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env,
                             capture_output=True, text=True, timeout=60)
    accepted = subprocess.run([sys.executable, "-c", code], cwd=ROOT,
                              env={**env, "SECRET_KEY": "x" * 50},
                              capture_output=True, text=True, timeout=60)

    assert refused.returncode != 0 and "SECRET_KEY" in refused.stderr
    assert accepted.returncode == 0, accepted.stderr
