from collections import Counter

import pytest

from blocks.base import Continue
from blocks.flow.split import BUCKETS, run, split_bucket, split_choose
from blocks.registry import block_ports
from tests.blocks.conftest import FakeCustomer, first_error, valid_config

TYPE = "flow.split"
AB = {"branches": [{"name": "a", "percent": 45}, {"name": "b", "percent": 45}],
      "holdout_percent": 10}


@pytest.mark.parametrize(("config", "ports"), [
    pytest.param(AB, ["a", "b", "holdout"], id="ab-with-holdout"),
    pytest.param({"branches": [{"name": "x", "percent": 50}, {"name": "y", "percent": 30},
                               {"name": "z", "percent": 20}]}, ["x", "y", "z"],
                 id="abc-no-holdout"),
    pytest.param({"branches": [{"name": "only", "percent": 80}], "holdout_percent": 20},
                 ["only", "holdout"], id="one-variant-and-control"),
])
def test_ports_follow_the_variants(config, ports):
    assert block_ports(TYPE, valid_config(TYPE, config)) == ports


@pytest.mark.parametrize(("config", "field", "code"), [
    pytest.param({"branches": [{"name": "a", "percent": 50}]}, "branches", "percent_sum",
                 id="sum-below-100"),
    pytest.param({"branches": [{"name": "a", "percent": 60}], "holdout_percent": 50},
                 "branches", "percent_sum", id="sum-above-100"),
    pytest.param({"branches": [{"name": "a", "percent": 0}], "holdout_percent": 99},
                 "branches.0.percent", "greater_than_equal", id="zero-share"),
    pytest.param({"branches": [{"name": "a", "percent": 50}, {"name": "a", "percent": 50}]},
                 "branches.1.name", "duplicate", id="duplicate"),
    pytest.param({"branches": [{"name": "holdout", "percent": 100}]}, "branches.0.name",
                 "reserved", id="holdout-reserved"),
    pytest.param({"branches": [{"name": "a", "percent": 100}], "holdout_percent": 100},
                 "holdout_percent", "less_than_equal", id="all-holdout"),
    pytest.param({"branches": []}, "branches", "too_short", id="no-variant"),
])
def test_invalid_configs(config, field, code):
    assert first_error(TYPE, config) == (field, code)


def test_bucket_is_stable_and_node_specific():
    assert split_bucket(5, "n1", 42) == split_bucket(5, "n1", 42)
    buckets = {split_bucket(5, node, 42) for node in ("n1", "n2", "n3", "n4", "n5")}
    assert len(buckets) > 1
    assert all(0 <= bucket < BUCKETS for bucket in buckets)


@pytest.mark.parametrize(("bucket", "variant"), [
    pytest.param(0, "a", id="first"),
    pytest.param(4499, "a", id="a-edge"),
    pytest.param(4500, "b", id="b-start"),
    pytest.param(8999, "b", id="b-edge"),
    pytest.param(9000, "holdout", id="holdout-start"),
    pytest.param(9999, "holdout", id="last"),
])
def test_bucket_to_variant(bucket, variant):
    assert split_choose(valid_config(TYPE, AB), bucket) == variant


def test_shares_hold_over_many_customers(make_ctx):
    config = valid_config(TYPE, AB)
    counts = Counter(run(make_ctx(customer=FakeCustomer(id=i)), config).port
                     for i in range(10_000))
    assert set(counts) == {"a", "b", "holdout"}
    assert 4300 <= counts["a"] <= 4700 and 4300 <= counts["b"] <= 4700
    assert 850 <= counts["holdout"] <= 1150


def test_run_reports_the_variant_and_repeats_it(make_ctx):
    config = valid_config(TYPE, AB)
    first = run(make_ctx(run_id=1), config)
    again = run(make_ctx(run_id=2), config)  # re-entry: same workflow, node, customer
    assert isinstance(first, Continue) and first == again
    assert first.output == {"variant": first.port}
