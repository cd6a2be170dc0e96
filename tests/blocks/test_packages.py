"""Block packages (entry point group `keepflow.blocks`, blocks/plugins.py).

The loader: a package's blocks come after the core blocks; a block whose type is taken,
that breaks the contract, or a package that fails to import is refused with a log line
naming the package, and the others load. Then the installed example package
(examples/keepflow-blocks-example, installed by `make install-dev`) inside Keepflow: in the
palette (translated), validated like a core block (errors name the field), and run by a
real worker in a published workflow.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from typing import Any

import pytest
from celery.contrib.testing.worker import start_worker

from apps.config.celery import app
from apps.customers.models import Customer
from apps.engine.models import Run, RunState
from blocks.plugins import packages_load, spec_problems
from blocks.registry import BLOCKS, block_config_validate, block_get, block_package, blocks_all
from tests.broker import broker_purge
from tests.engine.conftest import ingest, publish, publisher_user  # noqa: F401 (fixtures)
from tests.workflows.graphs import edge, graph, node, trigger

EXAMPLE = "keepflow-blocks-example"
AWARD, CHECK = "action.loyalty_points", "flow.loyalty_points_check"


# --- the loader ---------------------------------------------------------------------------


@dataclass
class Dist:
    name: str


@dataclass
class FakeEntryPoint:
    """What packages_load reads of an importlib.metadata.EntryPoint."""

    name: str
    dist: Dist
    loaded: Any
    module: str = "somewhere"

    def load(self) -> Any:
        if isinstance(self.loaded, Exception):
            raise self.loaded
        return self.loaded


def core(block_type: str) -> Any:
    return block_get(block_type)


def load(*points: FakeEntryPoint) -> tuple[Any, ...]:
    taken = {spec.type: spec for spec in BLOCKS}
    return packages_load(taken, found=lambda: list(points))


def test_a_package_block_keeps_the_contract_and_loads_after_the_core() -> None:
    mine = replace(core("action.update_customer"), type="action.crm_note")
    [loaded] = load(FakeEntryPoint("notes", Dist("acme-blocks"), [mine]))
    assert (loaded.spec, loaded.package) == (mine, "acme-blocks")


@pytest.mark.parametrize(("loaded", "reason"), [
    (replace(block_get("action.send_sms")), "type 'action.send_sms' is already taken"),
    (replace(block_get("action.send_sms"), type="action.sms2", description="x" * 101),
     "description is longer than 100 characters"),
    (replace(block_get("action.send_sms"), type="flow.sms2"),
     "category <Category.ACTION: 'action'> does not match the type"),
    (replace(block_get("action.send_sms"), type="action.sms2", example={"body": ""}),
     "example config is invalid"),
    (replace(block_get("trigger.manual"), type="trigger.manual2", trigger=None),
     "a trigger block must declare its trigger (TriggerSpec)"),
    (replace(block_get("trigger.date"), type="trigger.date2"),
     "scan name 'date' is already taken"),
    ("not a block", "'not a block' is not a BlockSpec"),
    (ImportError("No module named 'acme'"), "failed to load"),
], ids=["taken", "long-description", "category", "example", "no-trigger", "scan-name",
        "not-a-spec", "import-error"])
def test_a_bad_block_is_refused_with_a_log_line_naming_the_package(
        caplog, loaded: Any, reason: str) -> None:
    good = replace(core("action.update_customer"), type="action.crm_note")
    with caplog.at_level(logging.INFO, logger="blocks.plugins"):
        accepted = load(FakeEntryPoint("bad", Dist("acme-blocks"), loaded),
                        FakeEntryPoint("good", Dist("zeta-blocks"), good))
    assert [item.spec.type for item in accepted] == ["action.crm_note"]
    [refusal] = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert refusal.startswith("block package acme-blocks:") and reason in refusal


def test_two_packages_with_one_type_the_first_by_name_wins(caplog) -> None:
    note = replace(core("action.update_customer"), type="action.crm_note")
    accepted = load(FakeEntryPoint("b", Dist("zeta-blocks"), note),
                    FakeEntryPoint("a", Dist("acme-blocks"), note))
    assert [item.package for item in accepted] == ["acme-blocks"]
    assert "block package zeta-blocks: block action.crm_note refused: type " \
        "'action.crm_note' is already taken" in caplog.text


# --- the example package, installed ---------------------------------------------------


def test_the_example_package_is_installed_and_loaded_after_the_core() -> None:
    types = [spec.type for spec in blocks_all()]
    assert types[:len(BLOCKS)] == [spec.type for spec in BLOCKS]
    assert types[len(BLOCKS):] == [AWARD, CHECK], (
        "pip install -e examples/keepflow-blocks-example (make install-dev)")
    assert {block_package(AWARD), block_package(CHECK), block_package("flow.filter")} == {
        EXAMPLE, None}
    assert all(spec_problems(block_get(t), taken={}) == [] for t in (AWARD, CHECK))


@pytest.mark.django_db
@pytest.mark.parametrize(("language", "label", "title"), [
    ("en", "Award loyalty points", "Points"),
    ("de", "Treuepunkte gutschreiben", "Punkte"),
    ("ru", "Начислить баллы лояльности", "Баллы"),
])
def test_the_palette_shows_the_package_blocks(client_as, language, label, title) -> None:
    response = client_as("viewer").get("/api/v1/blocks", HTTP_ACCEPT_LANGUAGE=language)
    entries = {entry["key"]: entry for entry in response.json()}
    award, check = entries[AWARD], entries[CHECK]
    assert (award["source"], award["package"], award["category"]) == (
        "package", EXAMPLE, "action")
    assert (award["label"], award["config_schema"]["properties"]["points"]["title"]) == (
        label, title)
    assert award["group"] == check["group"]
    assert award["example_config"] == {"points": 100, "attribute": "loyalty_points"}
    assert (check["ports"], check["example_ports"]) == (["yes", "no"], ["yes", "no"])


@pytest.mark.parametrize(("block_type", "config", "errors"), [
    (AWARD, {}, [("points", "required")]),
    (AWARD, {"points": 0}, [("points", "greater_than_equal")]),
    (AWARD, {"points": 5, "attribute": "two words"}, [("attribute", "invalid_format")]),
    (CHECK, {"at_least": -1, "colour": "red"},
     [("at_least", "greater_than_equal"), ("colour", "unknown_field")]),
], ids=["missing", "zero", "attribute", "check"])
def test_package_configs_are_validated_naming_the_field(block_type, config, errors) -> None:
    model, found = block_config_validate(block_type, config)
    assert model is None
    assert [(error["field"], error["code"]) for error in found] == errors


@pytest.mark.django_db
def test_publishing_names_the_node_and_field_of_a_package_block(client_as):
    publisher = client_as("publisher")
    body = {"name": "Points", "graph": graph(trigger(), node("p1", AWARD, {"points": 0}),
                                             edges=[edge("t1", "p1")])}
    created = publisher.post("/api/v1/workflows", body, format="json")
    assert created.status_code == 201, created.json()
    response = publisher.post(f"/api/v1/workflows/{created.json()['id']}/publish", {},
                              format="json")
    assert response.status_code == 400
    assert [(e["node"], e["field"], e["code"]) for e in response.json()["errors"]] == [
        ("p1", "graph.nodes.1.config.points", "greater_than_equal")]


# --- live, on a real worker ---------------------------------------------------------------


@pytest.fixture
def worker() -> Iterator[None]:
    broker_purge()
    with start_worker(app, pool="solo", perform_ping_check=False, loglevel="WARNING"):
        yield


def wait_for(check: Callable[[], bool], what: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_published_workflow_runs_the_package_blocks(publish, worker) -> None:  # noqa: F811
    # Given: bad feedback -> a points check -> 100 apology points below 500, none above
    rich = Customer.objects.create(external_id="rich", attributes={"loyalty_points": 800})
    poor = Customer.objects.create(external_id="poor", attributes={"loyalty_points": 40})
    publish(graph(trigger(), node("c1", CHECK, {"at_least": 500}),
                  node("p1", AWARD, {"points": 100}),
                  edges=[edge("t1", "c1"), edge("c1", "p1", "no")]))
    # When their feedback arrives
    ingest("rich", "feedback.submitted", {"score": 2})
    ingest("poor", "feedback.submitted", {"score": 3})
    # Then both runs complete on the worker, by the ports the package block chose, and
    # the points were awarded through the engine's effects
    wait_for(lambda: Run.objects.filter(state=RunState.COMPLETED).count() == 2, "two runs")
    paths = {run.customer.external_id: list(run.steps.values_list("node_id", "port"))
             for run in Run.objects.select_related("customer")}
    assert paths == {"rich": [("t1", "out"), ("c1", "yes")],
                     "poor": [("t1", "out"), ("c1", "no"), ("p1", "out")]}
    poor.refresh_from_db()
    rich.refresh_from_db()
    assert (poor.attributes["loyalty_points"], rich.attributes["loyalty_points"]) == (140, 800)
    assert Run.objects.get(customer=poor).variables["p1"] == {"awarded": 100, "balance": 140}
