"""The report's statistics against figures computed by hand (the computation is written
next to each figure) and against published worked examples."""

from __future__ import annotations

import json
import math

import pytest

from apps.reports.stats import (
    GroupCounts,
    Z,
    lift_compute,
    newcombe_interval,
    sample_size_needed,
    two_proportion_p_value,
    value_lift,
    wilson_interval,
)


def test_wilson_interval_by_hand() -> None:
    # 56 of 70: p = 0.8, z = 1.959964, z² = 3.841459
    #   centre = (p + z²/2n) / (1 + z²/n) = (0.8 + 0.027439) / 1.054878 = 0.784393
    #   half   = z·√(p(1-p)/n + z²/4n²) / (1 + z²/n)
    #          = 1.959964·√(0.0022857 + 0.0001960) / 1.054878 = 0.092561
    #   -> 0.6918 to 0.8770 (Newcombe 1998, table I, method 3: 0.6918, 0.8770)
    interval = wilson_interval(56, 70)
    assert (round(interval.low, 4), round(interval.high, 4)) == (0.6918, 0.8770)
    # 0 of 10 is not the empty interval [0, 0] of the Wald method:
    #   centre = (0 + 0.19207) / 1.384146 = 0.138766 = half -> 0 to 0.2775
    interval = wilson_interval(0, 10)
    assert (interval.low, round(interval.high, 4)) == (0.0, 0.2775)


@pytest.mark.parametrize(("x1", "n1", "x2", "n2", "low", "high"), [
    # Newcombe (1998), table II, method 10 (hybrid score, no continuity correction).
    # For 56/70 - 48/80 by hand, with the Wilson limits l1, u1 = 0.6918, 0.8770 and
    # l2, u2 = 0.4905, 0.7004:
    #   L = 0.2 - √((0.8 - 0.6918)² + (0.7004 - 0.6)²) = 0.2 - √0.021787 = 0.0524
    #   U = 0.2 + √((0.8770 - 0.8)² + (0.6 - 0.4905)²) = 0.2 + √0.017919 = 0.3339
    pytest.param(56, 70, 48, 80, 0.0524, 0.3339, id="56/70-48/80"),
    pytest.param(9, 10, 3, 10, 0.1705, 0.8090, id="9/10-3/10"),
    pytest.param(6, 7, 2, 7, 0.0582, 0.8062, id="6/7-2/7"),
    pytest.param(5, 56, 0, 29, -0.0381, 0.1926, id="5/56-0/29"),
    pytest.param(0, 10, 0, 20, -0.1611, 0.2775, id="0/10-0/20"),
    pytest.param(10, 10, 0, 20, 0.6791, 1.0000, id="10/10-0/20"),
])
def test_newcombe_hybrid_score_matches_the_paper(x1, n1, x2, n2, low, high) -> None:
    interval = newcombe_interval(x1, n1, x2, n2)
    assert (round(interval.low, 4), round(interval.high, 4)) == (low, high)


def test_z_test_by_hand() -> None:
    # 56/70 vs 48/80: pooled p = 104/150 = 0.693333
    #   se = √(0.693333·0.306667·(1/70 + 1/80)) = √0.0056952 = 0.075467
    #   z = 0.2 / 0.075467 = 2.6502; p = 2·(1 - Φ(2.6502)) = 0.008045
    p_value, test = two_proportion_p_value(56, 70, 48, 80)
    assert test == "z_test"
    assert math.isclose(p_value, 0.008045, abs_tol=1e-6)


def test_fisher_exact_for_small_counts_by_hand() -> None:
    # 9/10 vs 3/10: the expected converted count per group is 10·12/20 = 6 and the
    # expected non-converted 10·8/20 = 4 < 5, so Fisher's exact test.
    # With 12 converted among 20, P(k of them in the treated 10) = C(12,k)·C(8,10-k)/C(20,10):
    #   k = 9: 220·8 = 1760, k = 10: 66·1 = 66, k = 3: 220·8 = 1760, k = 2: 66·1 = 66
    #   (the tables as or less likely than the one seen), C(20,10) = 184,756
    #   p = (1760 + 66 + 1760 + 66) / 184,756 = 0.019767
    p_value, test = two_proportion_p_value(9, 10, 3, 10)
    assert test == "fisher_exact"
    assert round(p_value, 6) == 0.019767


@pytest.mark.parametrize(("p1", "p2", "ratio", "total"), [
    # Equal groups, 20 % vs 15 %: p̄ = 0.175
    #   a = 1.959964·√(0.175·0.825·2) = 1.053197, b = 0.841621·√(0.16 + 0.1275) = 0.451269
    #   n per group = (a + b)² / 0.05² = 905.37 -> 1,810.73 in all -> 1,811
    pytest.param(0.20, 0.15, 1.0, 1811, id="equal-groups"),
    # Nine treated per control customer: p̄ = (9·0.2 + 0.15)/10 = 0.195
    #   a = 1.959964·√(0.195·0.805·(1 + 1/9)) = 0.818546
    #   b = 0.841621·√(0.16/9 + 0.1275) = 0.320786
    #   n control = (a + b)² / 0.0025 = 519.23 -> 5,192.3 in all -> 5,193
    pytest.param(0.20, 0.15, 9.0, 5193, id="control-10-percent"),
])
def test_sample_size_by_hand(p1, p2, ratio, total) -> None:
    assert sample_size_needed(p1, p2, ratio) == total


def test_sample_size_of_no_difference_is_none() -> None:
    assert sample_size_needed(0.1, 0.1, 1.0) is None


