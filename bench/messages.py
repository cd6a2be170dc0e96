"""Messages per second through the outbox with the console provider and a real worker.

Two phases over one scratch database, as production runs them (production settings,
PostgreSQL, Redis, `celery worker --pool=prefork`):

1. queue: `message_queue` as the engine calls it (each call in its own transaction, the
   guardrails checked: consent, stale opt-in, suppression list, frequency cap), with no
   worker running, so the delivery tasks wait in Redis;
2. deliver: a worker starts and drains them: per message, the guardrails again, the
   `sending` commit, the console provider, the `sent` commit.

Then both at once (end to end): the queueing process and the worker side by side.
Quiet hours are off (the wall clock must not defer messages mid-run).

Last, a provider across the network: SendGrid and Twilio as the fake provider server of
the tests (tests/messaging/fake_provider.py), answering every call after
BENCH_PROVIDER_LATENCY_MS (150), talked to by the real SDKs. The messages are handed on
in delivery batches as the engine hands them (`enqueue_delivery`), once with one call
at a time per task and once with KEEPFLOW_DELIVERY_CONCURRENCY calls at once.
"""

from __future__ import annotations

import os
import time
from typing import Any

import psycopg
import redis

from bench.support import (
    CeleryWorker,
    CpuMeter,
    database_name,
    database_recreate,
    env_url,
    postgres_backends,
    production_env,
    say,
)

DATABASE_URL = env_url("BENCH_MESSAGES_DATABASE_URL",
                       "postgres://postgres@127.0.0.1:5432/keepflow_bench_messages")
REDIS_URL = env_url("BENCH_MESSAGES_REDIS_URL", "redis://127.0.0.1:6379/12")
QUEUE_KEY = "messages"  # deliveries have their own queue (KEEPFLOW_DELIVERY_QUEUE)
CONCURRENCY = os.cpu_count() or 2
PROVIDER_LATENCY_MS = int(os.environ.get("BENCH_PROVIDER_LATENCY_MS", "150"))
PROVIDER_CALLS_AT_ONCE = (1, 8)  # KEEPFLOW_DELIVERY_CONCURRENCY for the two runs


def bench_env() -> dict[str, str]:
    return production_env(DATABASE_URL, REDIS_URL, KEEPFLOW_QUIET_HOURS="",
                          KEEPFLOW_EMAIL_PROVIDER="console", KEEPFLOW_SMS_PROVIDER="console",
                          PYTHONUNBUFFERED="1")


def django_setup(env: dict[str, str]) -> None:
    for key in ("DJANGO_SETTINGS_MODULE", "SECRET_KEY", "DATABASE_URL", "REDIS_URL",
                "CELERY_BROKER_URL", "ALLOWED_HOSTS", "DEBUG", "LOG_LEVEL",
                "KEEPFLOW_QUIET_HOURS", "KEEPFLOW_EMAIL_PROVIDER", "KEEPFLOW_SMS_PROVIDER"):
        os.environ[key] = env[key]
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)


def customers_create(count: int, prefix: str = "bench") -> list[Any]:
    from django.utils import timezone

    from apps.customers.models import Customer
    from apps.customers.services import consent_entry

    now = timezone.now()
    granted = {"email": consent_entry("granted", "bench", now),
               "sms": consent_entry("granted", "bench", now)}
    Customer.objects.bulk_create(
        [Customer(external_id=f"{prefix}-{i}", email=f"{prefix}{i}@example.com",
                  phone=f"+4915{i:09d}", timezone="Europe/Berlin", consent=granted)
         for i in range(count)], batch_size=1000)
    return list(Customer.objects.filter(external_id__startswith=f"{prefix}-").order_by("pk"))


def queue_messages(customers: list[Any], offset: int, count: int) -> float:
    """`count` messages, round-robin over the customers, each in its own transaction as
    the engine's step would. Returns the seconds it took."""
    from django.db import transaction

    from apps.messaging.services import message_queue

    started = time.monotonic()
    for i in range(offset, offset + count):
        customer = customers[i % len(customers)]
        channel = "email" if i % 2 else "sms"
        with transaction.atomic():
            result = message_queue(
                customer=customer, channel=channel, body=f"Sorry about order {i}.",
                subject="We are sorry" if channel == "email" else "",
                category="transactional" if i % 4 == 0 else "marketing",
                idempotency_key=f"bench:{i}", run_id=i, workflow_id=1, node_id="a1",
            )
        assert result["status"] == "queued", result
    return time.monotonic() - started


def sent_count(first: int, last: int) -> int:
    with psycopg.connect(DATABASE_URL) as conn:
        row = conn.execute("SELECT count(*) FROM messaging_message WHERE status = 'sent' "
                           "AND run_id BETWEEN %s AND %s", [first, last]).fetchone()
    return int(row[0])


def wait_sent(first: int, last: int, timeout: float) -> float:
    deadline = time.monotonic() + timeout
    while sent_count(first, last) < last - first + 1:
        if time.monotonic() > deadline:
            raise RuntimeError(f"messages {first}..{last} not all sent after {timeout} s")
        time.sleep(0.05)
    return time.monotonic()


def meter(worker: CeleryWorker) -> CpuMeter:
    return CpuMeter({
        "worker": worker.pids,
        "postgres": lambda: postgres_backends(database_name(DATABASE_URL)),
        "queueing_process": lambda: [os.getpid()],
    })


