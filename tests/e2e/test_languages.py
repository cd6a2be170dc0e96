"""Building and publishing a workflow in German and in Russian: a publisher who chose the
language passes the dashboard, the workflows list and its starter gallery, the customers,
a customer's page and the tasks inbox, builds trigger → SMS on the canvas, opens every
drawer, tries a dry run and publishes, and no screen shows an English word that has a
translation. Driven in headless Chromium by languages_scenario.cjs.

The check covers the whole page: every visible text and every title, aria-label,
placeholder and alt is compared with the English texts of the front end's catalog
(frontend/src/i18n/en) and of the server's (locale/<lang>/LC_MESSAGES/*.po msgids), whole
or, for texts with {{placeholders}}, as a pattern. Words that rightly read the same in
both languages are allowed by a short list per language (SAME_WORDS in catalog.cjs)."""

import datetime as dt

import pytest
from django.utils import timezone

from apps.customers.models import Customer
from apps.tasks.services import task_create
from apps.workflows.models import Workflow, WorkflowState
from apps.workflows.services import workflow_create
from tests.e2e.test_canvas import scenario_run


def leftovers_words(leftovers: list[dict]) -> str:
    """One line per English text left: the text, its catalog key, where it sits (how: text
    or the attribute) and the screens it was on."""
    screens: dict[tuple[str, str, str, str], list[str]] = {}
    for item in leftovers:
        where = (item["text"], item["key"], item["how"], item["where"])
        screens.setdefault(where, []).append(item["screen"])
    return "\n".join(f"  “{text}” ({key}; {how}, {where}) on {', '.join(names)}"
                     for (text, key, how, where), names in screens.items())


@pytest.mark.django_db(transaction=True)
def test_the_canvas_speaks_german_and_russian(browser_ready, live_server, make_user, tmp_path):
    # Given a publisher, a customer to preview the SMS with (and a call-back task for her in
    # the inbox), and one empty workflow per language
    publisher = make_user("publisher")
    ada = Customer.objects.create(external_id="c-1", first_name="Ada", phone="+4915112345678",
                                  consent={"sms": {"status": "granted", "source": "test"}})
    task_create(customer=ada, kind="call_back", queue="retention", title="Ada zurückrufen",
                notes="", due_at=timezone.now() + dt.timedelta(days=1), business_hours=False,
                priority="normal", idempotency_key="languages-1")
    german, _ = workflow_create(name="Entschuldigung", user=publisher)
    russian, _ = workflow_create(name="Извинение", user=publisher)

    # When they pass the pages on the way, then build trigger → SMS and publish it on the
    # canvas, in German and in Russian
    seen = scenario_run(browser_ready, live_server, tmp_path, script="languages_scenario.cjs",
                        extra={"WORKFLOWS": f'{{"de": {german.pk}, "ru": {russian.pk}}}',
                               "CUSTOMER": "c-1", "TASK": "Ada zurückrufen"},
                        publisher=publisher.username)

    # Then the page was in the chosen language, and both workflows were published from it
    assert seen["lang"] == {"de": "de", "ru": "ru"}
    assert seen["states"] == {"de": "veröffentlicht", "ru": "опубликован"}
    assert "1 SMS-Segment" in seen["sms_size_de"]
    assert "1 SMS-сегмент" in seen["sms_size_ru"]
    # the editor's toolbar stays one line at 1280 px in both, Publish in view (the name and
    # the note beside it may shorten to an ellipsis, as in English)
    for language in ("de", "ru"):
        toolbar = seen[f"toolbar_{language}"]
        assert toolbar["height"] < 48 and not toolbar["overflowing"], (language, toolbar)
        assert toolbar["publishVisible"], (language, toolbar)
    # the empty workflow's problem was listed in the language
    assert "Probleme (1)" in seen["problems_de"], seen["problems_de"]
    assert "Проблемы (1)" in seen["problems_ru"], seen["problems_ru"]
    # the dry run told its story in the language: the outcome, the steps, what it would do
    assert "Ergebnis: abgeschlossen" in seen["dry_run_de"], seen["dry_run_de"]
    assert "hat den Durchlauf gestartet" in seen["dry_run_de"], seen["dry_run_de"]
    assert "Итог: завершён" in seen["dry_run_ru"], seen["dry_run_ru"]
    assert seen["saved_de"].startswith("Revision") and seen["saved_ru"].startswith("Ревизия")
    for workflow in (german, russian):
        workflow.refresh_from_db()
        assert workflow.state == WorkflowState.PUBLISHED
        types = {n["type"] for n in workflow.published_version.graph["nodes"]}
        assert types == {"trigger.event", "action.send_sms"}
    assert Workflow.objects.get(pk=german.pk).published_version.note == "Erste Version"
    # and no screen showed an English text that has a translation: neither the front end's
    # words nor the server's (block titles, field labels, version diffs), on any page
    assert seen["leftovers"] == [], "English words left:\n" + leftovers_words(seen["leftovers"])
    assert len(seen["screens"]) == 2 * 20
    assert seen["page_errors"] == []
