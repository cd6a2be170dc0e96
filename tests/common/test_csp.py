"""The Content-Security-Policy header (issue 24: there was none): on every page and
answer, strict for scripts everywhere but the canvas page, whose block forms need eval
(ajv); the canvas itself is checked in Chromium by tests/e2e (no CSP violation)."""

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db

STRICT_SCRIPTS = "script-src 'self'"
ALWAYS = ["default-src 'self'", "object-src 'none'", "base-uri 'self'",
          "frame-ancestors 'none'", "form-action 'self'"]


def directives(response) -> list[str]:
    return [d.strip() for d in response["Content-Security-Policy"].split(";")]


@pytest.mark.parametrize("url", ["/login/", "/admin/login/", "/api/docs/", "/api/v1/events",
                                 "/healthz", "/api/schema/", "/no-such-page/../x"])
def test_every_answer_has_the_policy_without_inline_scripts_or_eval(url):
    response = Client().get(url)

    policy = directives(response)
    assert STRICT_SCRIPTS in policy
    assert all(d in policy for d in ALWAYS)
    assert "unsafe-inline" not in " ".join(d for d in policy if d.startswith("script-src"))


def test_the_canvas_page_may_eval_but_not_run_inline_scripts(client_as):
    response = client_as("composer").get("/workflows/1")

    policy = directives(response)
    assert "script-src 'self' 'unsafe-eval'" in policy
    assert STRICT_SCRIPTS not in policy and all(d in policy for d in ALWAYS)
    assert len([d for d in policy if d.startswith("script-src")]) == 1


def test_the_api_docs_page_runs_no_inline_script():
    """Swagger UI's start-up script comes from a URL of its own (the split view)."""
    page = Client().get("/api/docs/").content.decode()

    assert "<script>" not in page
    assert Client().get("/api/docs/?script=").status_code == 200


def test_report_only_mode(settings):
    settings.KEEPFLOW_CSP_REPORT_ONLY = True

    response = Client().get("/login/")

    assert "Content-Security-Policy" not in response
    assert STRICT_SCRIPTS in response["Content-Security-Policy-Report-Only"]
