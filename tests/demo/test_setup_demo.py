"""setup_demo and the demo data: realistic, fast, and never duplicated (on PostgreSQL)."""

import itertools
import statistics
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from io import StringIO
from zoneinfo import ZoneInfo

import phonenumbers
import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.db.models import Count
from django.utils import timezone

from apps.customers.models import Customer, Event, Segment
from apps.demo.data import CUSTOMERS, ID_PREFIX, demo_data_load, demo_plan
from apps.workflows.models import Workflow

pytestmark = pytest.mark.django_db


def counts() -> dict[str, int]:
    return {"customers": Customer.objects.count(), "events": Event.objects.count(),
            **dict(Event.objects.values_list("type").annotate(n=Count("id")))}


@pytest.fixture
def loaded():
    return demo_data_load()


def test_demo_load_twice_creates_nothing_the_second_time(loaded):
    # Given a first load
    first = counts()
    # when it runs again (the next day, too)
    again = demo_data_load(timezone.now() + timedelta(days=1))
    # then nothing new exists and the second run says so
    assert counts() == first
    assert (again.customers_created, again.events_created, again.skipped) == (0, 0, True)
    assert (loaded.customers_created, loaded.events_created) == (first["customers"],
                                                                  first["events"])


def test_demo_load_fills_in_what_is_missing(loaded):
    # Given a load from which one customer's events were lost
    complete = counts()
    Event.objects.filter(customer__external_id="demo-00007").delete()
    # when it loads again
    result = demo_data_load()
    # then exactly those come back
    assert counts() == complete
    assert result.customers_created == 0 and result.events_created > 0


def purchase_days(now: datetime) -> dict[str, list[float]]:
    """Per customer, how many days ago each purchase was, oldest first."""
    days = defaultdict(list)
    for external_id, at in (Event.objects.filter(type="purchase").order_by("occurred_at")
                            .values_list("customer__external_id", "occurred_at")):
        days[external_id].append((now - at).total_seconds() / 86400)
    return dict(days)


def test_demo_data_has_the_planned_purchases_and_realistic_profiles(loaded):
    plan = demo_plan(timezone.now())
    customers = list(Customer.objects.filter(external_id__startswith=ID_PREFIX))
    # a few hundred customers, each with every planned purchase, at least one
    assert len(customers) == len(plan) == CUSTOMERS == 300
    per_customer = dict(Event.objects.filter(type="purchase").values_list("customer__external_id")
                        .annotate(n=Count("id")))
    assert per_customer == {c.external_id: sum(e.type == "purchase" for e in c.events)
                            for c in plan}
    assert min(per_customer.values()) >= 1
    for customer in customers:  # the profile agrees with the history
        assert customer.attributes["orders"] == per_customer[customer.external_id]
    today = timezone.now().astimezone(UTC).date()
    for customer in customers:
        number = phonenumbers.parse(customer.phone, None)
        assert phonenumbers.is_valid_number(number), customer.phone
        assert customer.phone == phonenumbers.format_number(
            number, phonenumbers.PhoneNumberFormat.E164)
        assert customer.email.endswith("@example.com") and customer.first_name
        ZoneInfo(customer.timezone)
        assert customer.attributes["plan"] in {"basic", "plus", "premium"}
        assert set(customer.consent) == {"email", "sms", "call"}
    ends_in = [(datetime.fromisoformat(c.attributes["contract_end"]).date() - today).days
               for c in customers]
    assert 10 <= sum(0 < d <= 30 for d in ends_in) <= 80
    assert any(d < 0 for d in ends_in)
    for channel in ("email", "sms", "call"):
        statuses = {c.consent[channel]["status"] for c in customers}
        assert statuses == {"granted", "denied", "unknown"}, channel
    assert {c.tier for c in customers} == {"bronze", "silver", "gold", "vip"}


def test_demo_feedback_has_nps_scores_with_detractors(loaded):
    scores = [e.properties["score"] for e in Event.objects.filter(type="feedback.submitted")]
    assert scores and all(isinstance(s, int) and 0 <= s <= 10 for s in scores)
    detractors = sum(s <= 6 for s in scores)
    assert 0.1 < detractors / len(scores) < 0.5
    assert Event.objects.filter(type="support.ticket_opened").exists()


