"""The language Keepflow speaks to a person: their own choice (User.language, set with
PATCH /api/v1/me), else the browser's Accept-Language, else English."""

import pytest

pytestmark = pytest.mark.django_db


def test_me_has_no_language_until_the_user_chooses_one(client_as):
    body = client_as("viewer").get("/api/v1/me").json()

    assert body["language"] == ""


@pytest.mark.parametrize("language", ["de", "ru", "en", ""])
def test_any_role_sets_its_own_language(client_as, language):
    client = client_as("viewer")

    response = client.patch("/api/v1/me", {"language": language}, format="json")

    assert response.status_code == 200, response.content
    assert response.json()["language"] == language
    assert client.get("/api/v1/me").json()["language"] == language


def test_an_unknown_language_is_refused_naming_the_field(client_as):
    response = client_as("viewer").patch("/api/v1/me", {"language": "fr"}, format="json")

    assert response.status_code == 400
    assert [error["field"] for error in response.json()["errors"]] == ["language"]


def test_an_api_key_has_no_language_to_set(key_client):
    response = key_client("read").patch("/api/v1/me", {"language": "de"}, format="json")

    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "language"


@pytest.mark.parametrize(("accept", "expected"), [
    ("de-DE,de;q=0.9", "de"),
    ("ru", "ru"),
    ("fr-FR", "en"),
    ("", "en"),
])
def test_without_a_choice_the_browser_language_answers(client_as, accept, expected):
    response = client_as("viewer").get("/api/v1/me", HTTP_ACCEPT_LANGUAGE=accept)

    assert response["Content-Language"] == expected


def test_the_users_choice_wins_over_the_browser(client_as):
    client = client_as("viewer")
    client.patch("/api/v1/me", {"language": "ru"}, format="json")

    response = client.get("/api/v1/me", HTTP_ACCEPT_LANGUAGE="de")

    assert response["Content-Language"] == "ru"


def test_an_error_is_answered_in_the_users_language(client_as):
    client = client_as("viewer")
    client.patch("/api/v1/me", {"language": "de"}, format="json")

    response = client.patch("/api/v1/me", {"language": "fr"}, format="json")

    assert response.json()["errors"][0]["message"] == "\"fr\" ist keine gültige Option."
