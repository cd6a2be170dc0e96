"""Demo data for `make run`: a few hundred customers with realistic histories.

Everything is generated, nothing is copied from a real data set. Purchases come from a
"buy till you die" simulation (history.py): regulars with their own rhythm, regulars
who lapsed, one-time buyers, all ending yesterday. Everything else (names, contact
details, plans, consent, feedback, tickets, visits) comes from a seeded random source
per customer, so every run plans the same customers and the same event keys: loading
twice never duplicates anything, only the timestamps follow "now".
"""

import random
import unicodedata
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import phonenumbers
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from apps.accounts.capabilities import Role
from apps.accounts.models import User
from apps.customers.ingest import EventIn, events_ingest
from apps.customers.models import Customer, Event, EventSource
from apps.customers.serializers import CustomerWriteSerializer
from apps.customers.services import customer_apply, customers_changed
from apps.demo.history import purchases_simulate

CUSTOMERS = 300
ID_PREFIX = "demo-"
KEY_PREFIX = "demo:"
SOURCE = "demo"
DEMO_USERNAME = "admin"
DEFAULT_DEMO_PASSWORD = "keepflow-demo"  # local only; docs/operations.md says so


@dataclass(frozen=True)
class Country:
    region: str
    locale: str
    time_zones: tuple[str, ...]
    first_names: tuple[str, ...]
    last_names: tuple[str, ...]
    weight: int


COUNTRIES = (
    Country("US", "en-US", ("America/New_York", "America/Chicago", "America/Denver",
                            "America/Los_Angeles"),
            ("James", "Mary", "Robert", "Patricia", "Michael", "Jennifer", "David", "Linda",
             "Daniel", "Emily", "Chris", "Ashley", "Kevin", "Megan", "Brian", "Olivia"),
            ("Smith", "Johnson", "Williams", "Brown", "Garcia", "Miller", "Davis",
             "Martinez", "Wilson", "Anderson", "Taylor", "Moore", "Clark", "Lewis"), 34),
    Country("DE", "de-DE", ("Europe/Berlin",),
            ("Lukas", "Anna", "Jonas", "Lea", "Felix", "Hannah", "Maximilian", "Sophie",
             "Paul", "Marie", "Jürgen", "Sabine", "Thomas", "Katrin", "Uwe", "Jana"),
            ("Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner",
             "Becker", "Schulz", "Hoffmann", "Koch", "Richter", "Wolf", "Krüger"), 26),
    Country("GB", "en-GB", ("Europe/London",),
            ("Oliver", "Amelia", "George", "Isla", "Harry", "Ava", "Jack", "Poppy",
             "Charlie", "Freya", "Alfie", "Grace"),
            ("Jones", "Evans", "Thomas", "Roberts", "Walker", "Wright", "Hughes",
             "Edwards", "Green", "Hall", "Wood", "Turner"), 15),
    Country("FR", "fr-FR", ("Europe/Paris",),
            ("Louis", "Camille", "Hugo", "Chloé", "Lucas", "Léa", "Arthur", "Manon",
             "Jules", "Inès", "Théo", "Zoé"),
            ("Martin", "Bernard", "Dubois", "Durand", "Lefèvre", "Moreau", "Laurent",
             "Simon", "Michel", "Garnier", "Rousseau", "Fontaine"), 10),
    Country("NL", "nl-NL", ("Europe/Amsterdam",),
            ("Daan", "Emma", "Sem", "Julia", "Finn", "Tess", "Bram", "Sanne", "Luuk",
             "Fleur"),
            ("de Jong", "Jansen", "de Vries", "van den Berg", "Bakker", "Visser",
             "Smit", "Meijer", "Mulder", "Bos"), 8),
    Country("ES", "es-ES", ("Europe/Madrid",),
            ("Hugo", "Lucía", "Martín", "Sofía", "Pablo", "Martina", "Álvaro", "Paula",
             "Diego", "Carmen"),
            ("García", "Fernández", "González", "Rodríguez", "López", "Martínez",
             "Sánchez", "Pérez", "Gómez", "Ruiz"), 7),
)

