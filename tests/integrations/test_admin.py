"""The Django admin pages of tasks, offers, credentials and allowed hosts (admins only)."""

import pytest

from apps.integrations.crypto import secret_decrypt
from apps.integrations.models import AllowedHost, Credential

pytestmark = pytest.mark.django_db

PAGES = ["/admin/tasks/task/", "/admin/tasks/taskqueue/", "/admin/tasks/taskqueue/add/",
         "/admin/offers/offer/", "/admin/integrations/credential/",
         "/admin/integrations/credential/add/", "/admin/integrations/allowedhost/",
         "/admin/integrations/allowedhost/add/"]


@pytest.mark.parametrize("path", PAGES)
def test_admin_pages_render(client, make_user, path):
    client.force_login(make_user("admin"))
    assert client.get(path).status_code == 200


FORM = {"name": "crm", "kind": "bearer", "header_name": "", "username": "", "secret": "tok-abc",
        "allowed_hosts": '["crm.example.com"]', "allowed_methods": '["GET", "POST"]',
        "shared_roles": "[]", "shared_scopes": "[]"}


def test_admin_stores_the_secret_encrypted_and_never_shows_it(client, make_user):
    client.force_login(make_user("admin"))

    response = client.post("/admin/integrations/credential/add/", FORM)

    assert response.status_code == 302
    credential = Credential.objects.get()
    assert secret_decrypt(credential.secret_encrypted) == "tok-abc"
    page = client.get(f"/admin/integrations/credential/{credential.id}/change/")
    assert b"tok-abc" not in page.content
    assert credential.secret_encrypted.encode() not in page.content
    # saving without a secret keeps the stored one
    client.post(f"/admin/integrations/credential/{credential.id}/change/",
                {**FORM, "name": "crm2", "secret": ""})
    credential.refresh_from_db()
    assert credential.name == "crm2" and secret_decrypt(credential.secret_encrypted) == "tok-abc"
    assert (credential.allowed_hosts, credential.allowed_methods) == (["crm.example.com"],
                                                                     ["GET", "POST"])


def test_admin_refuses_a_bad_host_pattern(client, make_user):
    client.force_login(make_user("admin"))
    response = client.post("/admin/integrations/credential/add/",
                           {**FORM, "allowed_hosts": '["*.com"]', "shared_roles": '["owner"]'})
    assert response.status_code == 200 and not Credential.objects.exists()
    assert b"not allowed here: *.com" in response.content
    assert b"not allowed here: owner" in response.content


def test_allowed_host_is_normalised(db):
    host = AllowedHost.objects.create(host=" [FD00::5] ", port=443)
    assert (host.host, str(host)) == ("fd00::5", "[fd00::5]:443")


def test_admin_refuses_a_url_as_host(client, make_user):
    client.force_login(make_user("admin"))
    response = client.post("/admin/integrations/allowedhost/add/",
                           {"host": "http://crm.internal/path", "port": "", "note": ""})
    assert response.status_code == 200 and not AllowedHost.objects.exists()
    assert b"a host name like crm.internal" in response.content
