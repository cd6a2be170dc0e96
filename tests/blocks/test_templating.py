"""Liquid templates: sandboxed, bounded, with positions on errors and SMS sizes."""

import datetime as dt
from decimal import Decimal

import pytest

from apps.common.templating import (
    MAX_TEMPLATE_CHARS,
    TemplateError,
    sms_segments,
    template_check,
    template_context_for,
    template_preview,
    template_render,
)
from apps.customers.models import Customer, Event

UTC = dt.UTC


@pytest.fixture
def customer(db) -> Customer:
    return Customer.objects.create(
        external_id="C-7", email="ada@example.com", first_name="Ada", last_name="Lovelace",
        timezone="Europe/Berlin", attributes={"plan": "pro", "contract_end": "2026-04-30"},
        tags=["vip"], churn_score=0.25, clv=Decimal("1250.50"), tier="gold",
    )


@pytest.fixture
def event(customer) -> Event:
    return Event.objects.create(
        customer=customer, type="feedback.submitted", properties={"score": 3},
        occurred_at=dt.datetime(2026, 3, 1, 9, 30, tzinfo=UTC),
        received_at=dt.datetime(2026, 3, 1, 9, 30, tzinfo=UTC), idempotency_key="k-1",
    )


# --- The sandbox ---------------------------------------------------------------------------

@pytest.mark.parametrize("text", [
    pytest.param("{{ customer.__class__ }}", id="class"),
    pytest.param("{{ customer._meta }}", id="model-meta"),
    pytest.param("{{ customer.__dict__ }}", id="dict"),
    pytest.param("{{ customer.first_name.__class__.__mro__ }}", id="mro-of-a-string"),
    pytest.param("{{ customer.save }}", id="model-method"),
    pytest.param("{{ customer.events }}", id="related-manager"),
    pytest.param("{{ customer.consent }}", id="fields-not-exposed"),
    pytest.param("{{ customer.attributes.keys }}", id="dict-method"),
    pytest.param("{{ customer.first_name.upper }}", id="string-method"),
    pytest.param("{{ settings.SECRET_KEY }}", id="settings"),
    pytest.param("{{ event.__init__.__globals__ }}", id="function-globals"),
    pytest.param("{{ customer['__class__'] }}", id="bracket-dunder"),
])
def test_template_text_cannot_reach_python_objects(customer, event, text):
    assert template_render(text, template_context_for(customer, event)) == ""


@pytest.mark.parametrize("text", [
    pytest.param("{% include '/etc/passwd' %}", id="include-absolute"),
    pytest.param("{% include 'apps/config/settings/base.py' %}", id="include-relative"),
    pytest.param("{% render 'x' %}", id="render"),
    pytest.param("{% render '../../etc/passwd' with customer %}", id="render-with"),
])
def test_templates_cannot_load_files(customer, text):
    issues = template_check(text)
    assert [(i["severity"], i["code"], i["line"], i["column"]) for i in issues] == [
        ("error", "template_syntax", 1, 4)]
    assert issues[0]["message"].startswith("unexpected tag '")
    with pytest.raises(TemplateError) as caught:
        template_render(text, template_context_for(customer))
    assert caught.value.code == "template_syntax"


def test_a_customer_is_only_plain_data(customer, event):
    context = template_context_for(customer, event, run={"id": 3, "workflow_name": "Win-back"},
                                   offer={"code": "SAVE-1", "link": "https://x.example/o"})
    assert context == {
        "customer": {
            "external_id": "C-7", "id": "C-7", "email": "ada@example.com", "phone": "",
            "first_name": "Ada", "last_name": "Lovelace", "name": "Ada Lovelace",
            "timezone": "Europe/Berlin", "locale": "", "tags": ["vip"],
            "attributes": {"plan": "pro", "contract_end": "2026-04-30"},
            "churn_score": 0.25, "clv": 1250.5, "tier": "gold", "p_alive": None,
            "expected_purchases_90d": None, "churn_reason": "",
            "created_at": customer.created_at.isoformat(), "last_seen_at": None,
        },
        "event": {"id": event.id, "type": "feedback.submitted", "properties": {"score": 3},
                  "occurred_at": "2026-03-01T09:30:00+00:00"},
        "run": {"id": 3, "workflow_name": "Win-back"},
        "offer": {"code": "SAVE-1", "link": "https://x.example/o"},
        "survey": {},
    }


def test_objects_passed_in_the_context_become_text():
    class Secretive:
        password = "hunter2"

        def __str__(self) -> str:
            return "secretive"

    rendered = template_render("{{ run.thing }}|{{ run.thing.password }}|{{ run.when }}",
                               {"run": {"thing": Secretive(),
                                        "when": dt.datetime(2026, 1, 2, tzinfo=UTC)}})
    assert rendered == "secretive||2026-01-02T00:00:00+00:00"


