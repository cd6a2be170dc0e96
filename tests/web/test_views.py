"""The app shell: sign-in required, the built bundle's tags, a clear page without a build."""

import json
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

BUILT_MANIFEST = Path(settings.BASE_DIR) / "static" / "app" / ".vite" / "manifest.json"


@pytest.fixture
def signed_in(make_user) -> Client:
    client = Client()
    client.force_login(make_user("viewer"))
    return client


@pytest.fixture
def static_dir(tmp_path, settings) -> Path:
    """An empty static folder in place of the real one: no build unless a test writes it."""
    settings.STATICFILES_DIRS = [tmp_path]
    return tmp_path


def write_manifest(static_dir: Path, manifest: dict) -> None:
    path = static_dir / "app" / ".vite" / "manifest.json"
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps(manifest))


@pytest.mark.parametrize(
    "path",
    ["/", "/customers", "/customers/c-1", "/events?type=purchase"],
    ids=["dashboard", "customers", "customer", "events"],
)
def test_app_shell_redirects_anonymous_visitors_to_login(db, path):
    # Given no session; when any front-end route is opened
    response = Client().get(path)
    # then the visitor is sent to the login page, coming back here afterwards
    assert response.status_code == 302
    assert response["Location"].startswith("/login/?next=/")


def test_app_shell_includes_the_built_bundle(signed_in):
    # Given the front end built by `make test` (scripts/build-frontend.sh)
    assert BUILT_MANIFEST.exists(), "front end not built: run make frontend"
    entry = json.loads(BUILT_MANIFEST.read_text())["src/main.tsx"]
    # when a signed-in user opens a deep link
    response = signed_in.get("/customers/c-1")
    # then the page loads the hashed script and stylesheet from the manifest
    html = response.content.decode()
    assert response.status_code == 200
    assert f'<script type="module" src="/static/app/{entry["file"]}"></script>' in html
    for css in entry["css"]:
        assert f'<link rel="stylesheet" href="/static/app/{css}">' in html
    assert '<div id="root"' in html
    assert "csrftoken" in response.cookies


def test_app_shell_lists_css_and_preloads_of_imported_chunks(signed_in, static_dir):
    # Given a manifest whose entry imports a shared chunk with its own CSS (twice over)
    write_manifest(static_dir, {
        "src/main.tsx": {"file": "assets/main-1.js", "isEntry": True, "css": ["assets/main-1.css"],
                         "imports": ["_shared.js", "_flow.js"]},
        "_shared.js": {"file": "assets/shared-2.js", "css": ["assets/shared-2.css"]},
        "_flow.js": {"file": "assets/flow-3.js", "imports": ["_shared.js"]},
    })
    # when the shell renders
    html = signed_in.get("/").content.decode()
    # then every stylesheet and chunk appears once, in dependency order
    assert re.findall(r'<link rel="stylesheet" href="([^"]+)">', html) == [
        "/static/app/assets/main-1.css", "/static/app/assets/shared-2.css"]
    assert re.findall(r'<link rel="modulepreload" href="([^"]+)">', html) == [
        "/static/app/assets/shared-2.js", "/static/app/assets/flow-3.js"]
    assert '<script type="module" src="/static/app/assets/main-1.js"></script>' in html


@pytest.mark.parametrize(
    ("manifest", "extra"),
    [
        (None, ""),
        ({"src/other.tsx": {"file": "assets/other.js"}}, "src/main.tsx is not in"),
    ],
    ids=["not-built", "stale-build"],
)
def test_app_shell_without_a_usable_build_says_how_to_build(signed_in, static_dir, manifest, extra):
    # Given no build, or a build without the app's entry
    if manifest is not None:
        write_manifest(static_dir, manifest)
    # when a signed-in user opens the app
    response = signed_in.get("/")
    # then the page explains what to do instead of failing
    html = response.content.decode()
    assert response.status_code == 503
    assert "front end not built: run <code>make frontend</code>" in html
    assert extra in html
    assert "<script" not in html


def test_login_page_has_labelled_fields_and_signs_in(make_user):
    # Given a user
    make_user("viewer", username="ana")
    client = Client(enforce_csrf_checks=True)
    # when the login page is opened
    page = client.get("/login/")
    html = page.content.decode()
    # then both inputs carry labels
    assert page.status_code == 200
    assert '<label for="id_username">Username</label>' in html
    assert '<label for="id_password">Password</label>' in html
    # and posting the form with its CSRF token signs in and lands on the app
    token = page.cookies["csrftoken"].value
    response = client.post("/login/", {"username": "ana", "password": "pw-ana",
                                       "csrfmiddlewaretoken": token, "next": ""})
    assert response.status_code == 302
    assert response["Location"] == "/"


def test_login_page_shows_a_wrong_password(make_user):
    # Given a user; when the wrong password is posted
    make_user("viewer", username="ana")
    client = Client()
    response = client.post("/login/", {"username": "ana", "password": "nope"})
    # then the form comes back with the error and the app stays closed
    assert response.status_code == 200
    assert '<div class="error" role="alert">Please enter a correct username and password.' in (
        response.content.decode())
    assert client.get("/")["Location"].startswith("/login/")


def test_sign_out_ends_the_session(signed_in):
    response = signed_in.post("/logout/")
    assert response.status_code == 302
    assert response["Location"] == "/login/"
    assert signed_in.get("/")["Location"].startswith("/login/")
