"""The dry graph walk behind test cases: the blocks' own run functions, effects recorded,
time driven by the waits, nothing stored or sent."""

import pytest

from apps.customers.models import Customer, Segment, SegmentMembership
from apps.workflows.dryrun import graph_walk
from tests.workflows.graphs import LOW_SCORE, apology, edge, filter_, graph, node, sms, trigger

pytestmark = pytest.mark.django_db

NOW = "2026-03-02T08:00:00+00:00"
LOW_EVENT = {"type": "feedback.submitted", "properties": {"score": 2}}
GOLD = {"all": [{"field": "customer.tier", "op": "eq", "value": "gold"}]}


def walk(given_graph: dict, **given) -> tuple[list[str], list[dict], str, str | None]:
    result = graph_walk(given_graph, {"now": NOW, **given})
    return result.path, result.effects, result.outcome, result.error


def waits() -> dict:
    """t1 -> SMS -> wait for a reply 2d: happened -> exit, timeout -> task."""
    return graph(trigger(), sms(),
                 node("w1", "flow.wait_for_event", {"event_type": "message.replied",
                                                    "timeout": "2d"}),
                 node("x1", "flow.exit", {"reason": "replied"}),
                 node("k1", "action.create_task", {"title": "Due {{ event.type }}",
                                                   "due_in": "1d", "business_hours": False}),
                 edges=[edge("t1", "a1"), edge("a1", "w1"), edge("w1", "x1", "happened"),
                        edge("w1", "k1", "timeout")])


def test_effects_are_recorded_with_rendered_templates():
    path, effects, outcome, error = walk(apology(), event=LOW_EVENT,
                                         customer={"first_name": "Ada"})

    assert (path, outcome, error) == (["t1", "a1"], "completed", None)
    assert effects == [{"type": "send_sms", "node": "a1", "category": "transactional",
                        "body": "Sorry Ada, we will make it right.", "variant": "default"}]
    assert not Customer.objects.exists()


def test_a_message_too_large_to_send_says_so_before_it_is_sent():
    given = graph(trigger(), sms(body="{{ customer.attributes.note }}"), edges=[edge("t1", "a1")])

    _path, [effect], _outcome, _error = walk(given, event=LOW_EVENT, customer={
        "first_name": "Ada", "attributes": {"note": "x" * 2_000}})

    assert effect["too_large"] == ("the text is 14 SMS segments long (2000 characters, "
                                   "GSM-7); the limit is 10 segments")


@pytest.mark.parametrize(("event", "trigger_id", "outcome", "path"), [
    pytest.param(LOW_EVENT, None, "completed", ["t1", "a1"], id="matches"),
    pytest.param({"type": "feedback.submitted", "properties": {"score": 9}}, None,
                 "not_triggered", [], id="condition-false"),
    pytest.param({"type": "purchase"}, None, "not_triggered", [], id="other-event"),
    pytest.param(None, None, "not_triggered", [], id="no-event-no-match"),
    pytest.param({"type": "purchase"}, "t1", "completed", ["t1", "a1"], id="forced-trigger"),
])
def test_which_trigger_starts(event, trigger_id, outcome, path):
    given = {"event": event} if event else {}
    if trigger_id:
        given["trigger"] = trigger_id

    assert walk(apology(), **given)[::2] == (path, outcome)


def test_a_trigger_without_events_starts_when_no_event_is_given():
    date_graph = graph(node("t1", "trigger.date", {"attribute": "contract_end"}), sms(),
                       edges=[edge("t1", "a1")])

    assert walk(date_graph)[0] == ["t1", "a1"]


@pytest.mark.parametrize(("later", "path", "effects", "outcome"), [
    pytest.param([], ["t1", "a1", "w1", "k1"], ["send_sms", "create_task"], "completed",
                 id="timeout"),
    pytest.param([{"type": "message.replied"}], ["t1", "a1", "w1", "x1"], ["send_sms"],
                 "exited", id="happened"),
    pytest.param([{"type": "purchase"}], ["t1", "a1", "w1", "k1"], ["send_sms", "create_task"],
                 "completed", id="other-event-does-not-count"),
])
def test_wait_for_event_takes_happened_or_timeout(later, path, effects, outcome):
    got_path, got_effects, got_outcome, _ = walk(waits(), event=LOW_EVENT, later_events=later)

    assert (got_path, [e["type"] for e in got_effects], got_outcome) == (path, effects, outcome)


def test_waits_move_the_clock():
    _, effects, _, _ = walk(waits(), event=LOW_EVENT)

    assert effects[1]["due_at"] == "2026-03-05T08:00:00+00:00"  # 2d timeout, then due in 1d


@pytest.mark.parametrize(("customer", "path"), [
    pytest.param({"tier": "gold"}, ["t1", "f1", "a1"], id="yes"),
    pytest.param({"tier": "silver"}, ["t1", "f1", "a2"], id="no"),
])
def test_filter_ports(customer, path):
    flow = graph(trigger(), filter_(condition=GOLD), sms(), sms("a2"),
                 edges=[edge("t1", "f1"), edge("f1", "a1", "yes"), edge("f1", "a2", "no")])

    assert walk(flow, event=LOW_EVENT, customer=customer)[0] == path


