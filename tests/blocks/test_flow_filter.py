import pytest

from blocks.base import Continue
from blocks.flow.filter import run
from tests.blocks.conftest import first_error, valid_config

TYPE = "flow.filter"
GOLD = {"all": [{"field": "customer.tier", "op": "eq", "value": "gold"}]}


@pytest.mark.parametrize("condition", [
    pytest.param(GOLD, id="all"),
    pytest.param({"not": {"field": "customer.tags", "op": "contains", "value": "vip"}},
                 id="not"),
    pytest.param({"any": [GOLD, {"field": "event.properties.score", "op": "lte",
                                 "value": 6}]}, id="nested-any"),
])
def test_valid_configs(condition):
    assert valid_config(TYPE, {"condition": condition}).condition == condition


@pytest.mark.parametrize(("config", "field", "code"), [
    pytest.param({}, "condition", "required", id="missing"),
    pytest.param({"condition": None}, "condition", "dict_type", id="null"),
    pytest.param({"condition": {"all": [{"field": "customer.tier", "op": "eq"}]}},
                 "condition.all.0.value", "invalid_value", id="leaf-without-value"),
    pytest.param({"condition": {"all": [], "any": []}}, "condition", "invalid_node",
                 id="two-groups"),
])
def test_invalid_configs(config, field, code):
    assert first_error(TYPE, config) == (field, code)


@pytest.mark.parametrize(("holds", "port"), [
    pytest.param([GOLD], "yes", id="match"),
    pytest.param([], "no", id="no-match"),
])
def test_run_routes_by_the_condition(make_ctx, holds, port):
    ctx = make_ctx(true_conditions=holds)
    assert run(ctx, valid_config(TYPE, {"condition": GOLD})) == Continue(port)
