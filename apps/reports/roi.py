"""Return on investment of a workflow, as pure functions (no Django): what it cost per
contacted (treated) customer, the save rate at which it breaks even, and, from the
measured incremental save rate (the lift, with its Newcombe interval), the customers
saved, the net value and the ROI, each with its 95 % interval.

The intervals carry the uncertainty of the lift only: costs are counted, not estimated,
and the value of a kept customer is taken as given (a set value or the customers'
average CLV). Net value and ROI rise with the lift, so their interval is the lift's
interval put through the same formula (docs/reports.md#return-on-investment).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

from apps.reports.stats import Interval, Lift

RoiVerdict = Literal["no_data", "no_control", "no_value", "no_costs", "pays_off",
                     "does_not_pay", "unclear"]


@dataclass(frozen=True)
class Costs:
    """What the workflow spent on the customers who entered in the period."""

    emails: int = 0
    email_cost: float = 0.0
    sms_segments: int = 0
    sms_cost: float = 0.0
    tasks: int = 0
    task_cost: float = 0.0
    offers_redeemed: int = 0
    offer_cost: float = 0.0  # the discounts given

    @property
    def total(self) -> float:
        return self.email_cost + self.sms_cost + self.task_cost + self.offer_cost


@dataclass(frozen=True)
class Roi:
    contacted: int  # treated customers
    cost: float
    cost_per_contacted: float | None
    value_per_kept: float
    break_even_rate: float | None  # cost per contacted / value per kept
    break_even_one_in: int | None  # pays off if it keeps 1 in this many contacted
    saved_rate: float | None  # the lift: treated rate - control rate
    saved_rate_ci: Interval | None
    saved_customers: float | None  # saved_rate x contacted
    saved_customers_ci: Interval | None
    net_value: float | None  # saved customers x value per kept - cost
    net_value_ci: Interval | None
    roi: float | None  # net value / cost
    roi_ci: Interval | None
    verdict: RoiVerdict


def _scaled(interval: Interval | None, factor: float, shift: float = 0.0) -> Interval | None:
    if interval is None:
        return None
    return Interval(interval.low * factor + shift, interval.high * factor + shift)


def roi_compute(contacted: int, cost: float, value_per_kept: float, lift: Lift) -> Roi:
    """ROI of a workflow from its counted cost, the value of a kept customer and the
    lift of its goal (a conversion is a kept customer)."""
    per_contacted = cost / contacted if contacted else None
    break_even = None
    one_in = None
    if per_contacted is not None and value_per_kept > 0:
        break_even = per_contacted / value_per_kept
        if 0 < break_even <= 1:
            # keeping 1 in N pays when 1/N >= break_even: the largest such N
            one_in = max(1, math.floor(1 / break_even + 1e-9))
    delta, delta_ci = lift.absolute, lift.absolute_ci
    if not contacted:
        verdict: RoiVerdict = "no_data"
    elif delta is None:
        verdict = "no_control"
    elif value_per_kept <= 0:
        verdict = "no_value"
    elif cost <= 0:
        verdict = "no_costs"
    else:
        verdict = "unclear"
    if delta is None or not contacted:
        return Roi(contacted, cost, per_contacted, value_per_kept, break_even, one_in,
                   None, None, None, None, None, None, None, None, verdict)
    saved = delta * contacted
    saved_ci = _scaled(delta_ci, contacted)
    if value_per_kept <= 0:  # nothing to weigh the saves against
        return Roi(contacted, cost, per_contacted, value_per_kept, break_even, one_in,
                   delta, delta_ci, saved, saved_ci, None, None, None, None, verdict)
    net = saved * value_per_kept - cost
    net_ci = _scaled(saved_ci, value_per_kept, -cost)
    roi = roi_ci = None
    if cost > 0:
        roi = net / cost
        roi_ci = _scaled(net_ci, 1 / cost)
    if verdict == "unclear" and net_ci is not None:
        if net_ci.low > 0:
            verdict = "pays_off"
        elif net_ci.high < 0:
            verdict = "does_not_pay"
    return Roi(contacted, cost, per_contacted, value_per_kept, break_even, one_in, delta,
               delta_ci, saved, saved_ci, net, net_ci, roi, roi_ci, verdict)
