"""An exception that escapes a view: the API answers its JSON error shape with an error
id that is also in the log, never Django's HTML debug page (settings included), whether
DEBUG is on (`make run`) or off (production)."""

import logging

import pytest


@pytest.fixture
def client_raw(client, settings):
    settings.ROOT_URLCONF = "tests.common.server_error_urls"
    client.raise_request_exception = False
    return client


@pytest.mark.parametrize("debug", [True, False], ids=["debug", "production"])
@pytest.mark.parametrize(("method", "path"), [("post", "/api/v1/boom"), ("get", "/hooks/boom")])
def test_an_api_500_is_json_with_the_error_id_of_the_log(client_raw, settings, caplog, debug,
                                                         method, path):
    settings.DEBUG = debug
    with caplog.at_level(logging.ERROR):
        response = getattr(client_raw, method)(path)
    assert response.status_code == 500
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert set(body) == {"detail", "error_id", "errors"}
    assert body["errors"] == []
    assert body["error_id"] in body["detail"]
    assert f"server error {body['error_id']}: {method.upper()} {path}" in caplog.text
    assert "SECRET_KEY" not in response.content.decode()


def test_a_page_500_stays_a_page(client_raw, settings):
    settings.DEBUG = False
    response = client_raw.get("/page/boom")
    assert response.status_code == 500
    assert response["Content-Type"].startswith("text/html")