def run(quick: bool = False) -> dict[str, Any]:
    env = bench_env()
    say(f"messages: recreating database {database_name(DATABASE_URL)} and migrating")
    database_recreate(DATABASE_URL)
    django_setup(env)
    broker = redis.Redis.from_url(REDIS_URL)
    broker.delete(QUEUE_KEY)
    count = 1_000 if quick else 5_000
    # Caps: one marketing message per customer and channel in the run, well under 3 / 7 d.
    customers = customers_create(count)

    say(f"messages: queueing {count:,} with no worker running")
    cpu_queue = CpuMeter({"queueing_process": lambda: [os.getpid()],
                          "postgres": lambda: postgres_backends(database_name(DATABASE_URL))})
    cpu_queue.start()
    queue_seconds = queue_messages(customers, 0, count)
    queue_cpu = cpu_queue.stop()
    waiting = int(broker.llen(QUEUE_KEY))

    say(f"messages: a worker (-c {CONCURRENCY}) delivers the {waiting:,} waiting tasks")
    with CeleryWorker(CONCURRENCY, env, name="bench-messages-worker",
                      queue=QUEUE_KEY) as worker:
        cpu = meter(worker)
        started = time.monotonic()
        cpu.start()
        finished = wait_sent(0, count - 1, timeout=1800)
        deliver_cpu = cpu.stop()
        deliver_seconds = finished - started

        say(f"messages: end to end, {count:,} queued while the worker delivers")
        cpu = meter(worker)
        started = time.monotonic()
        cpu.start()
        queue_messages(customers, count, count)
        finished = wait_sent(count, 2 * count - 1, timeout=1800)
        e2e_cpu = cpu.stop()
        e2e_seconds = finished - started

    def per_message_ms(cpu_seconds: float) -> float:
        return round(cpu_seconds * 1000 / count, 3)

    remote = remote_provider_runs(env, 2 * count, 200 if quick else 800)
    return {
        "database": database_name(DATABASE_URL),
        "provider": "console",
        "messages": count,
        "worker_concurrency": CONCURRENCY,
        "mix": "half e-mail, half SMS; a quarter transactional; every guardrail checked",
        "queue": {"seconds": round(queue_seconds, 2),
                  "messages_per_s": round(count / queue_seconds, 1),
                  "tasks_waiting_in_redis": waiting,
                  "cpu_seconds": queue_cpu,
                  "cpu_ms_per_message": {k: per_message_ms(v) for k, v in queue_cpu.items()
                                         if not k.startswith("machine")}},
        "deliver": {"seconds": round(deliver_seconds, 2),
                    "messages_per_s": round(count / deliver_seconds, 1),
                    "cpu_seconds": deliver_cpu,
                    "cpu_ms_per_message": {k: per_message_ms(v) for k, v in deliver_cpu.items()
                                           if not k.startswith("machine")}},
        "end_to_end": {"seconds": round(e2e_seconds, 2),
                       "messages_per_s": round(count / e2e_seconds, 1),
                       "cpu_seconds": e2e_cpu},
        "remote_provider": remote,
    }


def remote_provider_runs(env: dict[str, str], offset: int, count: int) -> dict[str, Any]:
    """`count` messages through SendGrid and Twilio `PROVIDER_LATENCY_MS` away, once per
    KEEPFLOW_DELIVERY_CONCURRENCY in PROVIDER_CALLS_AT_ONCE, each run to customers of its
    own (one message each: no cap applies)."""
    from django.conf import settings

    from apps.messaging.services import enqueue_delivery
    from tests.messaging.fake_provider import FakeProvider

    fake = FakeProvider(latency_seconds=PROVIDER_LATENCY_MS / 1000).start()
    remote_env = env | {"KEEPFLOW_EMAIL_PROVIDER": "sendgrid", "SENDGRID_API_KEY": "SG.bench",
                        "SENDGRID_API_HOST": fake.url, "KEEPFLOW_SMS_PROVIDER": "twilio",
                        "TWILIO_ACCOUNT_SID": "ACbench", "TWILIO_AUTH_TOKEN": "bench",
                        "TWILIO_FROM_NUMBER": "+15005550006", "TWILIO_API_BASE_URL": fake.url}
    broker = redis.Redis.from_url(REDIS_URL)
    runs = []
    try:
        for run, calls_at_once in enumerate(PROVIDER_CALLS_AT_ONCE):
            say(f"messages: {count:,} through a provider {PROVIDER_LATENCY_MS} ms away, "
                f"{calls_at_once} call(s) at once per task")
            ids = _queued_ids(customers_create(count, f"remote{run}"), offset, count)
            broker.delete(QUEUE_KEY)  # the one-message tasks of queueing: batches instead
            enqueue_delivery(ids)
            with CeleryWorker(CONCURRENCY, remote_env | {
                    "KEEPFLOW_DELIVERY_CONCURRENCY": str(calls_at_once)},
                    name="bench-messages-remote", queue=QUEUE_KEY):
                started = time.monotonic()
                seconds = wait_sent(offset, offset + count - 1, timeout=1800) - started
            runs.append({"calls_at_once_per_task": calls_at_once,
                         "seconds": round(seconds, 2),
                         "messages_per_s": round(count / seconds, 1)})
            offset += count
    finally:
        fake.stop()
    return {"provider_latency_ms": PROVIDER_LATENCY_MS, "messages": count,
            "delivery_batch": settings.KEEPFLOW_DELIVERY_BATCH, "worker_concurrency": CONCURRENCY,
            "provider_requests": len(fake.requests), "runs": runs}


def _queued_ids(customers: list[Any], offset: int, count: int) -> list[int]:
    from apps.messaging.models import Message

    queue_messages(customers, offset, count)
    return list(Message.objects.filter(run_id__gte=offset, run_id__lt=offset + count)
                .order_by("id").values_list("id", flat=True))