PLANS = {"basic": Decimal("9.90"), "plus": Decimal("19.90"), "premium": Decimal("34.90")}
OPTIONAL_TAGS = ("newsletter", "mobile_app", "gift_buyer", "b2b", "beta_tester")
PLATFORMS = ("web", "ios", "android")
# (status, source, weight) per channel: some opt-ins, some refusals, many never asked.
CONSENT_CHOICES = {
    "email": (("granted", "double_opt_in", 55), ("granted", "checkout", 20),
              ("denied", "unsubscribe_link", 10), ("unknown", "import", 15)),
    "sms": (("granted", "web_form", 30), ("granted", "sms_keyword", 15),
            ("denied", "sms_stop", 20), ("unknown", "import", 35)),
    "call": (("granted", "call_center", 30), ("denied", "call_center", 15),
             ("unknown", "import", 55)),
}
COMMENTS = {
    "detractor": ("The parcel came a week late and nobody answered my e-mail.",
                  "Two items in the order were damaged.", "Prices went up again, not happy.",
                  "Checkout kept failing, I almost gave up.", "Support was rude on the phone."),
    "passive": ("Fine, but delivery could be faster.", "OK selection, prices are average.",
                "Does the job.", "Website is a bit slow."),
    "promoter": ("Great selection and fast delivery!", "Always find what I'm looking for.",
                 "Love the recommendations.", "Best online shop, told my friends.",
                 "Quick and friendly support."),
}
TICKET_SUBJECTS = {"delivery": "Order arrived late", "damaged": "Damaged item in my order",
                   "billing": "Charged twice", "account": "Cannot sign in"}


@dataclass
class DemoCustomer:
    external_id: str
    profile: dict[str, Any]
    events: list[EventIn]


@dataclass(frozen=True)
class DemoSummary:
    customers: int
    customers_created: int
    events: int
    events_created: int

    @property
    def skipped(self) -> bool:
        return self.customers_created == 0 and self.events_created == 0


def demo_plan(now: datetime, count: int = CUSTOMERS) -> list[DemoCustomer]:
    """Every demo customer with profile and events. Pure: same input, same output."""
    return [_customer(number, now) for number in range(1, count + 1)]


def demo_admin_ensure(password: str, username: str = DEMO_USERNAME) -> tuple[User, bool]:
    """The demo admin exists, is active and has exactly this password, so the login that
    the banner prints always works."""
    user, created = User.objects.get_or_create(username=username, defaults={"role": Role.ADMIN})
    usable = user.role == Role.ADMIN and user.is_active and user.check_password(password)
    if created or not usable:
        user.role, user.is_active = Role.ADMIN, True
        user.set_password(password)
        user.save()
    return user, created


def demo_data_load(now: datetime | None = None) -> DemoSummary:
    """Create what is missing of the demo data (profiles first, then events in batches);
    a complete earlier load is detected cheaply and left as it is."""
    now = now or timezone.now()
    plan = demo_plan(now)
    ids = [c.external_id for c in plan]
    keys = [e.idempotency_key for c in plan for e in c.events]
    existing_ids = set(Customer.objects.filter(external_id__in=ids)
                       .values_list("external_id", flat=True))
    existing_keys = _existing_keys(keys)
    missing = [c for c in plan if c.external_id not in existing_ids]
    created = _profiles_create(missing)
    todo = [e for c in plan for e in c.events if e.idempotency_key not in existing_keys]
    events_created = 0
    batch_size = settings.KEEPFLOW_MAX_EVENT_BATCH
    for start in range(0, len(todo), batch_size):
        results = events_ingest(todo[start:start + batch_size], source=EventSource.IMPORT)
        events_created += sum(not r.duplicate for r in results)
    return DemoSummary(len(plan), created, len(keys), events_created)


def _existing_keys(keys: list[str]) -> set[str]:
    return set(Event.objects.filter(idempotency_key__in=keys)
               .values_list("idempotency_key", flat=True))


def _profiles_create(customers: list[DemoCustomer]) -> int:
    """Profiles go through the same validation and merge rules as the API's upsert."""
    if not customers:
        return 0
    rows = []
    for demo in customers:
        serializer = CustomerWriteSerializer(data=demo.profile)
        serializer.is_valid(raise_exception=True)
        rows.append(customer_apply(Customer(external_id=demo.external_id),
                                   serializer.validated_data, source=SOURCE))
    with transaction.atomic():
        created = Customer.objects.bulk_create(rows, ignore_conflicts=True)
        new_ids = list(Customer.objects.filter(external_id__in=[c.external_id for c in created])
                       .values_list("id", flat=True))
        transaction.on_commit(lambda: customers_changed(new_ids))
    return len(new_ids)