# --- Rendering -------------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "expected"), [
    pytest.param("Hi {{ customer.first_name }}", "Hi Ada", id="variable"),
    pytest.param("Hi {{ customer.nickname }}!", "Hi !", id="undefined-is-empty"),
    pytest.param("Hi {{ customer.nickname | default: 'friend' }}", "Hi friend", id="default"),
    pytest.param("{{ customer.attributes.plan | upcase }}", "PRO", id="attribute-filter"),
    pytest.param("{% if customer.tags contains 'vip' %}VIP{% endif %}", "VIP", id="contains"),
    pytest.param("{{ event.properties.score | plus: 1 }}", "4", id="event-property"),
    pytest.param("{{ customer.name | json }}", '"Ada Lovelace"', id="json-filter"),
    pytest.param('{"n": {{ customer.nickname | json }}, "r": {{ (1..2) | json }}}',
                 '{"n": null, "r": [1, 2]}', id="json-of-missing-is-null"),
    pytest.param("{{ event.occurred_at | date: '%d.%m.%Y' }}", "01.03.2026", id="date"),
    pytest.param("{% for t in customer.tags %}[{{ t }}]{% endfor %}", "[vip]", id="loop"),
])
def test_render(customer, event, text, expected):
    assert template_render(text, template_context_for(customer, event)) == expected


def test_html_mode_escapes_inserted_values_only():
    context = {"customer": {"first_name": "<script>x</script>"}}
    assert template_render("<b>{{ customer.first_name }}</b>", context, html=True) == (
        "<b>&lt;script&gt;x&lt;/script&gt;</b>")
    assert template_render("<b>{{ customer.first_name }}</b>", context) == (
        "<b><script>x</script></b>")


@pytest.mark.parametrize(("text", "code", "message"), [
    pytest.param("{% for i in (1..100000) %}x{% endfor %}", "template_render",
                 "loop iteration limit reached", id="loop-limit"),
    pytest.param("{% for i in (1..5000) %}{% for j in (1..5000) %}{% endfor %}{% endfor %}",
                 "template_render", "loop iteration limit reached", id="nested-loops"),
    pytest.param("{% assign s = 'xxxxxxxxxxxxxxxx' %}{% for i in (1..30) %}"
                 "{% assign s = s | append: s %}{% endfor %}", "template_render",
                 "local namespace limit reached", id="memory-bomb"),
    pytest.param("{% for i in (1..9000) %}" + "y" * 100 + "{% endfor %}", "template_render",
                 "output stream limit reached", id="output-limit"),
    pytest.param("x" * (MAX_TEMPLATE_CHARS + 1), "template_too_large",
                 f"a template has at most {MAX_TEMPLATE_CHARS} characters", id="size"),
])
def test_limits(text, code, message):
    with pytest.raises(TemplateError) as caught:
        template_render(text, {})
    assert (caught.value.code, caught.value.message) == (code, message)


# --- Checking ----------------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "issues"), [
    pytest.param("Hi {{ customer.first_name | default: 'there' }}", [], id="clean"),
    pytest.param("{% assign n = customer.first_name %}{{ n }}", [], id="locals-are-known"),
    pytest.param("Hi {% if customer.tier %}", [
        ("error", "template_syntax", "expected tag endif, found end of expression", 1, 4)],
        id="unclosed-block"),
    pytest.param("{% if a %}{% endif %}\n{% for x in customer.tags %}", [
        ("error", "template_syntax", "expected tag endfor, found end of expression", 2, 1)],
        id="second-block-unclosed"),
    pytest.param("ok\n  {{ customer.first_name | }}", [
        ("error", "template_syntax", "expected word, found end of expression", 2, 3)],
        id="dangling-pipe"),
    pytest.param("ab\n{% endif %}", [
        ("error", "template_syntax", "unexpected tag 'endif'", 2, 4)], id="stray-end"),
    pytest.param("{{ customer.first_name | shout }}", [
        ("error", "unknown_filter", "unknown filter 'shout'", 1, 26)], id="unknown-filter"),
    pytest.param("Hi {{ costumer.name }}\n{{ settings.SECRET_KEY }}", [
        ("error", "unknown_variable",
         "unknown variable costumer; did you mean customer.name?", 1, 7),
        ("error", "unknown_variable",
         "unknown variable settings; use one of customer, event, offer, run, survey", 2, 4)],
        id="unknown-roots"),
    pytest.param("Hello {{ customer.extrnal_id }}, {{ event.propertys.score }}", [
        ("error", "unknown_variable",
         "unknown variable customer.extrnal_id; did you mean customer.external_id?", 1, 10),
        ("error", "unknown_variable",
         "unknown variable event.propertys; did you mean event.properties.score?", 1, 37)],
        id="unknown-fields-with-suggestions"),
    pytest.param("{{ customer.xyz }}", [
        ("error", "unknown_variable",
         "unknown variable customer.xyz; use one of customer.attributes, "
         "customer.churn_reason, customer.churn_score, customer.clv, customer.created_at, "
         "customer.email, customer.expected_purchases_90d, customer.external_id, "
         "customer.first_name, customer.last_name, customer.last_seen_at, customer.locale, "
         "customer.name, customer.p_alive, customer.phone, customer.tags, customer.tier, "
         "customer.timezone", 1, 4)],
        id="unknown-field-without-a-close-one"),
    pytest.param("{{ customer.first_name.initial }} {{ offer.cod }}", [
        ("error", "unknown_variable",
         "unknown variable customer.first_name.initial", 1, 4),
        ("error", "unknown_variable", "unknown variable offer.cod; did you mean offer.code?",
         1, 38)], id="below-a-value-and-offer"),
    pytest.param("{{ customer.id }}", [
        ("warning", "renamed_variable", "customer.id is the old name of customer.external_id, "
         "which conditions and the API use too; it still works", 1, 4)], id="old-name"),
    pytest.param("{{ customer.attributes.plan.tier }} {{ event.properties['a b'] }} "
                 "{{ customer.attributes[event.type] }} {{ customer.tags.first }} "
                 "{{ customer.tags[0] }} {{ customer.tags.size }} {{ run.workflow_name }} "
                 "{% for tag in customer.tags %}{{ tag }}{% endfor %}"
                 "{% assign n = offer.value %}{{ n }}", [], id="known-free-form-and-locals"),
])
def test_check(text, issues):
    found = template_check(text)
    assert [(i["severity"], i["code"], i["message"], i["line"], i["column"])
            for i in found] == issues


