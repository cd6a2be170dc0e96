"""The published CDNOW results, reproduced from the raw purchases stored as events
(Fader, Hardie & Lee 2005; Fader & Hardie 2013). Skipped where the data is absent
(KEEPFLOW_CDNOW_SAMPLE names the file)."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest

from apps.customers.models import Customer
from apps.insights.bgnbd import BgNbdParams
from apps.insights.rfm import purchase_summary
from apps.insights.scoring import expected_purchases
from apps.insights.services import churn_fit
from tests.insights.conftest import CDNOW_SAMPLE, cdnow_purchases, purchases_store

pytestmark = pytest.mark.skipif(not CDNOW_SAMPLE.exists(),
                                reason=f"CDNOW sample not at {CDNOW_SAMPLE}")

CALIBRATION_END = date(1997, 9, 30)


@pytest.fixture
def cdnow(db) -> None:
    purchases_store(cdnow_purchases())


def test_bgnbd_and_gamma_gamma_match_the_papers(cdnow) -> None:
    fit = churn_fit(CALIBRATION_END)

    assert fit.converged, fit.reason
    assert (fit.customers, fit.repeat_customers) == (2357, 946)
    # BG/NBD, FHL 2005 Marketing Science, to the published three decimals.
    assert [round(v, 3) for v in (fit.r, fit.alpha, fit.a, fit.b)] == \
        [0.243, 4.414, 0.793, 2.426]
    assert round(fit.log_likelihood, 1) == -9582.4
    # Gamma-Gamma, FHL 2005 JMR / note 025, to the published two decimals.
    assert [round(v, 2) for v in (fit.p, fit.q, fit.gamma)] == [6.25, 3.74, 15.44]


def test_summary_merges_same_day_purchases_and_counts_repeats_only(cdnow) -> None:
    summary = purchase_summary(CALIBRATION_END)

    assert int(summary.x.sum()) == 2457  # the README's repeat purchases in calibration
    assert int((summary.x == 0).sum()) == 1411
    # customer 0001: x = 2, t_x = 30.43 weeks, T = 38.86 weeks
    one = Customer.objects.get(external_id="0001").pk
    i = int(np.flatnonzero(summary.customer_id == one)[0])
    assert (summary.x[i], summary.t_x[i], summary.age[i]) == (2, 213, 272)


def test_conditional_expectation_matches_hardie_spreadsheet(cdnow) -> None:
    fit = churn_fit(CALIBRATION_END)
    summary = purchase_summary(CALIBRATION_END)
    params = BgNbdParams(fit.r, fit.alpha, fit.a, fit.b)

    expected = expected_purchases(params, summary, 39 * 7)

    one = Customer.objects.get(external_id="0001").pk
    assert round(float(expected[summary.customer_id == one][0]), 3) == 1.226
    assert round(float(expected.sum()), 1) == 1653.4  # the README's holdout prediction


def test_later_purchases_do_not_leak_into_an_as_of_fit(cdnow) -> None:
    before = churn_fit(CALIBRATION_END)
    after = churn_fit(date(1998, 6, 30))

    assert round(before.log_likelihood, 1) == -9582.4
    assert after.repeat_customers > before.repeat_customers