def test_demo_histories_end_now_with_regulars_lapsed_and_one_time_buyers(loaded):
    now = timezone.now()
    days = purchase_days(now)
    # nothing in the future; first purchases spread over the last 18 months, the newest
    # purchases are from the last two days
    assert not Event.objects.filter(occurred_at__gt=now).exists()
    assert len(days) == 300
    firsts = [d[0] for d in days.values()]
    assert max(firsts) < 541 and min(d[-1] for d in days.values()) < 2
    assert sum(f > 365 for f in firsts) > 50 and sum(f < 90 for f in firsts) > 20
    # a third or more are regulars with three purchases or more, and a good part of
    # them lapsed: not a purchase in the last 90 days; many are one-time buyers
    regulars = {k: d for k, d in days.items() if len(d) >= 3}
    lapsed = [k for k, d in regulars.items() if d[-1] > 90]
    assert len(regulars) >= 90
    assert 30 <= len(lapsed) <= len(regulars) - 30
    assert 80 <= sum(len(d) == 1 for d in days.values()) <= 170
    # regulars buy with a rhythm: gaps vary less than a memoryless buyer's
    variation = []
    for d in regulars.values():
        gaps = [a - b for a, b in itertools.pairwise(d)]
        variation.append(statistics.pstdev(gaps) / statistics.mean(gaps))
    assert statistics.median(variation) < 0.6


def test_demo_plan_keeps_its_keys_and_follows_the_calendar():
    # Given the plans of today and of tomorrow
    now = timezone.now()
    today, tomorrow = demo_plan(now), demo_plan(now + timedelta(days=1))
    # then they hold the same events under the same keys, purchases one day later
    keys = [[e.idempotency_key for e in c.events] for c in today]
    assert keys == [[e.idempotency_key for e in c.events] for c in tomorrow]
    for before, after in zip(today, tomorrow, strict=True):
        assert before.profile["email"] == after.profile["email"]
        for a, b in zip(before.events, after.events, strict=True):
            if a.type == "purchase":
                assert a.properties == b.properties
                if now - a.occurred_at < timedelta(days=2):
                    continue  # the newest may be capped at "now"
                local_a = a.occurred_at.astimezone(ZoneInfo(before.profile["timezone"]))
                local_b = b.occurred_at.astimezone(ZoneInfo(after.profile["timezone"]))
                assert local_b.date() - local_a.date() == timedelta(days=1)


def test_setup_demo_command_twice(monkeypatch):
    # Given a chosen demo password
    monkeypatch.setenv("KEEPFLOW_DEMO_PASSWORD", "s3cret-demo")
    monkeypatch.setenv("PORT", "8765")
    out = StringIO()
    # when setup_demo runs twice
    call_command("setup_demo", stdout=out)
    first = counts()
    out2 = StringIO()
    call_command("setup_demo", stdout=out2)
    # then the second run changes nothing, the admin signs in, and the banner says how
    assert counts() == first
    assert first["customers"] == 300
    assert authenticate(username="admin", password="s3cret-demo").role == "admin"
    assert "Demo data already there: 300 customers" in out2.getvalue()
    assert "Starter workflows ready: 7 drafts." in out2.getvalue()
    assert "Demo segments ready: 3." in out2.getvalue()
    assert all(s.member_count > 0 for s in Segment.objects.all())
    assert sorted(Workflow.objects.values_list("state", flat=True)) == ["draft"] * 7
    banner = out2.getvalue()
    assert "http://127.0.0.1:8765/" in banner
    assert "username: admin   password: s3cret-demo" in banner


def test_setup_demo_refuses_the_published_password_outside_debug(monkeypatch, settings):
    from django.core.management.base import CommandError

    monkeypatch.delenv("KEEPFLOW_DEMO_PASSWORD", raising=False)
    settings.DEBUG = False
    with pytest.raises(CommandError, match="KEEPFLOW_DEMO_PASSWORD"):
        call_command("setup_demo", stdout=StringIO())
    assert Customer.objects.count() == 0