# --- SMS size ------------------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "length", "encoding", "segments"), [
    pytest.param("", 0, "GSM-7", 0, id="empty"),
    pytest.param("a" * 160, 160, "GSM-7", 1, id="160-gsm-one"),
    pytest.param("a" * 161, 161, "GSM-7", 2, id="161-gsm-two"),
    pytest.param("a" * 306, 306, "GSM-7", 2, id="306-gsm-two"),
    pytest.param("a" * 307, 307, "GSM-7", 3, id="307-gsm-three"),
    pytest.param("€", 2, "GSM-7", 1, id="euro-two-septets"),
    pytest.param("€" * 80, 160, "GSM-7", 1, id="80-euros-fill-one"),
    pytest.param("€" * 81, 162, "GSM-7", 2, id="81-euros-two"),
    pytest.param("a" * 152 + "€" + "a" * 152, 306, "GSM-7", 3, id="escape-pair-not-split"),
    pytest.param("Grüße, Øle! {[~]}", 22, "GSM-7", 1, id="gsm-letters-and-extension"),
    pytest.param("😀", 2, "UCS-2", 1, id="emoji"),
    pytest.param("ж" * 70, 70, "UCS-2", 1, id="70-ucs2-one"),
    pytest.param("ж" * 71, 71, "UCS-2", 2, id="71-ucs2-two"),
    pytest.param("ж" * 134, 134, "UCS-2", 2, id="134-ucs2-two"),
    pytest.param("ж" * 135, 135, "UCS-2", 3, id="135-ucs2-three"),
    pytest.param("a" * 159 + "😀", 161, "UCS-2", 3, id="one-emoji-makes-it-ucs2"),
    pytest.param("ж" * 66 + "😀" + "ж" * 66, 134, "UCS-2", 3, id="surrogates-not-split"),
])
def test_sms_segments(text, length, encoding, segments):
    size = sms_segments(text)
    assert (size["length"], size["encoding"], size["segments"]) == (length, encoding, segments)
    assert size["characters"] == len(text)


# --- Preview ---------------------------------------------------------------------------------

def test_preview_renders_against_a_real_customer(customer, event):
    preview = template_preview("Sorry {{ customer.first_name }} ({{ event.properties.score }}"
                               "/10). Code: {{ offer.code }}", customer, event, channel="sms")
    assert preview == {
        "rendered": "Sorry Ada (3/10). Code: PREVIEW-4F7K2Q", "errors": [], "warnings": [],
        "sms": {"length": 38, "characters": 38, "encoding": "GSM-7", "segments": 1},
    }


def test_preview_reports_errors_and_warnings(customer):
    preview = template_preview("{{ costumer.name }}{% if %}", customer)
    assert preview["rendered"] is None and preview["sms"] is None
    assert [(i["code"], i["line"], i["column"]) for i in preview["errors"]] == [
        ("template_syntax", 1, 23)]


def test_preview_reports_render_errors(customer):
    preview = template_preview("{{ 'x' | truncate: 'a' }}", customer)
    assert preview["rendered"] is None
    assert preview["errors"] == [{"severity": "error", "code": "template_render",
                                  "message": "truncate expected an integer, found str",
                                  "line": 1, "column": 10}]