def test_parallel_branches_interleave_in_edge_order_as_on_a_worker():
    flow = graph(trigger(), sms(), sms("a2"), sms("a3"),
                 edges=[edge("t1", "a1"), edge("t1", "a2"), edge("a1", "a3")])

    assert walk(flow, event=LOW_EVENT)[0] == ["t1", "a1", "a2", "a3"]


def test_update_customer_is_seen_by_later_nodes_but_not_stored():
    Customer.objects.create(external_id="c-1", tier="silver")
    flow = graph(trigger(), node("u1", "action.update_customer", {"tier": "gold"}),
                 filter_(condition=GOLD), sms(),
                 edges=[edge("t1", "u1"), edge("u1", "f1"), edge("f1", "a1", "yes")])

    path, effects, _, _ = walk(flow, event=LOW_EVENT, customer="c-1")

    assert path == ["t1", "u1", "f1", "a1"]
    assert [e["type"] for e in effects] == ["update_customer", "send_sms"]
    assert Customer.objects.get(external_id="c-1").tier == "silver"


def test_segment_check_reads_real_memberships_or_the_given_list():
    customer = Customer.objects.create(external_id="c-1")
    segment = Segment.objects.create(name="VIP", condition=GOLD)
    SegmentMembership.objects.create(segment=segment, customer=customer,
                                     entered_at="2026-01-01T00:00:00Z")
    flow = graph(trigger(), node("s1", "flow.segment_check", {"segment_id": segment.pk}),
                 sms(), sms("a2"),
                 edges=[edge("t1", "s1"), edge("s1", "a1", "yes"), edge("s1", "a2", "no")])

    assert walk(flow, event=LOW_EVENT, customer="c-1")[0] == ["t1", "s1", "a1"]
    assert walk(flow, event=LOW_EVENT, customer="c-1", segments=[])[0] == ["t1", "s1", "a2"]
    assert walk(flow, event=LOW_EVENT, customer={"tier": "gold"})[0] == ["t1", "s1", "a1"]
    assert walk(flow, event=LOW_EVENT, customer={"tier": "bronze"})[0] == ["t1", "s1", "a2"]


def test_an_offer_is_visible_to_later_templates():
    flow = graph(trigger(), node("o1", "action.offer", {"value": 10}),
                 sms("a1", body="Code {{ offer.code }}"),
                 edges=[edge("t1", "o1"), edge("o1", "a1")])

    effects = walk(flow, event=LOW_EVENT)[1]

    assert effects[1]["body"] == "Code TEST-O1"


@pytest.mark.parametrize(("version", "config", "expires"), [
    pytest.param(1, {"value": 10, "expires_in_days": 3}, "2026-03-05T08:00:00+00:00",
                 id="v1-in-days"),
    pytest.param(2, {"value": 10, "valid_for": "36h"}, "2026-03-03T20:00:00+00:00",
                 id="v2-a-duration"),
])
def test_an_offer_node_runs_on_the_block_version_it_pins(version, config, expires):
    flow = graph(trigger(), node("o1", "action.offer", config, version=version),
                 edges=[edge("t1", "o1")])

    path, effects, _outcome, error = walk(flow, event=LOW_EVENT)

    assert (path, error) == (["t1", "o1"], None)
    assert str(effects[0]["expires_at"]).replace(" ", "T") == expires


@pytest.mark.parametrize(("given_graph", "given", "error"), [
    pytest.param(apology(), {"customer": "nobody"}, "no customer with external id 'nobody'",
                 id="unknown-customer"),
    pytest.param(graph(trigger(), sms(body="{{ 'x' | nope }}"), edges=[edge("t1", "a1")]),
                 {"event": LOW_EVENT}, "a1: config.body: line 1, column 10: unknown filter 'nope'",
                 id="invalid-config"),
    pytest.param(graph(trigger(), node("h1", "action.http_request", {
        "url": "https://crm.example.com", "body": "{{ customer.first_name }}"}),
        edges=[edge("t1", "h1")]), {"event": LOW_EVENT, "customer": {"first_name": "Ada"}},
        "h1: body: not JSON after rendering (Expecting value at line 1, column 1); insert "
        "values with | json", id="block-fails"),
    pytest.param(apology(), {"trigger": "a1"}, "given.trigger 'a1' is not a trigger node",
                 id="trigger-not-a-trigger"),
    pytest.param(graph(trigger(), edges=[edge("t1", "gone")]), {"event": LOW_EVENT},
                 "gone: the node is not in this version", id="half-built-draft"),
])
def test_failures_end_the_walk_with_a_reason(given_graph, given, error):
    _, _, outcome, got_error = walk(given_graph, **given)

    assert (outcome, got_error) == ("failed", error)


