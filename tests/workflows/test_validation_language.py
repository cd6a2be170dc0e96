# ruff: noqa: RUF001  (Cyrillic letters are Russian, not look-alikes)
"""Validation speaks the reader's language: the user's choice, else the browser's. Issues
name a block by its translated title and a field by its translated label."""

import pytest

from tests.workflows.graphs import edge, graph, node, sms, trigger

pytestmark = pytest.mark.django_db


def _validate(client, make_workflow, nodes, edges, **headers):
    workflow = make_workflow(graph(*nodes, edges=edges))
    return client.post(f"/api/v1/workflows/{workflow['id']}/validate", **headers).json()


def test_a_template_error_in_german_names_the_block_and_field_in_german(make_workflow, composer):
    body = _validate(composer, make_workflow,
                     [trigger(), sms(body="Hallo {{ customer.extrnal_id }}")],
                     [edge("t1", "a1")], HTTP_ACCEPT_LANGUAGE="de")

    assert [e["message"] for e in body["errors"]] == [
        "Block „SMS senden“, Feld „Text“: unbekannte Variable customer.extrnal_id; meinten Sie "
        "customer.external_id? (Zeile 1, Spalte 10)"]


def test_a_config_error_in_the_users_language_over_the_browsers(make_workflow, client_as):
    russian = client_as("composer")
    russian.patch("/api/v1/me", {"language": "ru"}, format="json")

    body = _validate(russian, make_workflow,
                     [trigger(), node("a1", "action.send_sms", {})], [edge("t1", "a1")],
                     HTTP_ACCEPT_LANGUAGE="de")

    assert [(e["field"], e["code"], e["message"]) for e in body["errors"]] == [
        ("config.body", "required", "Обязательное поле")]


@pytest.mark.parametrize(("language", "message"), [
    ("en", "String should have at most 1600 characters"),
    ("de", "Höchstens 1600 Zeichen"),
    ("ru", "Не больше 1600 символов"),
])
def test_pydantic_limits_read_in_each_language(make_workflow, composer, language, message):
    body = _validate(composer, make_workflow, [trigger(), sms(body="x" * 1601)],
                     [edge("t1", "a1")], HTTP_ACCEPT_LANGUAGE=language)

    assert [e["message"] for e in body["errors"] if e["field"] == "config.body"] == [message]


@pytest.mark.parametrize(("language", "message"), [
    ("en", "write a duration like 30m, 2h, 3d, 1w or 1d12h"),
    ("de", "Geben Sie eine Dauer wie 30m, 2h, 3d, 1w oder 1d12h an"),
    ("ru", "укажите длительность, например 30m, 2h, 3d, 1w или 1d12h"),
])
def test_a_block_fields_own_hint_reads_in_each_language(make_workflow, composer, language,
                                                        message):
    body = _validate(composer, make_workflow,
                     [trigger(), node("w1", "flow.wait", {"mode": "duration",
                                                          "duration": "2 days"})],
                     [edge("t1", "w1")], HTTP_ACCEPT_LANGUAGE=language)

    messages = [e["message"] for e in body["errors"] if e["field"] == "config.duration"]
    assert len(messages) == 1 and messages[0].endswith(message), messages


def test_a_blocks_own_rule_reads_in_german(make_workflow, composer):
    body = _validate(composer, make_workflow,
                     [trigger(), node("o1", "action.offer", {"kind": "percent", "value": 150})],
                     [edge("t1", "o1")], HTTP_ACCEPT_LANGUAGE="de")

    messages = [e["message"] for e in body["errors"] if e["field"] == "config.value"]
    assert len(messages) == 1 and messages[0].endswith(
        "ein Prozentrabatt beträgt höchstens 100"), messages