def _customer(number: int, now: datetime) -> DemoCustomer:
    # Two streams, so that tuning the purchase model leaves names and contacts alone.
    rng = random.Random(f"keepflow-demo:{number}")
    orders = purchases_simulate(random.Random(f"keepflow-demo:{number}:purchases"))
    today = now.astimezone(UTC).date()
    days = [today - timedelta(days=order.days_ago) for order in orders]
    country = rng.choices(COUNTRIES, weights=[c.weight for c in COUNTRIES])[0]
    zone = ZoneInfo(rng.choice(country.time_zones))
    first, last = rng.choice(country.first_names), rng.choice(country.last_names)
    external_id = f"{ID_PREFIX}{number:05d}"

    def local(day: date, hour_from: int = 8, hour_to: int = 22) -> datetime:
        at = datetime.combine(day, time(rng.randrange(hour_from, hour_to), rng.randrange(60)),
                              tzinfo=zone).astimezone(UTC)
        return min(at, now - timedelta(minutes=rng.randrange(5, 600)))

    events: list[EventIn] = []
    spend = Decimal(0)
    for index, (order, day) in enumerate(zip(orders, days, strict=True)):
        spend += order.amount
        events.append(EventIn(
            external_id, "purchase",
            {"order_id": f"ORD-{number:05d}-{index + 1:03d}", "items": order.items,
             "amount": float(order.amount), "currency": "EUR"},
            local(day),
            f"{KEY_PREFIX}purchase:{number:05d}:{index}",
        ))
    first_day, last_day = days[0], days[-1]

    scores = _feedback_scores(rng)
    for index, score in enumerate(scores):
        if index == 0:  # a survey after a purchase
            day = min(rng.choice(days) + timedelta(days=rng.randrange(2, 10)), today)
        else:  # the relationship survey of the last weeks
            day = today - timedelta(days=rng.randrange(0, 21))
        at = local(day)
        kind = "detractor" if score <= 6 else "passive" if score <= 8 else "promoter"
        events.append(EventIn(
            external_id, "feedback.submitted",
            {"score": score, "survey": "nps", "comment": rng.choice(COMMENTS[kind])},
            at, f"{KEY_PREFIX}feedback:{number:05d}:{index}",
        ))
        if kind == "detractor" and rng.random() < 0.6:
            topic = rng.choice(sorted(TICKET_SUBJECTS))
            events.append(EventIn(
                external_id, "support.ticket_opened",
                {"topic": topic, "subject": TICKET_SUBJECTS[topic],
                 "priority": "high" if score <= 3 else "normal"},
                min(at + timedelta(hours=rng.randrange(1, 30)), now - timedelta(minutes=1)),
                f"{KEY_PREFIX}ticket:{number:05d}:{index}",
            ))

    recently_active = (today - last_day).days <= 90
    visits = rng.randrange(2, 8) if recently_active else int(rng.random() < 0.15)
    for index in range(visits):
        events.append(EventIn(
            external_id, "session.started", {"platform": rng.choice(PLATFORMS)},
            local(today - timedelta(days=rng.randrange(0, 30)), 6, 23),
            f"{KEY_PREFIX}session:{number:05d}:{index}",
        ))

    detractor = any(score <= 6 for score in scores)
    profile = _profile(rng, number, country, zone.key, first, last, first_day, now, spend,
                       len(orders), detractor)
    events += _cancellation(number, external_id, profile, detractor, today, now)
    return DemoCustomer(external_id, profile, events)


def _cancellation(number: int, external_id: str, profile: dict[str, Any], detractor: bool,
                  today: date, now: datetime) -> list[EventIn]:
    """Some unhappy customers whose contract ends soon complain and then ask to cancel:
    the churn score's strongest signals, so the demo has customers at risk. A generator of
    its own, so the rest of the demo stays as it was."""
    ends = date.fromisoformat(profile["attributes"]["contract_end"])
    extra = random.Random(f"{KEY_PREFIX}cancellation:{number}")
    if not detractor or (ends - today).days > 30 or extra.random() >= 0.6:
        return []
    at = now - timedelta(days=extra.randrange(1, 14), hours=extra.randrange(0, 12))
    reason = extra.choice(["too expensive", "poor service", "switching provider"])
    return [
        EventIn(external_id, "support.ticket_opened",
                {"topic": "cancellation", "subject": f"I want to cancel: {reason}",
                 "priority": "high"},
                at - timedelta(days=1), f"{KEY_PREFIX}cancel-ticket:{number:05d}"),
        EventIn(external_id, "cancellation.requested", {"reason": reason}, at,
                f"{KEY_PREFIX}cancellation:{number:05d}"),
    ]