def test_a_loop_through_a_wait_stops_at_the_engines_visit_limit():
    loop = graph(trigger(condition=LOW_SCORE), sms(),
                 node("w1", "flow.wait", {"mode": "duration", "duration": "1d"}),
                 edges=[edge("t1", "a1"), edge("a1", "w1"), edge("w1", "a1")])

    path, effects, outcome, error = walk(loop, event=LOW_EVENT)

    assert (outcome, error, len(path)) == (
        "failed", "a1: stopped: this step was reached more than 200 times in this run "
                  "(KEEPFLOW_RUN_MAX_NODE_VISITS). Does a loop never end?", 401)
    assert len(effects) == 200


# --- one interpreter: the engine's semantics in the dry run ------------------------------


def two_waits() -> dict:
    """t1 -> two parallel waits for app.opened (1d), each tagging on happened."""
    wait_for = {"event_type": "app.opened", "timeout": "1d"}
    return graph(trigger(), node("w1", "flow.wait_for_event", wait_for),
                 node("w2", "flow.wait_for_event", wait_for),
                 node("u1", "action.update_customer", {"add_tags": ["one"]}),
                 node("u2", "action.update_customer", {"add_tags": ["two"]}),
                 edges=[edge("t1", "w1"), edge("t1", "w2"), edge("w1", "u1", "happened"),
                        edge("w2", "u2", "happened")])


@pytest.mark.parametrize(("at", "path", "ports"), [
    pytest.param("2026-03-02T09:00:00+00:00", ["t1", "w1", "w2", "u1", "u2"],
                 ["out", "happened", "happened", "out", "out"], id="in-time-wakes-both"),
    pytest.param("2026-03-03T09:00:00+00:00", ["t1", "w1", "w2"],
                 ["out", "timeout", "timeout"], id="too-late"),
    pytest.param("2026-03-02T07:00:00+00:00", ["t1", "w1", "w2"],
                 ["out", "timeout", "timeout"], id="before-the-waits-is-lost"),
])
def test_a_later_event_at_its_time_wakes_every_open_wait_it_satisfies(at, path, ports):
    result = graph_walk(two_waits(), {"now": NOW, "event": LOW_EVENT, "later_events": [
        {"type": "app.opened", "at": at}]})

    assert (result.path, [s["port"] for s in result.steps]) == (path, ports)
    assert result.outcome == "completed"


def test_a_later_event_without_a_time_happens_when_awaited_and_is_used_once():
    flow = graph(trigger(), node("w1", "flow.wait_for_event",
                                 {"event_type": "app.opened", "timeout": "1d"}),
                 node("w2", "flow.wait_for_event", {"event_type": "app.opened",
                                                    "timeout": "1d"}),
                 edges=[edge("t1", "w1"), edge("w1", "w2", "happened")])

    result = graph_walk(flow, {"now": NOW, "event": LOW_EVENT,
                               "later_events": [{"type": "app.opened"}]})

    assert [s["port"] for s in result.steps] == ["out", "happened", "timeout"]
    assert result.steps[1]["detail"] == "app.opened happened"
    assert result.steps[2]["detail"] == "no app.opened until 2026-03-03T08:00:00+00:00"


def test_a_retryable_failure_is_retried_with_the_engines_backoff(monkeypatch):
    from apps.workflows.dryrun import EffectRecorder

    calls = []

    def unavailable(self, **request):
        calls.append(self.now.isoformat())
        return {"status": 503, "json": None, "text": "", "error": "HTTP 503",
                "retryable": True}

    monkeypatch.setattr(EffectRecorder, "http_request", unavailable)
    flow = graph(trigger(), node("h1", "action.http_request",
                                 {"url": "https://crm.example.com"}), edges=[edge("t1", "h1")])

    result = graph_walk(flow, {"now": NOW, "event": LOW_EVENT})

    assert [s["outcome"] for s in result.steps] == ["Continue", *["Retry"] * 4, "Fail"]
    # 30 s, 1, 2 and 4 minutes apart (KEEPFLOW_RETRY_BASE_SECONDS = 30)
    assert calls == ["2026-03-02T08:00:00+00:00", "2026-03-02T08:00:30+00:00",
                     "2026-03-02T08:01:30+00:00", "2026-03-02T08:03:30+00:00",
                     "2026-03-02T08:07:30+00:00"]
    assert result.outcome == "failed" and result.error.startswith("h1: ")


def test_an_attribute_set_to_null_is_removed_as_in_a_live_run():
    flow = graph(trigger(), node("u1", "action.update_customer",
                                 {"set_attributes": {"plan": None}}),
                 sms(body="plan={{ customer.attributes.plan | default: 'none' }}"),
                 edges=[edge("t1", "u1"), edge("u1", "a1")])

    result = graph_walk(flow, {"now": NOW, "event": LOW_EVENT,
                               "customer": {"attributes": {"plan": "pro"}}})

    assert result.effects[1]["body"] == "plan=none"
    assert result.customer.attributes == {}


def test_a_template_that_fails_to_render_fails_the_case_naming_the_field():
    given = graph(trigger(), sms(body="{% for i in (1..20000) %}x{% endfor %}"),
                  edges=[edge("t1", "a1")])

    path, effects, outcome, error = walk(given, event=LOW_EVENT)

    assert (path, effects, outcome) == (["t1", "a1"], [], "failed")
    assert error == "a1: body (line 1): loop iteration limit reached"
