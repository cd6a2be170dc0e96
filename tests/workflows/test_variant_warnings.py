"""Validation warns (never blocks) when a message block has no variant for a language
some of the workflow's customers speak, naming the block, the languages and the count."""

from dataclasses import replace
from typing import Any

import pytest
from django.core.cache import cache

from apps.customers.models import Customer
from apps.customers.segments import segment_create
from apps.workflows.library import audience_segments, library_for
from apps.workflows.validation import graph_validate
from tests.workflows.graphs import SMS, edge, graph, node, trigger
from tests.workflows.test_validation import LIBRARY


def sms_with(variants: dict[str, Any] | None = None, label: str = "Apology SMS"
             ) -> dict[str, Any]:
    config = {**SMS, **({"variants": variants} if variants else {})}
    return graph(trigger(), node("a1", "action.send_sms", config, label=label),
                 edges=[edge("t1", "a1")])


def warnings_of(workflow: dict[str, Any], counts: dict[str, int]) -> list[dict[str, Any]]:
    library = replace(LIBRARY, customer_locales=lambda _graph: counts)
    result = graph_validate(workflow, library)
    assert result.valid, result.errors
    return [w for w in result.warnings if w["code"] == "variant_missing"]


@pytest.mark.parametrize(("variants", "counts", "expected"), [
    pytest.param(None, {"de": 40, "ru": 12, "en": 300, "": 9},
                 'block "Apology SMS" has no text in de (40), ru (12): 52 customers of this '
                 "workflow will get the default text", id="no-variants"),
    pytest.param({"de": {"body": "Entschuldigung!"}}, {"de": 40, "ru": 1},
                 'block "Apology SMS" has no text in ru (1): 1 customer of this workflow '
                 "will get the default text", id="one-missing-singular"),
    pytest.param({"de": {"body": "Entschuldigung!"}, "ru": {"body": "Извините!"}},
                 {"de": 40, "ru": 12}, None, id="all-covered"),
    pytest.param(None, {"en": 300, "": 9}, None, id="only-default-speakers"),
    pytest.param({"de-AT": {"body": "Entschuldigung!"}}, {"de": 3}, 'block "Apology SMS" has '
                 "no text in de (3): 3 customers of this workflow will get the default text",
                 id="a-regional-variant-does-not-cover-the-language"),
])
def test_missing_variant_warning(variants, counts, expected):
    found = warnings_of(sms_with(variants), counts)

    assert [w["message"] for w in found] == ([expected] if expected else [])
    assert all((w["node"], w["field"]) == ("a1", "config.variants") for w in found)


def test_an_offer_without_page_words_needs_no_variant():
    workflow = graph(trigger(), node("o1", "action.offer", {"value": 10}),
                     edges=[edge("t1", "o1")])

    assert warnings_of(workflow, {"de": 40}) == []


def test_without_locale_counts_there_is_no_check():
    assert graph_validate(sms_with(), LIBRARY).warnings == []


def test_audience_is_the_segments_of_segment_triggers_only():
    segment_trigger = node("t2", "trigger.segment", {"segment_id": 5, "on": "entered"})
    assert audience_segments(graph(segment_trigger)) == [5]
    assert audience_segments(graph(segment_trigger, trigger())) is None


@pytest.mark.django_db
def test_counts_customers_of_the_segment_by_language():
    cache.clear()
    for n, locale in enumerate(["de-AT", "de_DE", "de", "ru", "en-GB", "", "ru"]):
        Customer.objects.create(external_id=f"c{n}", locale=locale, tier="gold")
    Customer.objects.create(external_id="other", locale="fr", tier="silver")
    gold = segment_create(name="Gold", condition={
        "all": [{"field": "customer.tier", "op": "eq", "value": "gold"}]})
    workflow = graph(node("t1", "trigger.segment", {"segment_id": gold.pk, "on": "entered"}),
                     node("a1", "action.send_sms", {**SMS, "variants": {"ru": {"body": "Да"}}}),
                     edges=[edge("t1", "a1")])

    result = graph_validate(workflow, library_for(workflow))

    assert [w["message"] for w in result.warnings if w["code"] == "variant_missing"] == [
        'block "Send SMS" has no text in de (3): 3 customers of this workflow will get the '
        "default text"]
