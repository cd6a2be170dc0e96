import pytest

from blocks.base import Continue
from blocks.flow.segment_check import run
from tests.blocks.conftest import first_error, valid_config

TYPE = "flow.segment_check"


def test_valid_config():
    assert valid_config(TYPE, {"segment_id": 4}).segment_id == 4


@pytest.mark.parametrize(("config", "field", "code"), [
    pytest.param({}, "segment_id", "required", id="missing"),
    pytest.param({"segment_id": -1}, "segment_id", "greater_than_equal", id="negative"),
    pytest.param({"segment_id": 1.5}, "segment_id", "int_from_float", id="fraction"),
])
def test_invalid_configs(config, field, code):
    assert first_error(TYPE, config) == (field, code)


@pytest.mark.parametrize(("segments", "port"), [
    pytest.param({4, 9}, "yes", id="member"),
    pytest.param({9}, "no", id="not-a-member"),
])
def test_run_routes_by_membership(make_ctx, segments, port):
    ctx = make_ctx(segments=segments)
    assert run(ctx, valid_config(TYPE, {"segment_id": 4})) == Continue(port)
