"""The example package's blocks, on their own: config validation (errors name the field),
the contract Keepflow holds package blocks to, and `run` against a small fake context."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest
from keepflow_blocks_example import BLOCKS, award_points, points_check
from pydantic import ValidationError

from blocks.base import Continue
from blocks.plugins import spec_problems


@dataclass
class Customer:
    attributes: dict[str, Any] = field(default_factory=dict)


@dataclass
class Effects:
    calls: list[tuple[str, Any]] = field(default_factory=list)

    def update_customer(self, changes: Any) -> dict[str, Any]:
        self.calls.append(("update_customer", changes))
        return {"updated": True}


@dataclass
class Context:
    customer: Customer
    effects: Effects = field(default_factory=Effects)


def errors(model: type, config: dict[str, Any]) -> list[tuple[str, str]]:
    with pytest.raises(ValidationError) as caught:
        model.model_validate(config)
    return [(".".join(map(str, e["loc"])), e["type"]) for e in caught.value.errors()]


@pytest.mark.parametrize("spec", BLOCKS, ids=lambda spec: spec.type)
def test_keeps_the_block_contract(spec) -> None:
    assert spec_problems(spec, taken={}) == []


@pytest.mark.parametrize(("config", "expected"), [
    ({}, [("points", "missing")]),
    ({"points": 0}, [("points", "greater_than_equal")]),
    ({"points": 5, "attribute": "not a name"}, [("attribute", "value_error")]),
    ({"points": 5, "colour": "red"}, [("colour", "extra_forbidden")]),
], ids=["missing", "zero", "bad-attribute", "unknown-field"])
def test_award_points_refuses(config, expected) -> None:
    assert errors(award_points.AwardPointsConfig, config) == expected


@pytest.mark.parametrize(("attributes", "balance"), [
    ({}, 100), ({"loyalty_points": 40}, 140), ({"loyalty_points": "lots"}, 100),
], ids=["none-yet", "adds", "not-a-number"])
def test_award_points_writes_through_effects(attributes, balance) -> None:
    ctx = Context(Customer(attributes))
    config = award_points.AwardPointsConfig(points=100)
    assert award_points.run(ctx, config) == Continue(
        "out", output={"awarded": 100, "balance": balance})
    assert ctx.effects.calls == [("update_customer",
                                  {"attributes": {"loyalty_points": balance}})]


@pytest.mark.parametrize(("attributes", "port"), [
    ({"loyalty_points": 500}, "yes"), ({"loyalty_points": 499}, "no"), ({}, "no"),
], ids=["enough", "short", "none"])
def test_points_check_routes_by_balance(attributes, port) -> None:
    ctx = Context(Customer(attributes))
    outcome = points_check.run(ctx, points_check.PointsCheckConfig(at_least=500))
    assert isinstance(outcome, Continue) and outcome.port == port
    assert ctx.effects.calls == []