def _feedback_scores(rng: random.Random) -> list[int]:
    """NPS answers: about half the customers answered once, some twice, a few never."""
    count = rng.choices((0, 1, 2), weights=(40, 45, 15))[0]
    return [rng.choices(range(11), weights=(3, 2, 3, 3, 4, 5, 6, 10, 14, 22, 28))[0]
            for _ in range(count)]


def _profile(rng: random.Random, number: int, country: Country, zone: str, first: str,
             last: str, first_day: date, now: datetime, spend: Decimal, orders: int,
             detractor: bool) -> dict[str, Any]:
    today = now.astimezone(UTC).date()
    plan = rng.choices(sorted(PLANS), weights=(50, 30, 20))[0]
    roll = rng.random()
    if roll < 0.14:  # renewal due within the next 30 days
        contract_end = today + timedelta(days=rng.randrange(1, 31))
    elif roll < 0.24:  # already ended, not renewed
        contract_end = today - timedelta(days=rng.randrange(1, 120))
    else:
        contract_end = today + timedelta(days=rng.randrange(31, 400))
    tier = ("vip" if spend >= 300 else "gold" if spend >= 120 else
            "silver" if spend >= 50 else "bronze")
    tags = {tag for tag in OPTIONAL_TAGS if rng.random() < 0.2}
    if tier == "vip":
        tags.add("vip")
    if detractor:
        tags.add("detractor")
    consent_at = datetime.combine(first_day, time(12), tzinfo=UTC)
    consent = {}
    for channel, choices in CONSENT_CHOICES.items():
        status, source, _ = rng.choices(choices, weights=[c[2] for c in choices])[0]
        offset = timedelta(days=rng.randrange(0, max(1, (today - first_day).days)))
        when = min(consent_at + offset, now)
        consent[channel] = {"status": status, "source": source, "at": when.isoformat()}
    return {
        "email": f"{_ascii(first)}.{_ascii(last)}.{number}@example.com",
        "phone": _mobile_number(rng, country.region),
        "first_name": first,
        "last_name": last,
        "timezone": zone,
        "locale": country.locale,
        "tier": tier,
        "clv": str(spend.quantize(Decimal("0.01"))),
        "tags": sorted(tags),
        "consent": consent,
        "attributes": {
            "plan": plan,
            "monthly_fee": float(PLANS[plan]),
            "country": country.region,
            "customer_since": first_day.isoformat(),
            "contract_end": contract_end.isoformat(),
            "first_year_discount": rng.random() < 0.3,
            "orders": orders,
            "lifetime_spend": float(spend),
        },
    }


def _mobile_number(rng: random.Random, region: str) -> str:
    """A valid mobile number of the region in E.164: the library's example number with
    random last digits, re-drawn until valid."""
    example = phonenumbers.example_number_for_type(region, phonenumbers.PhoneNumberType.MOBILE)
    national = str(example.national_number)
    for _ in range(50):
        digits = national[:-6] + "".join(str(rng.randrange(10)) for _ in range(6))
        number = phonenumbers.parse(f"+{example.country_code}{digits}", None)
        if phonenumbers.is_valid_number(number):
            return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    return phonenumbers.format_number(example, phonenumbers.PhoneNumberFormat.E164)


def _ascii(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(ch for ch in folded.lower() if ch.isalnum())



DEMO_SEGMENTS: dict[str, tuple[str, dict]] = {
    "Contract ends within 30 days": (
        "Reactivation candidates: their contract runs out soon.",
        {"all": [{"field": "customer.attributes.contract_end", "op": "within_next",
                  "value": "30d"}]},
    ),
    "Lapsed repeat buyers": (
        "Bought three times or more, nothing in the last 60 days.",
        {"all": [
            {"field": "metrics.event_count", "event_type": "purchase", "op": "gte",
             "value": 3},
            {"field": "metrics.days_since_last", "event_type": "purchase", "op": "gte",
             "value": 60},
        ]},
    ),
    "VIP and gold": (
        "High-value customers worth a reward.",
        {"any": [{"field": "customer.tier", "op": "in", "value": ["vip", "gold"]}]},
    ),
}


def demo_segments_ensure() -> int:
    """The demo's segments, created once (found again by name)."""
    from apps.customers.models import Segment
    from apps.customers.segments import segment_create

    for name, (description, condition) in DEMO_SEGMENTS.items():
        if not Segment.objects.filter(name=name).exists():
            segment_create(name=name, description=description, condition=condition)
    return Segment.objects.filter(name__in=DEMO_SEGMENTS).count()
