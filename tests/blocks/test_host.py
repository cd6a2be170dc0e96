"""The host surface blocks ask instead of importing the apps (blocks/host.py)."""

from __future__ import annotations

import pytest

from apps.workflows.block_host import KeepflowBlockHost
from blocks import host as host_module
from blocks.host import block_host, block_host_install, template_errors


def test_the_workflows_app_installs_keepflows_host():
    assert isinstance(block_host(), KeepflowBlockHost)


@pytest.mark.parametrize(("method", "argument", "expected"), [
    pytest.param("locale_normalize", "de_at", "de-AT", id="locale"),
    pytest.param("sms_size", "Hallo", {"length": 5, "characters": 5, "encoding": "GSM-7",
                                       "segments": 1}, id="sms"),
    pytest.param("condition_issues", {"all": []}, [], id="valid-condition"),
])
def test_host_answers(method, argument, expected):
    assert getattr(block_host(), method)(argument) == expected


def test_condition_issues_name_the_path():
    issues = block_host().condition_issues(
        {"all": [{"field": "customer.tier", "op": "bogus", "value": 1}]})
    assert [issue["path"] for issue in issues] == ["all.0.op"]


def test_template_errors_leave_unknown_variables_to_graph_validation():
    assert template_errors("{{ customer.nope }}") == []
    assert [issue["code"] for issue in template_errors("{% if %}")] == ["template_syntax"]


def test_without_a_host_blocks_say_what_is_missing(monkeypatch):
    monkeypatch.setattr(host_module, "_HOST", [])
    with pytest.raises(RuntimeError, match="no block host installed"):
        block_host()


def test_installing_replaces_the_host(monkeypatch):
    monkeypatch.setattr(host_module, "_HOST", [])
    replacement = KeepflowBlockHost()
    block_host_install(replacement)
    assert block_host() is replacement
