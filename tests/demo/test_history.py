"""The demo's purchase model: deterministic, and shaped like a real customer base.

The bands come from the CDNOW cohort (Fader & Hardie's "buy till you die" benchmark,
23,570 customers over 78 weeks): 52 % bought once, 31 % three times or more, 2.84 orders
per customer, a median of 34 days between orders, $36 per order. The demo keeps
acquiring customers, so it has more active ones, and it buys more regularly by design.
"""

import itertools
import random
import statistics
from decimal import Decimal

import pytest

from apps.demo.history import ACQUISITION_DAYS, MAX_ORDERS, Purchase, purchases_simulate

SAMPLE = 4000


def gaps(orders: list[Purchase]) -> list[int]:
    return [a.days_ago - b.days_ago for a, b in itertools.pairwise(orders)]


@pytest.fixture(scope="module")
def histories() -> list[list[Purchase]]:
    return [purchases_simulate(random.Random(f"test:{n}")) for n in range(SAMPLE)]


def test_same_seed_same_orders():
    # Given two generators with the same seed, when both simulate, then the orders match
    first = purchases_simulate(random.Random("keepflow-demo:7:purchases"))
    assert first == purchases_simulate(random.Random("keepflow-demo:7:purchases"))
    assert first != purchases_simulate(random.Random("keepflow-demo:8:purchases"))


def test_every_history_is_well_formed(histories):
    for orders in histories:
        assert 1 <= len(orders) <= MAX_ORDERS
        # oldest first, one order a day at most, the first within the acquisition window,
        # none today or later
        days_ago = [order.days_ago for order in orders]
        assert days_ago == sorted(days_ago, reverse=True)
        assert len(set(days_ago)) == len(days_ago)
        assert days_ago[0] <= ACQUISITION_DAYS and days_ago[-1] >= 1
        for order in orders:
            assert order.items >= 1
            assert order.amount >= Decimal("1.00")
            assert order.amount == order.amount.quantize(Decimal("0.01"))


def share(histories: list[list[Purchase]], test) -> float:
    return sum(map(test, histories)) / len(histories)


@pytest.mark.parametrize(("measure", "low", "high"), [
    pytest.param(lambda hs: share(hs, lambda h: len(h) == 1), 0.38, 0.55,
                 id="one-time buyers"),
    pytest.param(lambda hs: share(hs, lambda h: len(h) >= 3), 0.28, 0.45,
                 id="three orders or more"),
    pytest.param(lambda hs: statistics.mean(len(h) for h in hs), 2.3, 3.4,
                 id="orders per customer"),
    pytest.param(lambda hs: statistics.median(g for h in hs for g in gaps(h)), 25, 50,
                 id="median days between orders"),
    pytest.param(lambda hs: statistics.mean(float(o.amount) for h in hs for o in h), 30, 60,
                 id="mean order value"),
    pytest.param(lambda hs: share(hs, lambda h: h[-1].days_ago <= 90), 0.3, 0.55,
                 id="active in the last 90 days"),
    pytest.param(lambda hs: share(hs, lambda h: len(h) >= 3 and h[-1].days_ago > 90),
                 0.08, 0.25, id="lapsed regulars: 3+ orders, none in 90 days"),
    pytest.param(lambda hs: share(hs, lambda h: h[0].days_ago > 365), 0.25, 0.40,
                 id="first order more than a year ago"),
])
def test_the_customer_base_looks_like_a_real_one(histories, measure, low, high):
    assert low <= measure(histories) <= high


def test_regulars_buy_with_a_rhythm(histories):
    # Given customers with four orders or more
    regulars = [gaps(h) for h in histories if len(h) >= 4]
    # then their gaps vary less than a memoryless buyer's (coefficient of variation 1;
    # CDNOW's regulars: 0.81), so a missed order stands out against their own rhythm
    variation = [statistics.pstdev(g) / statistics.mean(g) for g in regulars]
    assert len(regulars) > SAMPLE * 0.15
    assert statistics.median(variation) < 0.6


def test_big_spenders_exist_but_amounts_stay_plausible(histories):
    spend = sorted(sum(o.amount for o in h) for h in histories)
    assert spend[len(spend) // 10 * 9] > 150  # the top tenth spent more than $150
    assert max(o.amount for h in histories for o in h) < 2000
