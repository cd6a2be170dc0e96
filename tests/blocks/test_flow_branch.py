import pytest

from blocks.base import Continue
from blocks.flow.branch import run
from blocks.registry import block_ports
from tests.blocks.conftest import first_error, valid_config

TYPE = "flow.branch"
GOLD = {"all": [{"field": "customer.tier", "op": "eq", "value": "gold"}]}
RISK = {"all": [{"field": "customer.churn_score", "op": "gte", "value": 0.7}]}
CONFIG = {"branches": [{"name": "vip", "condition": GOLD}, {"name": "at_risk",
                                                            "condition": RISK}]}


def test_ports_are_branch_names_then_else():
    assert block_ports(TYPE, valid_config(TYPE, CONFIG)) == ["vip", "at_risk", "else"]


@pytest.mark.parametrize(("config", "field", "code"), [
    pytest.param({"branches": []}, "branches", "too_short", id="no-branch"),
    pytest.param({"branches": [{"name": "a", "condition": GOLD}] * 11}, "branches",
                 "too_long", id="eleven-branches"),
    pytest.param({"branches": [{"name": "else", "condition": GOLD}]}, "branches.0.name",
                 "reserved", id="else-reserved"),
    pytest.param({"branches": [{"name": "a", "condition": GOLD},
                               {"name": "a", "condition": RISK}]}, "branches.1.name",
                 "duplicate", id="duplicate-names"),
    pytest.param({"branches": [{"name": "Big Spenders", "condition": GOLD}]},
                 "branches.0.name", "invalid_format", id="bad-port-name"),
    pytest.param({"branches": [{"name": "a"}]}, "branches.0.condition", "required",
                 id="missing-condition"),
    pytest.param({"branches": [{"name": "a", "condition": {"all": [{"field": "customer.x",
                                                                   "op": "eq", "value": 1}]}}]},
                 "branches.0.condition.all.0.field", "unknown_field", id="bad-condition"),
])
def test_invalid_configs(config, field, code):
    assert first_error(TYPE, config) == (field, code)


@pytest.mark.parametrize(("holds", "port"), [
    pytest.param([GOLD, RISK], "vip", id="first-match-wins"),
    pytest.param([RISK], "at_risk", id="second"),
    pytest.param([], "else", id="no-match"),
])
def test_run_takes_the_first_matching_branch(make_ctx, holds, port):
    ctx = make_ctx(true_conditions=holds)
    assert run(ctx, valid_config(TYPE, CONFIG)) == Continue(port)
