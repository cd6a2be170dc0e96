"""ROI and the break-even save rate against hand-computed figures (apps/reports/roi.py),
and the costs the report counts for a workflow (apps/reports/costs.py)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from apps.customers.models import Customer
from apps.messaging.models import Message
from apps.offers.models import Offer
from apps.reports.costs import value_per_kept, workflow_costs
from apps.reports.roi import roi_compute
from apps.reports.selectors import workflow_report
from apps.reports.stats import GroupCounts, lift_compute
from apps.tasks.models import Task
from apps.workflows.schemas import Costs as CostSettings
from tests.reports.test_report import TAG, at, enter, goal_event, person


def test_roi_by_hand() -> None:
    # Given 800 treated customers of whom 120 converted (15 %) and 200 held out of whom
    # 20 converted (10 %), a cost of 239 (800 e-mails at 0.01 = 8, 300 SMS segments at
    # 0.07 = 21, 40 agent tasks at 1.00 + 6 min x 0.50 = 160, 10 offers of 5 off = 50),
    # and a kept customer worth 120
    lift = lift_compute(GroupCounts(800, 120), GroupCounts(200, 20))
    roi = roi_compute(800, 239.0, 120.0, lift)

    # Hand computation:
    #   cost per contacted customer  = 239 / 800                 = 0.29875
    #   break-even save rate         = 0.29875 / 120             = 0.0024896 (0.25 %)
    #   1 in N: N = floor(1 / 0.0024896) = floor(401.67)         = 401
    #   lift = 0.15 - 0.10 = 0.05; Wilson 120/800: 0.126932-0.176413, 20/200:
    #   0.065670-0.149406; Newcombe: 0.05 - sqrt(0.023068² + 0.049406²) = -0.004526,
    #   0.05 + sqrt(0.026413² + 0.034330²) = 0.093315
    #   saved customers = 0.05 x 800 = 40   (-3.62 to 74.65)
    #   net value       = 40 x 120 - 239 = 4,561   (-3.62 x 120 - 239 = -673.5 to
    #                                               74.65 x 120 - 239 = 8,719.2)
    #   ROI             = 4,561 / 239 = 19.0837   (-2.818 to 36.482)
    assert roi.cost_per_contacted == pytest.approx(0.29875)
    assert roi.break_even_rate == pytest.approx(0.29875 / 120)
    assert roi.break_even_one_in == 401
    assert roi.saved_rate == pytest.approx(0.05)
    assert roi.saved_rate_ci.low == pytest.approx(-0.004526, abs=1e-6)
    assert roi.saved_rate_ci.high == pytest.approx(0.093315, abs=1e-6)
    assert roi.saved_customers == pytest.approx(40)
    assert roi.net_value == pytest.approx(4561)
    assert roi.net_value_ci.low == pytest.approx(-673.49, abs=0.01)
    assert roi.net_value_ci.high == pytest.approx(8719.23, abs=0.01)
    assert roi.roi == pytest.approx(19.0837, abs=1e-4)
    assert (roi.roi_ci.low, roi.roi_ci.high) == (pytest.approx(-2.8179, abs=1e-4),
                                                 pytest.approx(36.4821, abs=1e-4))
    # The interval of the lift straddles 0: it may or may not pay off
    assert roi.verdict == "unclear"


def test_ten_times_the_customers_pays_off() -> None:
    # Same rates and cost per customer, ten times the customers: Wilson 1,200/8,000:
    # 0.142344-0.157992, 200/2,000: 0.087609-0.113924; Newcombe: 0.05 -
    # sqrt(0.007656² + 0.013924²) = 0.034109 to 0.05 + sqrt(0.007992² + 0.012391²) =
    # 0.064745: above the break-even rate of 0.25 %, so the lower end of the net value
    # is positive: 0.034109 x 8,000 x 120 - 2,390 = 30,355
    lift = lift_compute(GroupCounts(8000, 1200), GroupCounts(2000, 200))
    roi = roi_compute(8000, 2390.0, 120.0, lift)
    assert roi.saved_rate_ci.low == pytest.approx(0.034109, abs=1e-6)
    assert roi.saved_rate_ci.high == pytest.approx(0.064745, abs=1e-6)
    assert roi.net_value_ci.low == pytest.approx(30355.03, abs=0.01)
    assert roi.break_even_one_in == 401
    assert roi.verdict == "pays_off"


@pytest.mark.parametrize(("treated", "control", "cost", "value", "verdict", "one_in"), [
    # no control group: break-even still known (10 / 100 = 0.1 per customer; 0.1/50 =
    # 1 in 500), nothing measured
    pytest.param((100, 10), (0, 0), 10.0, 50.0, "no_control", 500, id="no-control"),
    # zero conversions on both sides: lift 0, interval from Newcombe (-0.2775 .. 0.5615
    # for 0/10 against 0/3); net = 0 x 10 x 50 - 10 = -10; ROI -1
    pytest.param((10, 0), (3, 0), 10.0, 50.0, "unclear", 50, id="zero-conversions"),
    # a kept customer is worth less than contacting one: it cannot pay off (rate > 1)
    pytest.param((10, 5), (10, 1), 600.0, 50.0, "does_not_pay", None, id="cannot-pay"),
    pytest.param((10, 5), (10, 1), 0.0, 50.0, "no_costs", None, id="no-costs"),
    pytest.param((10, 5), (10, 1), 10.0, 0.0, "no_value", None, id="no-value"),
    pytest.param((0, 0), (0, 0), 0.0, 50.0, "no_data", None, id="nobody"),
])
def test_edge_cases(treated, control, cost, value, verdict, one_in) -> None:
    lift = lift_compute(GroupCounts(*treated), GroupCounts(*control))
    roi = roi_compute(treated[0], cost, value, lift)
    assert roi.verdict == verdict
    assert roi.break_even_one_in == one_in
    if verdict in ("no_control", "no_data"):
        assert (roi.saved_rate, roi.net_value, roi.roi, roi.roi_ci) == (None,) * 4
    if verdict in ("no_costs", "no_value"):
        assert (roi.roi, roi.roi_ci) == (None, None)


def test_zero_conversions_by_hand() -> None:
    lift = lift_compute(GroupCounts(10, 0), GroupCounts(3, 0))
    roi = roi_compute(10, 10.0, 50.0, lift)
    # net = 0 x 10 x 50 - 10 = -10, ROI = -10 / 10 = -1; the lift's interval
    # -0.5615 .. 0.2775 gives saved customers -5.615 .. 2.775, net -290.7 .. 128.8
    assert (roi.net_value, roi.roi) == (-10.0, -1.0)
    assert roi.net_value_ci.low == pytest.approx(-0.561497 * 10 * 50 - 10, abs=1e-3)
    assert roi.net_value_ci.high == pytest.approx(0.277533 * 10 * 50 - 10, abs=1e-3)
    assert roi.break_even_one_in == 50  # 1 per customer / 50 = 0.02 = 1 in 50


@pytest.mark.django_db
def test_the_costs_of_the_period_and_the_value_of_a_kept_customer(publish) -> None:
    # Given a workflow whose runs in the period sent 2 e-mails (one failed, not billed),
    # an SMS of 161 GSM characters (2 segments), 2 agent tasks (one cancelled) and three
    # redeemed offers (5 off, 10 % of an order of 80, free shipping), and an e-mail of
    # a run before the period
    costs = CostSettings(email=Decimal("0.01"), sms=Decimal("0.07"), call_task=Decimal("1"),
                         agent_minute=Decimal("0.5"), task_minutes=Decimal("6"),
                         free_shipping=Decimal("4.9"), retained_customer_value=Decimal("100"))
    workflow = publish(TAG, {"control_percent": 10, "costs": costs.model_dump(mode="json"),
                             "goal": {"event_type": "order.completed"}})
    ann, bob = person("ann"), person("bob")
    run = enter(workflow.pk, ann, at())
    old = enter(workflow.pk, bob, at(-5))
    n = iter(range(100))

    def made(model, run_=run, **fields):
        return model.objects.create(customer=ann, run_id=run_.pk, workflow_id=workflow.pk,
                                    idempotency_key=f"k{next(n)}", **fields)

    for status in ("sent", "delivered", "failed"):
        made(Message, channel="email", body="hi", status=status, created_at=at(0.1))
    made(Message, channel="sms", body="x" * 161, status="sent", created_at=at(0.1))
    made(Message, run_=old, channel="email", body="hi", status="sent", created_at=at(-4))
    for state in ("done", "cancelled"):
        Task.objects.create(customer=ann, run_id=run.pk, workflow_id=workflow.pk,
                            idempotency_key=f"t{state}", title="call", state=state,
                            due_at=at(1), requested_due_at=at(1), created_at=at(0.1))
    order = goal_event(ann, at(1), amount=80)
    for kind, value, event in (("amount", "5", None), ("percent", "10", order.pk),
                               ("free_shipping", "0", None)):
        made(Offer, code=f"C-{kind}", kind=kind, value=Decimal(value), created_at=at(0.1),
             redeemed_at=at(1), redeemed_event_id=event)

    counted = workflow_costs(workflow.pk, costs, at(-1), at(1))

    # then: e-mails 2 x 0.01 = 0.02; SMS 2 x 0.07 = 0.14; tasks 1 x (1 + 0.5 x 6) = 4;
    # offers 5 + 10 % of 80 + 4.90 = 17.90; total 22.06
    assert (counted.emails, counted.sms_segments, counted.tasks, counted.offers_redeemed) \
        == (2, 2, 1, 3)
    assert counted.email_cost == pytest.approx(0.02)
    assert counted.sms_cost == pytest.approx(0.14)
    assert counted.task_cost == pytest.approx(4.0)
    assert counted.offer_cost == pytest.approx(17.9)
    assert counted.total == pytest.approx(22.06)

    # and a kept customer is worth the average CLV, the set value where unknown:
    # ann 300, and (entering in the period) cid without one: (300 + 100) / 2 = 200
    Customer.objects.filter(pk=ann.pk).update(clv=Decimal("300"))
    enter(workflow.pk, person("cid"), at(0.2))
    assert value_per_kept(workflow.pk, costs, at(-1), at(1), 2) == (200.0, 2, 1)
    off = costs.model_copy(update={"use_clv": False})
    assert value_per_kept(workflow.pk, off, at(-1), at(1), 2) == (100.0, 0, 0)

    # and the report shows them
    workflow.refresh_from_db()
    report = workflow_report(workflow, at(-1), at(1), now=at(2))
    assert report["roi"]["costs"]["total"] == pytest.approx(22.06)
    assert report["roi"]["value_per_kept"] == 200.0
    assert report["roi"]["contacted"] == 2
    assert report["roi"]["verdict"]["kind"] == "no_control"