def test_a_clear_lift_is_stated_with_its_interval() -> None:
    lift = lift_compute(GroupCounts(70, 56), GroupCounts(80, 48))
    assert lift.verdict == "lift"
    assert lift.verdict_text == "lifts conversions by 20.0 pp (95 % CI 5.2 to 33.4 pp)"
    assert round(lift.relative or 0, 4) == round(0.2 / 0.6, 4)


def test_a_drop_is_stated_as_a_drop() -> None:
    lift = lift_compute(GroupCounts(80, 48), GroupCounts(70, 56))
    assert lift.verdict == "drop"
    assert lift.verdict_text.startswith("lowers conversions by 20.0 pp")


def test_too_few_customers_says_how_many_more() -> None:
    # 20 % of 900 treated against 15 % of 100 held out: p = 0.23, not significant;
    # the test of a 5 pp effect needs 5,193 (above) -> 4,193 more -> about 4,200
    lift = lift_compute(GroupCounts(900, 180), GroupCounts(100, 15))
    assert lift.verdict == "not_enough_data"
    assert (lift.needed_customers, lift.more_customers) == (5193, 4193)
    assert lift.verdict_text == ("not enough data yet (need about 4,200 more customers "
                                 "for this effect)")


def test_no_effect_with_enough_customers() -> None:
    lift = lift_compute(GroupCounts(5000, 500), GroupCounts(5000, 500))
    assert (lift.verdict, lift.verdict_text) == ("no_effect", "no measurable effect")
    assert lift.absolute == 0.0 and lift.p_value == 1.0


def test_a_precise_nothing_is_no_effect_however_many_more_a_test_would_need() -> None:
    # 43.75 % of 800,000 against 43.725 % of 200,000: the 95 % range of the difference is
    # about -0.22 to 0.27 pp, narrower than 2 pp; detecting 0.025 pp would take about
    # 190 million customers, but an effect that small does not matter
    lift = lift_compute(GroupCounts(800_000, 350_000), GroupCounts(200_000, 87_450))
    assert lift.more_customers is not None and lift.more_customers > 10_000_000
    assert (lift.verdict, lift.verdict_text) == ("no_effect", "no measurable effect")


def _finite_everywhere(value: object) -> bool:
    text = json.dumps(value, default=lambda o: o.__dict__)
    return "NaN" not in text and "Infinity" not in text


@pytest.mark.parametrize(("treatment", "control", "verdict"), [
    pytest.param(GroupCounts(0, 0), GroupCounts(0, 0), "no_data", id="nobody"),
    pytest.param(GroupCounts(50, 5), GroupCounts(0, 0), "no_control", id="no-control"),
    pytest.param(GroupCounts(0, 0), GroupCounts(5, 1), "no_control", id="all-held-out"),
    pytest.param(GroupCounts(100, 0), GroupCounts(20, 0), "not_enough_data",
                 id="zero-conversions"),
    pytest.param(GroupCounts(10, 10), GroupCounts(5, 5), "not_enough_data",
                 id="everyone-converted-tiny"),
    pytest.param(GroupCounts(1, 1), GroupCounts(1, 0), "not_enough_data", id="one-each"),
    pytest.param(GroupCounts(3, 0), GroupCounts(1, 1), "not_enough_data", id="tiny-reverse"),
])
def test_edge_cases_are_finite_and_plain(treatment, control, verdict) -> None:
    lift = lift_compute(treatment, control)
    assert lift.verdict == verdict
    assert _finite_everywhere(lift.as_dict())
    assert _finite_everywhere(value_lift(treatment, control).as_dict())
    if lift.absolute_ci is not None:
        assert -1 <= lift.absolute_ci.low <= lift.absolute_ci.high <= 1
    if lift.p_value is not None:
        assert 0 <= lift.p_value <= 1


def test_no_control_group_says_so() -> None:
    lift = lift_compute(GroupCounts(50, 5), GroupCounts(0, 0))
    assert lift.verdict_text == "no control group: set one in settings to measure the effect"
    assert lift.absolute is None and lift.absolute_ci is None and lift.p_value is None


def test_zero_conversions_have_no_relative_lift() -> None:
    lift = lift_compute(GroupCounts(100, 3), GroupCounts(100, 0))
    assert lift.relative is None  # 3 % over 0 % is not a percentage
    assert lift.absolute == 0.03


def test_incremental_value_by_hand() -> None:
    # Treated values per customer 10, 0, 20, 0: sum 30, sum of squares 500, mean 7.5,
    #   s² = (500 - 4·7.5²) / 3 = 91.6667
    # Control 0, 10, 0: sum 10, sum of squares 100, mean 3.3333,
    #   s² = (100 - 3·3.3333²) / 2 = 33.3333
    # difference 4.1667; se = √(91.6667/4 + 33.3333/3) = √34.0278 = 5.8333
    # 95 %: 4.1667 ± 1.959964·5.8333 = -7.2665 to 15.5998 per customer;
    # x 4 treated: 16.6667 (-29.066 to 62.399)
    value = value_lift(GroupCounts(4, 2, 30.0, 500.0), GroupCounts(3, 1, 10.0, 100.0))
    assert round(value.per_customer or 0, 4) == 4.1667
    assert value.per_customer_ci is not None and value.incremental_ci is not None
    assert (round(value.per_customer_ci.low, 4), round(value.per_customer_ci.high, 4)) == (
        -7.2665, 15.5998)
    assert round(value.incremental or 0, 4) == 16.6667
    assert (round(value.incremental_ci.low, 3), round(value.incremental_ci.high, 3)) == (
        -29.066, 62.399)


def test_constants() -> None:
    assert math.isclose(Z, 1.959964, abs_tol=1e-6)
